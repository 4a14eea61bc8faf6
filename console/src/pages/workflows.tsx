import { Link } from 'wouter-preact';
import { useApi } from '../api';
import { StateDiagram } from '../components/state-diagram';
import { ErrorNote, Json, Loading, Page } from '../components/ui';
import type { WorkflowShape } from '../lib/workflow-graph';

/** `GET /v1/workflows` has no response schema in openapi.json yet, so this one shape stays hand-written. */
interface Summary {
  name: string;
  title?: string;
  description?: string;
  states: string[];
  format: string;
  eventTypes: string[];
}

export function Workflows() {
  const list = useApi<{ workflows: Summary[] }>('/v1/workflows');
  return (
    <Page title="Workflows">
      <ErrorNote error={list.error} />
      <Loading when={list.loading} />
      <ul class="cards">
        {list.data?.workflows.map((w) => (
          <li key={w.name} class="card">
            <h2>
              <Link href={`/workflows/${encodeURIComponent(w.name)}`}>{w.name}</Link>
            </h2>
            <p class="muted">{w.title ?? w.description}</p>
            <p>
              {w.states.length} states · {w.eventTypes.length} event types · format <code>{w.format}</code>
            </p>
          </li>
        ))}
      </ul>
    </Page>
  );
}

type Definition = WorkflowShape & {
  title?: string;
  description?: string;
  notes: string[];
  transitions: Array<{ type: string; from: string[]; to: string; description?: string }>;
  timers: Array<{ name: string; states: string[]; fire: string }>;
  attributesSchema: unknown;
};

export function WorkflowPage(props: { name: string }) {
  const wf = useApi<Definition>(`/v1/workflows/${encodeURIComponent(props.name)}`);
  const d = wf.data;
  return (
    <Page title={`Workflow ${props.name}`}>
      <ErrorNote error={wf.error} />
      {d && (
        <>
          {d.description && <p>{d.description}</p>}
          <StateDiagram workflow={d} />
          <h2>Transitions</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Event type</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Meaning</th>
              </tr>
            </thead>
            <tbody>
              {[...d.initial.map((t) => ({ ...t, from: ['(start)'], description: '' })), ...d.transitions].map((t) => (
                <tr key={`${t.type}-${t.from.join()}-${t.to}`}>
                  <td>
                    <code>{t.type}</code>
                  </td>
                  <td>{t.from.join(', ')}</td>
                  <td>{t.to}</td>
                  <td class="muted">{(t as { description?: string }).description}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.timers.length > 0 && (
            <>
              <h2>Timers</h2>
              <Json value={d.timers} label="Timers" />
            </>
          )}
          <h2>Attribute schema</h2>
          <Json value={d.attributesSchema} label="Attribute schema" />
          {d.notes.length > 0 && (
            <>
              <h2>Notes</h2>
              <ul>
                {d.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </Page>
  );
}
