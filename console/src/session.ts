/**
 * Who the console acts as. The admin token and API key live in sessionStorage
 * (gone when the tab closes, never in a URL); a portal session only in memory.
 */
export interface Session {
  admin: string | null;
  key: string | null;
  portal: { token: string; tenantId: string; access: string; expiresAt: string } | null;
}

const STORAGE_KEY = 'tidings.console.session';
let current: Session = load();
const listeners = new Set<() => void>();

function load(): Session {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    if (saved && typeof saved === 'object') return { admin: saved.admin ?? null, key: saved.key ?? null, portal: null };
  } catch {
    // unreadable: start signed out
  }
  return { admin: null, key: null, portal: null };
}

export function session(): Session {
  return current;
}

export function setSession(next: Session): void {
  current = next;
  if (next.portal) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ admin: next.admin, key: next.key }));
  for (const listener of listeners) listener();
}

export function signOut(): void {
  setSession({ admin: null, key: null, portal: null });
  sessionStorage.removeItem(STORAGE_KEY);
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The bearer for tenant routes: the portal session's token or the API key. */
export function tenantBearer(s: Session = current): string | null {
  return s.portal?.token ?? s.key;
}

export const signedIn = (s: Session = current) => s.admin !== null || tenantBearer(s) !== null;
export const canManageEndpoints = (s: Session = current) => s.portal === null || s.portal.access === 'endpoints';
