import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, query, useApi } from '../api';
import type { Subject, SubjectHistory } from '../api-types';
import { ago } from '../lib/format-time';
import { hasOlder, healthTone, historyWindow, newestFirst, operationalSubjectId } from '../lib/operational';
import { EventDetails, TypeBadge, When } from './operational-parts';
import { Badge, ErrorNote } from './ui';

const PAGE = 50;

/** 404: Tidings has recorded nothing about the endpoint yet (it creates the subject with its first event). */
const none = (error: Error | null) => error instanceof ApiError && error.status === 404;

/**
 * An endpoint's health as Tidings reported it: the state of its `operational`
 * subject (`endpoint.<id>`) as a badge, and that subject's events newest
 * first (`GET /v1/subjects/{id}/history`, which gives them oldest first: the
 * newest page is asked for once the total is known).
 */
export function HealthHistory(props: { endpointId: string }) {
  const id = encodeURIComponent(operationalSubjectId(props.endpointId));
  const [total, setTotal] = useState<number | null>(null);
  const [back, setBack] = useState(0);
  const subject = useApi<Subject>(`/v1/subjects/${id}`);
  const slice = historyWindow(total, PAGE, back);
  const history = useApi<SubjectHistory>(`/v1/subjects/${id}/history${query(slice)}`);
  const data = history.data;
  // The first answer was the oldest page of a longer history: ask for the newest one.
  useEffect(() => {
    if (data && total === null && data.totalCount > PAGE) setTotal(data.totalCount);
  }, [data, total]);
  const ready = data !== null && (total !== null || data.totalCount <= PAGE) ? data : null;
  const refresh = () => {
    setTotal(null);
    setBack(0);
    subject.reload();
    history.reload();
  };
  const s = subject.data;
  return (
    <section aria-labelledby="health-history">
      <h2 id="health-history">Health history</h2>
      <div class="toolbar">
        <p class="health-state">
          Reported state:{' '}
          {s ? (
            <>
              <Badge tone={healthTone(s.status)}>{s.status}</Badge>{' '}
              <span class="muted">since {ago(s.statusChangedAt)}</span>
            </>
          ) : none(subject.error) ? (
            <Badge tone="ok">healthy</Badge>
          ) : (
            '…'
          )}
        </p>
        <button type="button" onClick={refresh}>
          Reload history
        </button>
      </div>
      <ErrorNote error={none(subject.error) ? null : subject.error} />
      <ErrorNote error={none(history.error) ? null : history.error} />
      {none(history.error) && <p class="muted">No operational events: Tidings has reported nothing about it.</p>}
      {ready && ready.events.length > 0 && (
        <table class="health-history">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">State</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {newestFirst(ready.events).map((e) => (
              <tr key={e.id}>
                <td>
                  <When at={e.occurredAt} />
                  <div class="muted">{ago(e.occurredAt)}</div>
                </td>
                <td>
                  <TypeBadge type={e.type} />
                </td>
                <td>
                  {e.from ?? '(none)'} → {e.to}
                </td>
                <td>
                  <EventDetails data={e.data} omit={['endpointId', 'url']} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {ready && (total !== null || back > 0) && (
        <div class="toolbar">
          <button type="button" disabled={back === 0} onClick={() => setBack(back - 1)}>
            Newer
          </button>
          <span class="muted">
            events {slice.offset + 1}–{slice.offset + ready.events.length} of {ready.totalCount}, newest first
          </span>
          <button type="button" disabled={!hasOlder(ready.totalCount, PAGE, back)} onClick={() => setBack(back + 1)}>
            Older
          </button>
        </div>
      )}
      {s && (
        <p class="muted wrap-anywhere">
          The whole subject, with each event's CloudEvents, vendor and SET renderings:{' '}
          <Link href={`/subjects/${id}`}>{operationalSubjectId(props.endpointId)}</Link>
        </p>
      )}
    </section>
  );
}
