import {
  type CryptoKey,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  type FlattenedJWSInput,
  importJWK,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import { TidingsSdkError } from '../errors.js';
import type { JwksResolver } from './verify-set.js';

export interface KeysByIssuerOptions {
  /** The server's base URL, e.g. `https://tidings.example` (the same one the event log is read from). */
  baseUrl: string | URL;
  /**
   * Headers of the destination key requests: the key routes are tenant-scoped
   * like the event log, so pass the same `authorization` (`Bearer <apiKey>`).
   */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** The service's JWKS (default `<baseUrl>/.well-known/jwks.json`). */
  jwksUrl?: string | URL;
  /** Least time between two JWKS fetches, ms (default 2000), as in `jwks()`. */
  cooldownMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The unverified `iss` of a token, read only to pick the key that then verifies it. */
function issuerOf(token: FlattenedJWSInput): string | undefined {
  try {
    const { iss } = decodeJwt(`${token.protected ?? ''}.${String(token.payload)}.`);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Picks the key of a SET by its issuer, as a FIT-Connect client does
 * (seed 002): a SET whose `iss` is a URL (the delivery service, `TIDINGS_ISSUER`)
 * verifies against the service's JWKS; one whose `iss` is a UUID was issued by
 * a destination (the receiving system records `accept-submission` and
 * `reject-submission`) and verifies against that destination's own key,
 * `GET /v1/destinations/{iss}/keys/{kid}`, which must be PS512.
 *
 * @example
 * ```ts
 * const keys = keysByIssuer({ baseUrl: 'https://tidings.example', headers: { authorization: `Bearer ${apiKey}` } });
 * const events = await verifySetLog(eventLog, keys);
 * ```
 */
export function keysByIssuer(options: KeysByIssuerOptions): JwksResolver {
  const base = String(options.baseUrl).replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const service = createRemoteJWKSet(new URL(String(options.jwksUrl ?? `${base}/.well-known/jwks.json`)), {
    cooldownDuration: options.cooldownMs ?? 2000,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  });
  const destinationKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();

  async function destinationKey(destinationId: string, header: JWTHeaderParameters) {
    const { kid, alg } = header;
    if (typeof kid !== 'string' || kid.length === 0) {
      throw new TidingsSdkError('set_malformed', 'a SET issued by a destination names its key in kid', { path: 'kid' });
    }
    const url = `${base}/v1/destinations/${encodeURIComponent(destinationId)}/keys/${encodeURIComponent(kid)}`;
    let response: Response;
    try {
      response = await doFetch(url, { headers: { accept: 'application/json', ...options.headers } });
    } catch (error) {
      throw new TidingsSdkError('jwks_unavailable', `the key of destination ${destinationId} could not be fetched`, {
        cause: error,
      });
    }
    if (response.status === 404) {
      throw new TidingsSdkError('set_signature_invalid', `destination ${destinationId} has no key ${kid}`, {
        path: 'kid',
      });
    }
    if (!response.ok) {
      throw new TidingsSdkError(
        'jwks_unavailable',
        `the key of destination ${destinationId}: HTTP ${response.status}`,
        {
          status: response.status,
        },
      );
    }
    const jwk = (await response.json()) as JWK;
    // FIT-Connect's own verifier checks the key's alg before verifying (seed-formats.md, step 6).
    if (jwk.alg !== 'PS512' || alg !== 'PS512') {
      throw new TidingsSdkError('set_signature_invalid', 'a destination signs its SETs with PS512 only', {
        path: 'alg',
      });
    }
    return importJWK(jwk, 'PS512');
  }

  const getKey = (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    const iss = issuerOf(token);
    if (iss === undefined || !UUID.test(iss)) return service(header, token);
    const id = `${iss.toLowerCase()}/${header.kid ?? ''}`;
    let key = destinationKeys.get(id);
    if (!key) {
      key = destinationKey(iss.toLowerCase(), header);
      destinationKeys.set(id, key);
      key.catch(() => destinationKeys.delete(id));
    }
    return key;
  };
  return { kind: 'tidings-jwks', getKey };
}
