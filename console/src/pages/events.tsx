import type { CloudEvent } from '@tidings/sdk/formats';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, query, useApi } from '../api';
import { ErrorNote, Field, Page } from '../components/ui';

/** `format=native`: the SDK's CloudEvent type (the feed's schema is per format, so openapi.json says `unknown`). */
type NativeEvent = CloudEvent;

const POLL_MS = 2000;
const PAGE = 50;
const KEEP = 1000;

/**
 * The tenant's feed from its end: the newest events first
 * (`GET /v1/events/latest`, so a store of a million events opens as fast as an
 * empty one), older ones a page at a time with its `nextBeforeEventId`, and
 * new ones followed live with the feed's cursor (`GET /v1/events?afterEventId=`).
 */
export function Events() {
  const workflows = useApi<{ workflows: Array<{ name: string; eventTypes: string[] }> }>('/v1/workflows');
  const [workflow, setWorkflow] = useState('');
  const [type, setType] = useState('');
  const [events, setEvents] = useState<NativeEvent[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [live, setLive] = useState(true);
  const cursor = useRef<string | null>(null);
  useEffect(() => {
    setEvents([]);
    setOlder(null);
    cursor.current = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const follow = async () => {
      try {
        if (cursor.current === null) {
          const first = await api<{
            newestEventId: string | null;
            nextBeforeEventId: string | null;
            events: NativeEvent[];
          }>(`/v1/events/latest${query({ format: 'native', count: PAGE, workflow, type })}`);
          if (stopped) return;
          cursor.current = first.newestEventId ?? '';
          setEvents(first.events);
          setOlder(first.nextBeforeEventId);
        } else {
          // Catch up in pages of 100, then wait for new ones.
          for (;;) {
            const after: string | null = cursor.current || null;
            const page: { lastEventId: string | null; events: NativeEvent[] } = await api(
              `/v1/events${query({ format: 'native', count: 100, afterEventId: after, workflow, type })}`,
            );
            if (stopped) return;
            cursor.current = page.lastEventId ?? cursor.current;
            if (page.events.length > 0) setEvents((old) => [...page.events.reverse(), ...old].slice(0, KEEP));
            if (page.events.length < 100) break;
          }
        }
        setError(null);
      } catch (e) {
        setError(e as Error);
      }
      if (!stopped && live) timer = setTimeout(follow, POLL_MS);
    };
    void follow();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [workflow, type, live]);
  const loadOlder = async () => {
    if (!older) return;
    try {
      const page = await api<{ nextBeforeEventId: string | null; events: NativeEvent[] }>(
        `/v1/events/latest${query({ format: 'native', count: PAGE, workflow, type, beforeEventId: older })}`,
      );
      setEvents((old) => [...old, ...page.events]);
      setOlder(page.nextBeforeEventId);
    } catch (e) {
      setError(e as Error);
    }
  };
  const types = workflows.data?.workflows.find((w) => w.name === workflow)?.eventTypes ?? [];
  return (
    <Page title="Events">
      <div class="toolbar">
        <Field label="Workflow">
          <select
            value={workflow}
            onChange={(e) => {
              setWorkflow(e.currentTarget.value);
              setType('');
            }}
          >
            <option value="">any</option>
            {workflows.data?.workflows.map((w) => (
              <option key={w.name}>{w.name}</option>
            ))}
          </select>
        </Field>
        <Field label="Type">
          <select value={type} disabled={!workflow} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">any</option>
            {types.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> live
        </label>
      </div>
      <ErrorNote error={error} />
      <p class="muted" aria-live="polite">
        {events.length} events shown, newest first{live ? ', following new ones' : ''}.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">Subject</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status after</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{new Date(e.time).toLocaleString()}</td>
              <td>
                <strong>{e.eventtype}</strong>
              </td>
              <td>
                <Link href={`/subjects/${encodeURIComponent(e.subject)}`}>{e.subject}</Link>
              </td>
              <td>{e.workflow}</td>
              <td>
                <code>{e.status}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {older && (
        <button type="button" onClick={loadOlder}>
          Older events
        </button>
      )}
    </Page>
  );
}
