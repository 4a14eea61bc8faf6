import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, query, useApi } from '../api';
import type { Endpoint } from '../api-types';
import { ErrorNote, Field, Json, Loading, Page } from '../components/ui';
import { EMPTY_ENDPOINT_FORM, type EndpointFormValues, endpointBody } from '../lib/endpoint-form';
import { canManageEndpoints } from '../session';
import { EndpointHealth } from './home';

export type { Endpoint };

export function Endpoints() {
  const [cursor, setCursor] = useState<string | null>(null);
  const list = useApi<{ endpoints: Endpoint[]; nextCursor: string | null }>(
    `/v1/endpoints${query({ limit: 50, cursor })}`,
  );
  return (
    <Page
      title="Endpoints"
      actions={
        canManageEndpoints() && (
          <Link href="/endpoints/new" class="button">
            New endpoint
          </Link>
        )
      }
    >
      <ErrorNote error={list.error} />
      <Loading when={list.loading} />
      <table>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Health</th>
            <th scope="col">Format</th>
            <th scope="col">Filter</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.endpoints.map((e) => (
            <tr key={e.id}>
              <td>
                <Link href={`/endpoints/${e.id}`}>{e.url}</Link>
                {e.description && <div class="muted">{e.description}</div>}
              </td>
              <td>
                <EndpointHealth endpoint={e} />
              </td>
              <td>{e.format}</td>
              <td class="muted">{[...(e.workflows ?? []), ...(e.eventTypes ?? [])].join(', ') || 'every event'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.endpoints.length === 0 && <p class="muted">No endpoints yet.</p>}
      {list.data?.nextCursor && (
        <button type="button" onClick={() => setCursor(list.data?.nextCursor ?? null)}>
          Next page
        </button>
      )}
    </Page>
  );
}

export function NewEndpoint() {
  const [, navigate] = useLocation();
  const [created, setCreated] = useState<Endpoint | null>(null);
  if (created) {
    return (
      <Page title="Endpoint created">
        <p>Its signing secret, shown this once (it can be revealed again from the endpoint's page):</p>
        <Json value={created.secret ?? ''} label="Signing secret" />
        <button type="button" onClick={() => navigate(`/endpoints/${created.id}`)}>
          Open the endpoint
        </button>
      </Page>
    );
  }
  return (
    <Page title="New endpoint">
      <EndpointForm
        initial={EMPTY_ENDPOINT_FORM}
        submitLabel="Create endpoint"
        onSubmit={async (values) =>
          setCreated(await api<Endpoint>('/v1/endpoints', { method: 'POST', body: endpointBody(values) }))
        }
      />
    </Page>
  );
}

const FORMATS = ['vendor', 'native', 'uanataca', 'onespan', 'set', 'reestro', 'thales'];

/** Every option `POST /v1/endpoints` has, as a form. */
export function EndpointForm(props: {
  initial: EndpointFormValues;
  submitLabel: string;
  editing?: boolean;
  onSubmit: (values: EndpointFormValues) => Promise<void>;
}) {
  const [v, setV] = useState(props.initial);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: keyof EndpointFormValues) => (e: Event) =>
    setV({ ...v, [name]: (e.currentTarget as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(v);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form-grid" onSubmit={submit}>
      <Field label="URL">
        <input required type="url" value={v.url} onInput={set('url')} placeholder="https://example.com/webhooks" />
      </Field>
      <Field label="Description">
        <input value={v.description} onInput={set('description')} />
      </Field>
      <Field label="Event types" hint="Comma-separated; empty: every type">
        <input value={v.eventTypes} onInput={set('eventTypes')} />
      </Field>
      <Field label="Workflows" hint="Comma-separated; empty: every workflow">
        <input value={v.workflows} onInput={set('workflows')} />
      </Field>
      <Field label="Format">
        <select value={v.format} onChange={set('format')}>
          {FORMATS.map((f) => (
            <option key={f}>{f}</option>
          ))}
        </select>
      </Field>
      <Field label="Ordering">
        <select value={v.ordering} onChange={set('ordering')}>
          <option value="subject">subject (in order per subject)</option>
          <option value="none">none</option>
        </select>
      </Field>
      <Field label="Rate limit" hint="Requests per second; empty: none">
        <input inputMode="numeric" value={v.rateLimit} onInput={set('rateLimit')} />
      </Field>
      <Field label="Authentication">
        <select value={v.authType} onChange={set('authType')}>
          <option value="standard-webhooks">Standard Webhooks signature</option>
          <option value="header">Shared-secret header</option>
          <option value="mtls">Mutual TLS</option>
        </select>
      </Field>
      {v.authType === 'standard-webhooks' && (
        <Field label="Signature algorithm">
          <select value={v.algorithm} onChange={set('algorithm')}>
            <option value="hmac-sha256">HMAC-SHA256</option>
            <option value="ed25519">Ed25519</option>
          </select>
        </Field>
      )}
      {v.authType === 'header' && (
        <>
          <Field label="Header name">
            <input value={v.headerName} onInput={set('headerName')} />
          </Field>
          <Field label="Header value" hint={props.editing ? 'Leave empty to keep the current value' : undefined}>
            <input type="password" value={v.headerValue} onInput={set('headerValue')} />
          </Field>
        </>
      )}
      {v.authType === 'mtls' && (
        <>
          <Field label="Client certificate (PEM)">
            <textarea rows={4} value={v.cert} onInput={set('cert')} />
          </Field>
          <Field label="Client key (PEM)" hint={props.editing ? 'Leave empty to keep the current key' : undefined}>
            <textarea rows={4} value={v.key} onInput={set('key')} />
          </Field>
        </>
      )}
      <Field label="Extra headers" hint="One Name: value per line">
        <textarea rows={3} value={v.headers} onInput={set('headers')} />
      </Field>
      <Field label="Server CA (PEM)" hint="Pins the CA the endpoint's certificate must chain to">
        <textarea rows={3} value={v.ca} onInput={set('ca')} />
      </Field>
      <ErrorNote error={error} />
      <div>
        <button type="submit" disabled={busy}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
