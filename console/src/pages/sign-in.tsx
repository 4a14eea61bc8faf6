import { useState } from 'preact/hooks';
import { ErrorNote, Field, Page } from '../components/ui';
import { setSession } from '../session';

/** Admin token (operator pages) and/or an API key (a tenant's pages); both are checked before they are kept. */
export function SignIn() {
  const [admin, setAdmin] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      if (!admin && !key) throw new Error('Enter the admin token, an API key, or both.');
      if (admin) await check('/v1/tenants', admin, 'admin token');
      if (key) await check('/v1/workflows', key, 'API key');
      setSession({ admin: admin || null, key: key || null, portal: null });
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <Page title="Sign in">
      <form class="card narrow" onSubmit={submit}>
        <p class="muted">
          Kept in this tab's session storage only, never in a URL. Operators use the admin token (
          <code>TIDINGS_ADMIN_TOKEN</code>); integrators an API key (<code>tdk_…</code>).
        </p>
        <Field label="Admin token">
          <input type="password" autoComplete="off" value={admin} onInput={(e) => setAdmin(e.currentTarget.value)} />
        </Field>
        <Field label="API key">
          <input type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </Field>
        <ErrorNote error={error} />
        <button type="submit">Sign in</button>
      </form>
    </Page>
  );
}

/** One read with the credential, before it is kept. */
async function check(path: string, bearer: string, what: string) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${bearer}` } });
  if (!response.ok) throw new Error(`The ${what} was refused (HTTP ${response.status}).`);
}
