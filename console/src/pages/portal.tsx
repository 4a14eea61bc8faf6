import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api } from '../api';
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
  useEffect(() => {
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    history.replaceState(null, '', location.pathname);
    if (!token) {
      setError(new Error('This portal link has no token.'));
      return;
    }
    api<{ sessionToken: string; tenantId: string; access: string; expiresAt: string }>('/v1/portal-sessions', {
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
  }, []);
  return (
    <Page title="Opening the portal">
      <ErrorNote error={error} />
      {!error && <p aria-live="polite">Checking the link…</p>}
    </Page>
  );
}
