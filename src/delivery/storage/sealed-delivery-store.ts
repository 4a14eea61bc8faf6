import type { EndpointAuth, EndpointRecord } from '../endpoint.js';
import type { DeliveryStore } from './delivery-store.js';

/** Seals and opens secret text for storage (`src/keys/private-key-box.ts` fits). */
export interface SecretBox {
  seal(text: string): string;
  open(sealed: string): string;
}

function mapSecrets(e: EndpointRecord, f: (text: string) => string): EndpointRecord {
  const auth: EndpointAuth =
    e.auth.type === 'header'
      ? { ...e.auth, value: f(e.auth.value) }
      : e.auth.type === 'mtls'
        ? { ...e.auth, key: f(e.auth.key) }
        : e.auth.type === 'basic'
          ? { ...e.auth, password: f(e.auth.password) }
          : e.auth.type === 'oauth2'
            ? {
                ...e.auth,
                ...(e.auth.clientSecret ? { clientSecret: f(e.auth.clientSecret) } : {}),
                ...(e.auth.privateKey ? { privateKey: f(e.auth.privateKey) } : {}),
              }
            : e.auth;
  return {
    ...e,
    auth,
    secret: f(e.secret),
    previousSecret: e.previousSecret === null ? null : f(e.previousSecret),
  };
}

/**
 * Encrypts an endpoint's secrets at rest (signing secrets, a shared-secret
 * header's value, an mTLS private key, a broker's password, the OAuth 2.0
 * client secret or key and the access tokens workers share) with the operator's
 * `TIDINGS_KEY_ENCRYPTION_KEY`, around either backend's store. They cannot be
 * hashed: every push needs them in clear to sign or authenticate.
 */
export function sealedDeliveryStore(inner: DeliveryStore, box: SecretBox): DeliveryStore {
  const open = (e: EndpointRecord) => mapSecrets(e, (t) => box.open(t));
  const seal = (e: EndpointRecord) => mapSecrets(e, (t) => box.seal(t));
  return {
    ...bindAll(inner),
    createEndpoint: (e) => inner.createEndpoint(seal(e)),
    updateEndpoint: (e) => inner.updateEndpoint(seal(e)),
    getEndpoint: async (tenantId, id) => {
      const e = await inner.getEndpoint(tenantId, id);
      return e ? open(e) : null;
    },
    listEndpoints: async (tenantId, page) => (await inner.listEndpoints(tenantId, page)).map(open),
    readToken: async (endpointId) => {
      const t = await inner.readToken(endpointId);
      return t ? { ...t, accessToken: box.open(t.accessToken) } : null;
    },
    saveToken: (t) => inner.saveToken({ ...t, accessToken: box.seal(t.accessToken) }),
  };
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
