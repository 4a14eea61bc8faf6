import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, query, useApi } from '../api';
import { ErrorNote, Field, Page } from '../components/ui';

interface NativeEvent {
  id: string;
  subject: string;
  time: string;
  eventtype: string;
  workflow: string;
  status: string;
}

const POLL_MS = 2000;
const KEEP = 300;

/**
 * The tenant's feed, followed live with its cursor: each poll asks for the
 * events after the last one seen, so new events appear without a reload.
 */
export function Events() {
  const workflows = useApi<{ workflows: Array<{ name: string; eventTypes: string[] }> }>('/v1/workflows');
  const [workflow, setWorkflow] = useState('');
  const [type, setType] = useState('');
  const [events, setEvents] = useState<NativeEvent[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [live, setLive] = useState(true);
  const cursor = useRef<string | null>(null);
  useEffect(() => {
    cursor.current = null;
    setEvents([]);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        // Catch up in pages of 100, then wait for new ones.
        for (;;) {
          const page = await api<{ lastEventId: string | null; events: NativeEvent[] }>(
            `/v1/events${query({ format: 'native', count: 100, afterEventId: cursor.current, workflow, type })}`,
          );
          if (stopped) return;
          cursor.current = page.lastEventId;
          if (page.events.length > 0) setEvents((old) => [...page.events.reverse(), ...old].slice(0, KEEP));
          if (page.events.length < 100) break;
        }
        setError(null);
      } catch (e) {
        setError(e as Error);
      }
      if (!stopped && live) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [workflow, type, live]);
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
    </Page>
  );
}
