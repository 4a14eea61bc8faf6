import type { JSONWebKeySet } from 'jose';
import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, api, query, useApi } from '../api';
import type { HistoryEvent, SubjectHistory } from '../api-types';
import { SetView } from '../components/set-view';
import { StateDiagram } from '../components/state-diagram';
import { Badge, ErrorNote, Field, Json, Loading, Page } from '../components/ui';
import { ago } from '../lib/format-time';
import { allowedFrom, type WorkflowShape } from '../lib/workflow-graph';
import { session } from '../session';
import type { Subject } from './subjects';

const PAGE = 200;

/** A subject's life: its workflow drawn with the path taken, its timeline, each event in every format. */
export function SubjectPage(props: { id: string }) {
  const id = encodeURIComponent(props.id);
  const subject = useApi<Subject>(`/v1/subjects/${id}`);
  const workflow = useApi<WorkflowShape & { timers: Array<{ name: string; states: string[]; fire: string }> }>(
    subject.data ? `/v1/workflows/${encodeURIComponent(subject.data.workflow)}` : null,
  );
  const [offset, setOffset] = useState(0);
  const history = useApi<SubjectHistory>(
    subject.data ? `/v1/subjects/${id}/history${query({ offset, limit: PAGE })}` : null,
  );
  // After the history: reading it signs any SET not signed yet, which creates the first key.
  const jwks = useApi<JSONWebKeySet>(history.data ? '/.well-known/jwks.json' : null, 'public');
  // The whole path (every transition of every event), not only the loaded page of the timeline.
  const steps = useMemo(() => history.data?.path ?? [], [history.data]);
  const reload = () => {
    subject.reload();
    history.reload();
  };
  const s = subject.data;
  return (
    <Page title={`Subject ${props.id}`}>
      <ErrorNote error={subject.error} />
      <Loading when={subject.loading && !s} />
      {s && (
        <>
          <div class="card">
            <p>
              <Link href={`/workflows/${encodeURIComponent(s.workflow)}`}>{s.workflow}</Link> · status{' '}
              <Badge tone="ok">{s.status}</Badge> · version {s.version} · changed {ago(s.statusChangedAt)}
              {s.parentId && (
                <>
                  {' '}
                  · parent <Link href={`/subjects/${encodeURIComponent(s.parentId)}`}>{s.parentId}</Link>
                </>
              )}
            </p>
            {Object.keys(s.attributes).length > 0 && <Json value={s.attributes} label="Attributes" />}
          </div>
          {workflow.data && <StateDiagram workflow={workflow.data} steps={steps} current={s.status} />}
          {s.workflow === 'idv-transaction' && <ConsentText id={props.id} />}
          {workflow.data && session().portal === null && (
            <RecordTransition subject={s} workflow={workflow.data} onDone={reload} />
          )}
          <section>
            <h2>Timeline</h2>
            <ErrorNote error={history.error} />
            <ol class="timeline">
              {history.data?.events.map((e) => (
                <li key={e.id}>
                  <details>
                    <summary>
                      <time dateTime={e.occurredAt}>{new Date(e.occurredAt).toLocaleString()}</time>{' '}
                      <strong>{e.type}</strong> {e.from ?? '(start)'} → {e.to}
                    </summary>
                    <EventFormats event={e} jwks={jwks.data} />
                  </details>
                </li>
              ))}
            </ol>
            {history.data && history.data.totalCount > PAGE && (
              <div class="toolbar">
                <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                  Earlier
                </button>
                <span class="muted">
                  events {offset + 1}–{Math.min(offset + PAGE, history.data.totalCount)} of {history.data.totalCount}
                </span>
                <button
                  type="button"
                  disabled={offset + PAGE >= history.data.totalCount}
                  onClick={() => setOffset(offset + PAGE)}
                >
                  Later
                </button>
              </div>
            )}
          </section>
        </>
      )}
    </Page>
  );
}

function EventFormats(props: { event: HistoryEvent; jwks: JSONWebKeySet | null }) {
  const [tab, setTab] = useState<'native' | 'vendor' | 'set' | 'data'>('native');
  const tabs = ['native', 'vendor', 'set', 'data'] as const;
  return (
    <div class="formats">
      <div role="tablist" aria-label="Formats">
        {tabs.map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t === 'set' ? 'SET (verified)' : t === 'native' ? 'CloudEvents' : t}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'native' && <Json value={props.event.renderings.native} label="CloudEvents rendering" />}
        {tab === 'vendor' && <Json value={props.event.renderings.vendor} label="Vendor rendering" />}
        {tab === 'set' && <SetView jws={props.event.renderings.set} jwks={props.jwks} />}
        {tab === 'data' && <Json value={props.event.data} label="Event data" />}
      </div>
    </div>
  );
}

/** The consent text as the user saw it; the route may not exist on this server yet (404 is expected). */
function ConsentText(props: { id: string }) {
  const consent = useApi<{ text: string; language?: string }>(
    `/v1/subjects/${encodeURIComponent(props.id)}/consent-text`,
  );
  return (
    <section class="card">
      <h2>Consent text</h2>
      {consent.data && (
        <blockquote lang={consent.data.language}>
          {consent.data.text.split('\n').map((line, i) => (
            <p key={i}>{line}</p>
          ))}
        </blockquote>
      )}
      {consent.error instanceof ApiError && consent.error.status === 404 && (
        <p class="muted">No consent text is available for this transaction on this server.</p>
      )}
      {consent.error && !(consent.error instanceof ApiError && consent.error.status === 404) && (
        <ErrorNote error={consent.error} />
      )}
    </section>
  );
}

function RecordTransition(props: { subject: Subject; workflow: WorkflowShape; onDone: () => void }) {
  const options = allowedFrom(props.workflow, props.subject.status);
  const [type, setType] = useState('');
  const [to, setTo] = useState('');
  const [data, setData] = useState('{}');
  const [error, setError] = useState<Error | null>(null);
  if (options.length === 0) return null;
  const chosen = options.find((o) => o.type === type);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const parsed = JSON.parse(data || '{}');
      await api(`/v1/subjects/${encodeURIComponent(props.subject.id)}/events`, {
        method: 'POST',
        body: {
          type,
          ...(chosen && chosen.to.length > 1 ? { to: to || chosen.to[0] } : {}),
          data: parsed,
          expectedVersion: props.subject.version,
        },
      });
      setType('');
      props.onDone();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card inline-form" onSubmit={submit} aria-label="Record a transition">
      <h2>Record a transition</h2>
      <Field label="Event type">
        <select required value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="">choose…</option>
          {options.map((o) => (
            <option key={o.type} value={o.type}>
              {o.type} → {o.to.join(' | ')}
            </option>
          ))}
        </select>
      </Field>
      {chosen && chosen.to.length > 1 && (
        <Field label="To">
          <select value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            {chosen.to.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
      )}
      <Field label="Data (JSON)">
        <textarea rows={2} value={data} onInput={(e) => setData(e.currentTarget.value)} />
      </Field>
      <button type="submit">Record</button>
      <ErrorNote error={error} />
    </form>
  );
}
