import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api } from '../api';
import type { PortalSession } from '../api-types';
import { ErrorNote, Page } from '../components/ui';
import { setSession } from '../session';

/**
 * Opens a portal link: the token sits in the URL's fragment (never sent to a
 * server, never in a log); it is exchanged for a session kept in memory only,
 * and the fragment is wiped from the address bar and the history.
 */
export function PortalEntry() {
  const [, navigate] = useLocation();
  const [error, setError] = useState<Error | null>(null);
  // A new link on the same page (an iframe's src changed to another fragment) is not a reload: follow it.
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  useEffect(() => {
    setError(null);
    const token = new URLSearchParams(hash.slice(1)).get('token');
    history.replaceState(null, '', location.pathname);
    if (!token) {
      setError(new Error('This portal link has no token.'));
      return;
    }
    api<PortalSession>('/v1/portal-sessions', {
      method: 'POST',
      as: 'public',
      body: { token },
    }).then(
      (s) => {
        setSession({
          admin: null,
          key: null,
          portal: { token: s.sessionToken, tenantId: s.tenantId, access: s.access, expiresAt: s.expiresAt },
        });
        navigate('/', { replace: true });
      },
      (e: Error) => setError(e),
    );
  }, [hash]);
  return (
    <Page title="Opening the portal">
      <ErrorNote error={error} />
      {!error && <p aria-live="polite">Checking the link…</p>}
    </Page>
  );
}
