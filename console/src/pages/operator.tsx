import { useState } from 'preact/hooks';
import { api, useApi } from '../api';
import type { ApiKey, SigningKey } from '../api-types';
import { Badge, ErrorNote, Field, Json, Page } from '../components/ui';
import { ago } from '../lib/format-time';
import { session } from '../session';

/** Operator: tenants (admin token). */
export function Tenants() {
  const list = useApi<{ tenants: Array<{ id: string; name: string; createdAt: string }> }>('/v1/tenants', 'admin');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ id: string; apiKey: string } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setCreated(await api('/v1/tenants', { method: 'POST', as: 'admin', body: { name } }));
      setName('');
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <Page title="Tenants">
      <form class="card inline-form" onSubmit={submit} aria-label="Create a tenant">
        <Field label="Name">
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <button type="submit">Create tenant</button>
        <ErrorNote error={error} />
      </form>
      {created && (
        <div class="card" role="status">
          <p>Tenant {created.id} created. Its first API key, shown this once:</p>
          <Json value={created.apiKey} label="API key" />
        </div>
      )}
      <ErrorNote error={list.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.tenants.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>
                <code>{t.id}</code>
              </td>
              <td>{ago(t.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}

/** A tenant's API keys (manage scope) and its portal links. */
export function ApiKeys() {
  const list = useApi<{ apiKeys: ApiKey[] }>('/v1/api-keys');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const act = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
      list.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const toggle = (scope: string) =>
    setScopes(scopes.includes(scope) ? scopes.filter((s) => s !== scope) : [...scopes, scope]);
  return (
    <Page title="API keys">
      <form
        class="card inline-form"
        aria-label="Create an API key"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            const created = await api<{ apiKey: string }>('/v1/api-keys', { method: 'POST', body: { name, scopes } });
            setSecret(created.apiKey);
            setName('');
          });
        }}
      >
        <Field label="Name">
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <fieldset>
          <legend>Scopes</legend>
          {['read', 'write', 'manage'].map((s) => (
            <label key={s} class="check">
              <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <button type="submit">Create key</button>
      </form>
      {secret && (
        <div class="card" role="status">
          <p>The new key, shown this once:</p>
          <Json value={secret} label="API key" />
        </div>
      )}
      <ErrorNote error={list.error ?? error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">State</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.apiKeys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>{k.scopes.join(', ')}</td>
              <td>{ago(k.createdAt)}</td>
              <td>{k.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="ok">active</Badge>}</td>
              <td>
                {!k.revokedAt && (
                  <button
                    type="button"
                    class="danger"
                    onClick={() => act(() => api(`/v1/api-keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' }))}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PortalLinks />
    </Page>
  );
}

function PortalLinks() {
  const [access, setAccess] = useState('read');
  const [ttl, setTtl] = useState('3600');
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setLink(await api('/v1/portal-links', { method: 'POST', body: { access, ttlSeconds: Number(ttl) } }));
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card inline-form" onSubmit={submit} aria-label="Create a portal link">
      <h2>Portal link</h2>
      <p class="muted">
        A short-lived link that opens this console for this tenant only, for an integrator (embeddable where
        TIDINGS_CONSOLE_FRAME_ORIGINS allows).
      </p>
      <Field label="Access">
        <select value={access} onChange={(e) => setAccess(e.currentTarget.value)}>
          <option value="read">read-only</option>
          <option value="endpoints">read and manage endpoints</option>
        </select>
      </Field>
      <Field label="Valid for (seconds)">
        <input inputMode="numeric" value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} />
      </Field>
      <button type="submit">Create link</button>
      <ErrorNote error={error} />
      {link && (
        <div role="status">
          <p>Valid until {new Date(link.expiresAt).toLocaleString()}:</p>
          <Json value={link.url} label="Portal link" />
        </div>
      )}
    </form>
  );
}

/** The JWKS (public) and, for operators, the signing keys' ages and rotation. */
export function Keys() {
  const jwks = useApi<{ keys: Array<{ kid: string; alg: string; kty: string }> }>('/.well-known/jwks.json', 'public');
  const admin = session().admin !== null;
  const keys = useApi<{ keys: SigningKey[] }>(admin ? '/v1/signing-keys' : null, 'admin');
  const [error, setError] = useState<Error | null>(null);
  const rotate = async (purpose: string) => {
    setError(null);
    try {
      await api('/v1/signing-keys/rotate', { method: 'POST', as: 'admin', body: { purpose } });
      keys.reload();
      jwks.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <Page title="Keys">
      <h2>Published (JWKS)</h2>
      <ErrorNote error={jwks.error} />
      <ul class="rows">
        {jwks.data?.keys.map((k) => (
          <li key={k.kid}>
            <code>{k.kid}</code> {k.alg} ({k.kty})
          </li>
        ))}
      </ul>
      {jwks.data?.keys.length === 0 && <p class="muted">No keys yet: the first SET signed creates one.</p>}
      {admin && (
        <>
          <h2>Signing keys</h2>
          <div class="actions">
            <button type="button" onClick={() => rotate('default')}>
              Rotate EdDSA key
            </button>
            <button type="button" onClick={() => rotate('fit')}>
              Rotate FIT-Connect key (PS512)
            </button>
          </div>
          <ErrorNote error={keys.error ?? error} />
          <table>
            <thead>
              <tr>
                <th scope="col">Key id</th>
                <th scope="col">Purpose</th>
                <th scope="col">Age</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.data?.keys.map((k) => (
                <tr key={k.kid}>
                  <td>
                    <code>{k.kid.slice(0, 16)}…</code>
                  </td>
                  <td>
                    {k.purpose} ({k.alg})
                  </td>
                  <td>{ago(k.createdAt)}</td>
                  <td>
                    {k.rotatedAt === null ? (
                      <Badge tone="ok">active</Badge>
                    ) : k.published ? (
                      <Badge tone="warn">rotated {ago(k.rotatedAt)}, still published</Badge>
                    ) : (
                      <Badge tone="muted">retired</Badge>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Page>
  );
}
