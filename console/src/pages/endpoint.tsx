import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, query, useApi } from '../api';
import type { Attempt, Delivery, TestAnswer } from '../api-types';
import { HealthHistory } from '../components/health-history';
import { Badge, ErrorNote, Field, Json, Loading, Page } from '../components/ui';
import { endpointBody, formOf } from '../lib/endpoint-form';
import { ago, isoFromLocal } from '../lib/format-time';
import { canManageEndpoints } from '../session';
import { type Endpoint, EndpointForm } from './endpoints';
import { EndpointHealth } from './home';

function testOutcome(t: TestAnswer): string {
  if (t.status !== null) return `HTTP ${t.status}`;
  if (t.receipt !== null) return `published as ${t.receipt}`;
  return `no answer (${t.errorClass}: ${t.message})`;
}

export function EndpointPage(props: { id: string }) {
  const endpoint = useApi<Endpoint>(`/v1/endpoints/${encodeURIComponent(props.id)}`);
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [tested, setTested] = useState<TestAnswer | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [, navigate] = useLocation();
  const manage = canManageEndpoints();
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      endpoint.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const path = `/v1/endpoints/${encodeURIComponent(props.id)}`;
  const e = endpoint.data;
  return (
    <Page title={e ? `Endpoint ${e.url}` : 'Endpoint'}>
      <ErrorNote error={endpoint.error ?? error} />
      <Loading when={endpoint.loading && !e} />
      {e && (
        <>
          <div class="card">
            <p>
              <EndpointHealth endpoint={e} /> format <code>{e.format}</code>, auth <code>{e.auth.type}</code>, ordering{' '}
              <code>{e.ordering}</code>
              {e.rateLimit ? `, at most ${e.rateLimit}/s` : ''}
            </p>
            {e.secretRotation && (
              <p class="muted">The previous secret keeps signing until {e.secretRotation.previousSecretExpiresAt}.</p>
            )}
            {manage && (
              <div class="actions">
                <button type="button" onClick={() => setEditing(!editing)}>
                  {editing ? 'Close editor' : 'Edit'}
                </button>
                <button
                  type="button"
                  onClick={() => act(() => api(path, { method: 'PATCH', body: { enabled: !e.enabled } }))}
                >
                  {e.enabled ? 'Disable' : 'Enable'}
                </button>
                <button
                  type="button"
                  onClick={() =>
                    act(async () => {
                      setTested(null);
                      setTested(await api<TestAnswer>(`${path}/test`, { method: 'POST' }));
                    })
                  }
                >
                  Send a test event
                </button>
                <button
                  type="button"
                  onClick={() =>
                    act(async () =>
                      setSecret((await api<{ secret: string }>(`${path}/reveal-secret`, { method: 'POST' })).secret),
                    )
                  }
                >
                  Reveal secret
                </button>
                <button
                  type="button"
                  onClick={() =>
                    act(async () =>
                      setSecret(
                        (await api<{ secret: string }>(`${path}/rotate-secret`, { method: 'POST', body: {} })).secret,
                      ),
                    )
                  }
                >
                  Rotate secret
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={() =>
                    confirm('Delete this endpoint with its deliveries and attempts?') &&
                    act(async () => {
                      await api(path, { method: 'DELETE' });
                      navigate('/endpoints');
                    })
                  }
                >
                  Delete
                </button>
              </div>
            )}
            {tested && (
              <p class={`test-result ${tested.ok ? 'ok' : 'bad'}`} aria-live="polite">
                Test event {tested.webhookId}: {testOutcome(tested)} in {tested.latencyMs} ms,{' '}
                {tested.ok ? 'OK' : 'FAILED'}
                {tested.excerpt ? ` · ${tested.excerpt.slice(0, 200)}` : ''}
              </p>
            )}
            {secret && <Json value={secret} label="Signing secret" />}
          </div>
          {editing && (
            <EndpointForm
              initial={formOf(e)}
              editing
              submitLabel="Save changes"
              onSubmit={async (values) => {
                await api(path, { method: 'PATCH', body: endpointBody(values, true) });
                setEditing(false);
                endpoint.reload();
              }}
            />
          )}
          <HealthHistory endpointId={props.id} />
          {manage && <Replay path={path} />}
          <Deliveries endpointId={props.id} manage={manage} />
        </>
      )}
    </Page>
  );
}

function Replay(props: { path: string }) {
  const [since, setSince] = useState('');
  const [all, setAll] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const iso = isoFromLocal(since);
      if (!iso) throw new Error('Pick the time to replay from.');
      const answer = await api<{ requeued: number }>(`${props.path}/replay`, {
        method: 'POST',
        body: { since: iso, failedOnly: !all },
      });
      setResult(`${answer.requeued} deliveries queued again.`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card inline-form" onSubmit={submit} aria-label="Replay deliveries">
      <h2>Replay</h2>
      <Field label="Since">
        <input type="datetime-local" step="1" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
      </Field>
      <label class="check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> all deliveries, not
        only failed ones
      </label>
      <button type="submit">Replay</button>
      {result && (
        <p role="status" class="ok-text">
          {result}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}

function Deliveries(props: { endpointId: string; manage: boolean }) {
  const [status, setStatus] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const list = useApi<{ deliveries: Delivery[]; nextCursor: string | null }>(
    `/v1/endpoints/${encodeURIComponent(props.endpointId)}/deliveries${query({ status, limit: 50, cursor })}`,
  );
  const retry = async (id: string) => {
    setError(null);
    try {
      await api(`/v1/deliveries/${encodeURIComponent(id)}/retry`, { method: 'POST' });
      list.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <section>
      <h2>Deliveries</h2>
      <div class="toolbar">
        <Field label="Status">
          <select
            value={status}
            onChange={(e) => {
              setCursor(null);
              setStatus(e.currentTarget.value);
            }}
          >
            <option value="">any</option>
            <option>pending</option>
            <option>succeeded</option>
            <option>failed</option>
          </select>
        </Field>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={list.error ?? error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
            <th scope="col">Updated</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.deliveries.map((d) => (
            <Fragment key={d.id}>
              <tr class={`delivery ${d.status}`}>
                <td>
                  <Link href={`/subjects/${encodeURIComponent(d.subjectId)}`}>{d.subjectId}</Link>
                </td>
                <td>
                  <Badge tone={d.status === 'succeeded' ? 'ok' : d.status === 'failed' ? 'bad' : 'warn'}>
                    {d.status}
                  </Badge>
                </td>
                <td>{d.attempts}</td>
                <td class="muted">{d.lastError ?? ''}</td>
                <td>{ago(d.updatedAt)}</td>
                <td class="actions">
                  <button
                    type="button"
                    aria-expanded={open === d.id}
                    onClick={() => setOpen(open === d.id ? null : d.id)}
                  >
                    Attempts
                  </button>
                  {props.manage && d.status !== 'succeeded' && (
                    <button type="button" onClick={() => retry(d.id)}>
                      Retry
                    </button>
                  )}
                </td>
              </tr>
              {open === d.id && (
                <tr>
                  <td colSpan={6}>
                    <Attempts endpointId={props.endpointId} deliveryId={d.id} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {list.data?.deliveries.length === 0 && <p class="muted">No deliveries{status ? ` ${status}` : ''}.</p>}
      {list.data?.nextCursor && (
        <button type="button" onClick={() => setCursor(list.data?.nextCursor ?? null)}>
          Next page
        </button>
      )}
    </section>
  );
}

function Attempts(props: { endpointId: string; deliveryId: string }) {
  const list = useApi<{ attempts: Attempt[] }>(
    `/v1/endpoints/${encodeURIComponent(props.endpointId)}/attempts${query({ deliveryId: props.deliveryId, limit: 50 })}`,
  );
  return (
    <div>
      <ErrorNote error={list.error} />
      <ol class="attempts">
        {list.data?.attempts.map((a) => (
          <li key={a.id}>
            #{a.attempt} {new Date(a.startedAt).toLocaleString()}:{' '}
            <Badge tone={a.outcome === 'succeeded' ? 'ok' : 'bad'}>{a.outcome}</Badge> HTTP {a.httpStatus ?? '—'} in{' '}
            {a.latencyMs} ms {a.errorClass && <code>{a.errorClass}</code>} {a.errorMessage}
            {a.responseExcerpt && <Json value={a.responseExcerpt} label="Response excerpt" />}
          </li>
        ))}
      </ol>
    </div>
  );
}
