import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { query, useApi } from '../api';
import type { Subject } from '../api-types';

export type { Subject };

import { ErrorNote, Field, Loading, Page } from '../components/ui';
import { ago } from '../lib/format-time';

/** Search by id, or list by workflow and status (oldest first, cursor paging). */
export function Subjects() {
  const [, navigate] = useLocation();
  const [id, setId] = useState('');
  const [workflow, setWorkflow] = useState('');
  const [status, setStatus] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const workflows = useApi<{ workflows: Array<{ name: string; states: string[] }> }>('/v1/workflows');
  const list = useApi<{ subjects: Subject[]; nextCursor: string | null }>(
    `/v1/subjects${query({ workflow, status, limit: 50, cursor })}`,
  );
  const states = workflows.data?.workflows.find((w) => w.name === workflow)?.states ?? [];
  return (
    <Page title="Subjects">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (id.trim()) navigate(`/subjects/${encodeURIComponent(id.trim())}`);
        }}
      >
        <Field label="Subject id">
          <input value={id} onInput={(e) => setId(e.currentTarget.value)} placeholder="req-1" />
        </Field>
        <button type="submit">Open</button>
      </form>
      <div class="toolbar">
        <Field label="Workflow">
          <select
            value={workflow}
            onChange={(e) => {
              setWorkflow(e.currentTarget.value);
              setStatus('');
              setCursor(null);
            }}
          >
            <option value="">any</option>
            {workflows.data?.workflows.map((w) => (
              <option key={w.name}>{w.name}</option>
            ))}
          </select>
        </Field>
        <Field label="Status">
          <select
            value={status}
            disabled={!workflow}
            onChange={(e) => {
              setStatus(e.currentTarget.value);
              setCursor(null);
            }}
          >
            <option value="">any</option>
            {states.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorNote error={list.error ?? workflows.error} />
      <Loading when={list.loading} />
      <table>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status</th>
            <th scope="col">Changed</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.subjects.map((s) => (
            <tr key={s.id}>
              <td>
                <Link href={`/subjects/${encodeURIComponent(s.id)}`}>{s.id}</Link>
              </td>
              <td>{s.workflow}</td>
              <td>
                <code>{s.status}</code>
              </td>
              <td>{ago(s.statusChangedAt)}</td>
              <td>{new Date(s.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.subjects.length === 0 && <p class="muted">No subjects match.</p>}
      {list.data?.nextCursor && (
        <button type="button" onClick={() => setCursor(list.data?.nextCursor ?? null)}>
          Next page
        </button>
      )}
    </Page>
  );
}
