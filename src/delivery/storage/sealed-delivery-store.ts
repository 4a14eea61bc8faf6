import type { RowIdentity } from '../../keys/secret-sealer.js';
import type { EndpointAuth, EndpointRecord } from '../endpoint.js';
import type { DeliveryStore } from './delivery-store.js';

/** Seals and opens secret text for storage, bound to its row (`src/keys/secret-sealer.ts`). */
export interface SecretBox {
  seal(text: string, at: RowIdentity): Promise<string>;
  open(sealed: string, at: RowIdentity): Promise<string>;
}

/** Applies `f` to every secret of an endpoint, each with the column it is stored under (its row identity). */
export async function mapSecrets(
  e: EndpointRecord,
  f: (text: string, at: RowIdentity) => Promise<string>,
): Promise<EndpointRecord> {
  const at = (column: string): RowIdentity => ({ table: 'endpoints', id: e.id, column });
  const auth: EndpointAuth =
    e.auth.type === 'header'
      ? { ...e.auth, value: await f(e.auth.value, at('auth.value')) }
      : e.auth.type === 'mtls'
        ? { ...e.auth, key: await f(e.auth.key, at('auth.key')) }
        : e.auth.type === 'basic'
          ? { ...e.auth, password: await f(e.auth.password, at('auth.password')) }
          : e.auth.type === 'oauth2'
            ? {
                ...e.auth,
                ...(e.auth.clientSecret ? { clientSecret: await f(e.auth.clientSecret, at('auth.clientSecret')) } : {}),
                ...(e.auth.privateKey ? { privateKey: await f(e.auth.privateKey, at('auth.privateKey')) } : {}),
              }
            : e.auth;
  return {
    ...e,
    auth,
    secret: await f(e.secret, at('secret')),
    previousSecret: e.previousSecret === null ? null : await f(e.previousSecret, at('previous_secret')),
  };
}

/**
 * Encrypts an endpoint's secrets at rest (signing secrets, a shared-secret
 * header's value, an mTLS private key, a broker's password, the OAuth 2.0
 * client secret or key and the access tokens workers share) with the operator's
 * `TIDINGS_KEY_ENCRYPTION_KEYS` (JWE bound to the row and column), around
 * either backend's store. They cannot be
 * hashed: every push needs them in clear to sign or authenticate.
 */
export function sealedDeliveryStore(inner: DeliveryStore, box: SecretBox): DeliveryStore {
  const open = (e: EndpointRecord) => mapSecrets(e, (t, at) => box.open(t, at));
  const seal = (e: EndpointRecord) => mapSecrets(e, (t, at) => box.seal(t, at));
  return {
    ...bindAll(inner),
    createEndpoint: async (e) => inner.createEndpoint(await seal(e)),
    updateEndpoint: async (e, intent) => inner.updateEndpoint(await seal(e), intent),
    getEndpoint: async (tenantId, id) => {
      const e = await inner.getEndpoint(tenantId, id);
      return e ? open(e) : null;
    },
    listEndpoints: async (tenantId, page) => Promise.all((await inner.listEndpoints(tenantId, page)).map(open)),
    readToken: async (endpointId) => {
      const t = await inner.readToken(endpointId);
      return t ? { ...t, accessToken: await box.open(t.accessToken, tokenRow(endpointId)) } : null;
    },
    saveToken: async (t) =>
      inner.saveToken({ ...t, accessToken: await box.seal(t.accessToken, tokenRow(t.endpointId)) }),
  };
}

/** Where an endpoint's shared OAuth 2.0 access token is stored (`endpoint_tokens`, one row per endpoint). */
export function tokenRow(endpointId: string): RowIdentity {
  return { table: 'endpoint_tokens', id: endpointId, column: 'access_token' };
}

/** The store's methods bound to it, so they survive being spread into the wrapper. */
function bindAll(store: DeliveryStore): DeliveryStore {
  const proto = Object.getPrototypeOf(store) as object;
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(proto)) {
    const value = (store as unknown as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof value === 'function') bound[name] = value.bind(store);
  }
  return bound as unknown as DeliveryStore;
}
