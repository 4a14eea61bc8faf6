import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { TidingsSdkError } from '../errors.js';

/** The JWKS to verify against: its URL (fetched, cached, refetched on an unknown `kid`), or the set itself. */
export type JwksSource = string | URL | JSONWebKeySet | JwksResolver;

/**
 * A reusable key resolver; build one with `jwks()` to share its cache across
 * calls, or with `keysByIssuer()` to verify SETs issued by FIT-Connect destinations too.
 */
export interface JwksResolver {
  readonly kind: 'tidings-jwks';
  readonly getKey: JWTVerifyGetKey;
}

export interface VerifySetOptions {
  /** Required `iss` (Tidings: `TIDINGS_ISSUER`; FIT-Connect events of the receiving side: a destination id). */
  issuer?: string | string[];
  /** Required `aud`, when the SETs carry one. */
  audience?: string | string[];
  /** Oldest acceptable `iat`, e.g. `'30d'`; unset: any age (a log holds old events). */
  maxTokenAge?: string | number;
  /** Seconds of clock skew allowed on `iat` (default 60). */
  clockTolerance?: number;
  /** The current time (tests). */
  currentDate?: Date;
}

/** RFC 8417 claims as Tidings signs them (see `SetClaims` in `@tidings/sdk/formats` for the exact shape). */
export interface VerifiedSet {
  header: { alg: string; kid?: string; typ?: string };
  claims: JWTPayload & { jti: string; iat: number; sub?: string; txn?: string; events: Record<string, unknown> };
  /** The single event URI of `events` (e.g. `https://schema.fitko.de/fit-connect/events/submit-submission`). */
  eventUri: string;
  /** Its payload (`{}` for most events). */
  payload: Record<string, unknown>;
}

const ALGORITHMS = ['PS512', 'EdDSA', 'ES256'];

export interface JwksOptions {
  fetch?: typeof fetch;
  /**
   * Least time between two fetches, ms (default 2000): a SET naming an unknown
   * `kid` (a rotation, or keys made on first use) refetches once that long has
   * passed, so a flood of forged `kid`s costs the server one fetch per period.
   */
  cooldownMs?: number;
}

/**
 * A JWKS resolver with its own cache: jose fetches the URL once, keeps the keys,
 * and fetches again when a SET names a `kid` it does not hold (a rotation).
 *
 * @example
 * ```ts
 * const keys = jwks('https://tidings.example/.well-known/jwks.json');
 * for (const jwt of eventLog) await verifySet(jwt, keys);
 * ```
 */
export function jwks(source: string | URL | JSONWebKeySet, options: JwksOptions = {}): JwksResolver {
  if (typeof source === 'string' || source instanceof URL) {
    const url = new URL(String(source));
    const remote = {
      cooldownDuration: options.cooldownMs ?? 2000,
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    };
    return { kind: 'tidings-jwks', getKey: createRemoteJWKSet(url, remote) };
  }
  return { kind: 'tidings-jwks', getKey: createLocalJWKSet(source) };
}

// One resolver per URL, so `verifySet(jwt, url)` in a loop fetches the JWKS once.
const resolvers = new Map<string, JwksResolver>();

function resolverFor(source: JwksSource): JwksResolver {
  if (typeof source === 'object' && 'kind' in source && source.kind === 'tidings-jwks') return source;
  if (typeof source === 'string' || source instanceof URL) {
    const key = String(source);
    let found = resolvers.get(key);
    if (!found) {
      found = jwks(key);
      resolvers.set(key, found);
    }
    return found;
  }
  return jwks(source as JSONWebKeySet);
}

function classify(error: unknown): TidingsSdkError {
  if (error instanceof TidingsSdkError) return error;
  if (error instanceof joseErrors.JWTClaimValidationFailed || error instanceof joseErrors.JWTExpired) {
    return new TidingsSdkError('set_claim_invalid', `the SET's ${error.claim} claim failed: ${error.reason}`, {
      path: error.claim,
      cause: error,
    });
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return new TidingsSdkError('jwks_unavailable', 'the JWKS could not be fetched or read', { cause: error });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return new TidingsSdkError('set_signature_invalid', 'the SET signature does not verify with the JWKS', {
      cause: error,
    });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return new TidingsSdkError('set_signature_invalid', 'the SET is signed with an algorithm Tidings does not use', {
      path: 'alg',
      cause: error,
    });
  }
  if (error instanceof joseErrors.JOSEError) {
    const code = error.code === 'ERR_JWKS_TIMEOUT' ? 'jwks_unavailable' : 'set_malformed';
    return new TidingsSdkError(code, `the SET is not a well-formed signed token (${error.code})`, { cause: error });
  }
  if (error instanceof TypeError || (error as Error)?.name === 'TypeError') {
    return new TidingsSdkError('jwks_unavailable', 'the JWKS could not be fetched', { cause: error });
  }
  return new TidingsSdkError('set_malformed', 'the SET could not be read', { cause: error });
}

/**
 * Verifies one Security Event Token (RFC 8417) as Tidings serves and pushes
 * them: signature (PS512, EdDSA or ES256) against the JWKS, `typ`
 * `secevent+jwt`, `iat` not in the future (and not older than `maxTokenAge`),
 * `iss`/`aud` when asked, exactly one event in `events`.
 *
 * @example
 * ```ts
 * const { claims, eventUri, payload } = await verifySet(body, 'https://tidings.example/.well-known/jwks.json', {
 *   issuer: 'https://tidings.example',
 * });
 * ```
 */
export async function verifySet(jwt: string, source: JwksSource, options: VerifySetOptions = {}): Promise<VerifiedSet> {
  if (typeof jwt !== 'string') throw new TypeError('verifySet takes the compact JWS as a string');
  const { getKey } = resolverFor(source);
  try {
    const { payload, protectedHeader } = await jwtVerify(jwt, getKey, {
      algorithms: ALGORITHMS,
      typ: 'secevent+jwt',
      requiredClaims: ['jti', 'iat', 'events'],
      clockTolerance: options.clockTolerance ?? 60,
      ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      ...(options.maxTokenAge !== undefined ? { maxTokenAge: options.maxTokenAge } : {}),
      ...(options.currentDate !== undefined ? { currentDate: options.currentDate } : {}),
    });
    const now = (options.currentDate ?? new Date()).getTime() / 1000;
    if (typeof payload.iat === 'number' && payload.iat > now + (options.clockTolerance ?? 60)) {
      throw new TidingsSdkError('set_claim_invalid', 'the SET was issued in the future (iat)', { path: 'iat' });
    }
    const events = payload.events;
    if (typeof events !== 'object' || events === null || Array.isArray(events) || Object.keys(events).length !== 1) {
      throw new TidingsSdkError('set_malformed', 'a Tidings SET has exactly one event in events', { path: 'events' });
    }
    const [eventUri, body] = Object.entries(events as Record<string, unknown>)[0]!;
    return {
      header: protectedHeader as VerifiedSet['header'],
      claims: payload as VerifiedSet['claims'],
      eventUri,
      payload: (body ?? {}) as Record<string, unknown>,
    };
  } catch (error) {
    throw classify(error);
  }
}

/**
 * Verifies every SET of an event log before returning any: FIT-Connect's rule
 * that a client must not act on a log with one bad entry. Throws the first
 * failure with `path` `eventLog[i]`; the log is trusted only when all verify.
 *
 * @example
 * ```ts
 * const { eventLog } = await (await fetch(`${url}/v1/submissions/${id}/events`, { headers })).json();
 * const events = await verifySetLog(eventLog, `${url}/.well-known/jwks.json`);
 * ```
 */
export async function verifySetLog(
  eventLog: readonly string[],
  source: JwksSource,
  options: VerifySetOptions = {},
): Promise<VerifiedSet[]> {
  const resolver = resolverFor(source);
  const results = await Promise.allSettled(eventLog.map((jwt) => verifySet(jwt, resolver, options)));
  const failed = results.findIndex((r) => r.status === 'rejected');
  if (failed >= 0) {
    const reason = (results[failed] as PromiseRejectedResult).reason as TidingsSdkError;
    throw new TidingsSdkError(reason.code, `eventLog[${failed}]: ${reason.message}; no SET of this log is trusted`, {
      path: `eventLog[${failed}]`,
      cause: reason,
    });
  }
  return results.map((r) => (r as PromiseFulfilledResult<VerifiedSet>).value);
}
