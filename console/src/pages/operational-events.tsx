import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { query, useApi } from '../api';
import type { OperationalEvents as Answer } from '../api-types';
import { EventDetails, TypeBadge, When } from '../components/operational-parts';
import { ErrorNote, Field, Loading, Page } from '../components/ui';
import { ago } from '../lib/format-time';
import { endpointIdOf } from '../lib/operational';

const LIMIT = 100;

/**
 * Operator (admin token): the `operational` workflow's events of every
 * tenant, newest first (`GET /v1/operational-events`), filtered by type and
 * tenant; an endpoint's event links to the endpoint's page, which opens with
 * an API key (or portal session) of that tenant.
 */
export function OperationalEvents() {
  const tenants = useApi<{ tenants: Array<{ id: string; name: string }> }>('/v1/tenants', 'admin');
  const [type, setType] = useState('');
  const [tenantId, setTenantId] = useState('');
  const list = useApi<Answer>(`/v1/operational-events${query({ type, tenantId, limit: LIMIT })}`, 'admin');
  const types = list.data?.types ?? (type ? [type] : []);
  return (
    <Page title="Operational events">
      <p class="muted">
        What Tidings reported about the tenants' endpoints (failing, disabled, recovered, dead letters, …), newest
        first; the same events are in each tenant's feed. Endpoint links open with an API key of that tenant.
      </p>
      <div class="toolbar">
        <Field label="Type">
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">any</option>
            {types.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </Field>
        <Field label="Tenant">
          <select value={tenantId} onChange={(e) => setTenantId(e.currentTarget.value)}>
            <option value="">all</option>
            {tenants.data?.tenants.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={list.error ?? tenants.error} />
      <Loading when={list.loading && !list.data} />
      {list.data && list.data.events.length > 0 && (
        <table class="operational">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Tenant</th>
              <th scope="col">Subject</th>
              <th scope="col">Type</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {list.data.events.map((e) => {
              const endpoint = endpointIdOf(e);
              return (
                <tr key={`${e.tenantId}/${e.id}`}>
                  <td>
                    <When at={e.occurredAt} />
                    <div class="muted">{ago(e.occurredAt)}</div>
                  </td>
                  <td>
                    {e.tenantName}
                    <div class="muted">
                      <code>{e.tenantId.slice(0, 8)}</code>
                    </div>
                  </td>
                  <td>
                    {endpoint ? (
                      <Link href={`/endpoints/${encodeURIComponent(endpoint)}`}>{e.subjectId}</Link>
                    ) : (
                      <code>{e.subjectId}</code>
                    )}
                  </td>
                  <td>
                    <TypeBadge type={e.type} />
                    <div class="muted">
                      {e.from ?? '(none)'} → {e.to}
                    </div>
                  </td>
                  <td>
                    <EventDetails data={e.data} omit={['endpointId']} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list.data?.events.length === 0 && (
        <p class="muted">No operational events{type || tenantId ? ' match these filters' : ' yet'}.</p>
      )}
      {list.data?.events.length === LIMIT && (
        <p class="muted">The newest {LIMIT}; filter by type or tenant to see further back.</p>
      )}
    </Page>
  );
}
