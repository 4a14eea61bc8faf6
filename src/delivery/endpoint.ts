import type { FormatChoice } from '../formats/index.js';

export const ORDERINGS = ['subject', 'none'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/** What carries a push: an HTTP POST (today's endpoints), or a publish to the integrator's broker. */
export const ENDPOINT_TYPES = ['http', 'amqp', 'nats', 'redis-stream', 'mqtt'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** Where in the broker a push goes; `null` for `http`, whose `url` says it all. */
export type Destination =
  | { exchange: string; routingKey: string } // amqp
  | { subject: string } // nats (JetStream)
  | { stream: string; maxLen: number } // redis-stream
  | { topic: string }; // mqtt

/** How a push proves where it comes from, besides the Standard Webhooks signature. */
export type EndpointAuth =
  | { type: 'standard-webhooks'; algorithm?: 'hmac-sha256' | 'ed25519' }
  | { type: 'header'; name: string; value: string }
  | { type: 'mtls'; cert: string; key: string }
  /** A broker's user and password; sealed like the other secrets, never shown after creation. */
  | { type: 'basic'; username: string; password: string }
  /**
   * OAuth 2.0 client credentials (RFC 6749 §4.4) for HTTP endpoints: the
   * client authenticates with `client_secret_basic` (`clientSecret`) or
   * `private_key_jwt` (RFC 7523, `privateKey`); both sealed, never shown.
   */
  | {
      type: 'oauth2';
      tokenUrl: string;
      clientId: string;
      clientAuth: 'client_secret_basic' | 'private_key_jwt';
      clientSecret?: string;
      privateKey?: string;
      keyId?: string;
      scope?: string;
      audience?: string;
    };

/** What an integrator configures; everything but the secrets. */
export interface EndpointSpec {
  /** `http` for endpoints stored before destinations existed (`endpointFromRow`). */
  type: EndpointType;
  /** The receiver's URL, or the broker's (`amqp://`, `nats://`, `redis://`, `mqtt://`; no credentials). */
  url: string;
  destination: Destination | null;
  description: string | null;
  eventTypes: string[] | null;
  workflows: string[] | null;
  format: FormatChoice;
  auth: EndpointAuth;
  tls: { ca: string } | null;
  headers: Record<string, string>;
  ordering: Ordering;
  /** Requests per second at most; `null` is unlimited. */
  rateLimit: number | null;
  /** HTTP CONNECT proxy for this endpoint's pushes; `null` uses `TIDINGS_PUSH_PROXY` (or none). */
  proxy: string | null;
  /**
   * Set on the endpoint of an OpenID Shared Signals push stream (`src/signals`):
   * its SETs follow the SSF profile, addressed to this audience with a `sub_id`.
   */
  ssfAudience?: string;
  /** A filter expression over the event (`filter/`); only events it accepts are queued. `null` passes all. */
  filter: string | null;
  /** Reshapes each push at send time (`transform/`); `null` sends the rendering as it is. */
  transform: EndpointTransform | null;
  /** Delays between tries (`5s`, `1h`, ...) replacing `TIDINGS_RETRY_SCHEDULE` for this endpoint; `null` uses it. */
  retrySchedule: string[] | null;
}

/**
 * JSONata expressions over the rendered body: `body` gives the body sent,
 * each of `headers` a header value. The rendering itself never changes.
 */
export interface EndpointTransform {
  body?: string;
  headers?: Record<string, string>;
}

/**
 * An endpoint as stored. `secret` signs every push (`whsec_<base64>` for HMAC,
 * `whsk_<base64 seed>` for Ed25519); during a rotation's grace period
 * `previousSecret` signs too, so receivers can switch at their own pace.
 */
export interface EndpointRecord extends EndpointSpec {
  id: string;
  tenantId: string;
  enabled: boolean;
  disabledReason: string | null;
  /** Epoch ms of the first failed attempt since the last success; `null` while healthy. */
  failingSince: number | null;
  /** Epoch ms before which the lease skips the endpoint: its circuit breaker is open (`circuit-breaker.ts`). */
  probeAfter: number | null;
  secret: string;
  previousSecret: string | null;
  /** Epoch ms after which `previousSecret` no longer signs. */
  previousSecretExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The secrets that sign a push right now: the current one, and the previous one during its grace period. */
export function signingSecrets(endpoint: EndpointRecord, nowMs: number): string[] {
  const { previousSecret, previousSecretExpiresAt } = endpoint;
  const graceLeft = previousSecret !== null && previousSecretExpiresAt !== null && previousSecretExpiresAt > nowMs;
  return graceLeft ? [endpoint.secret, previousSecret] : [endpoint.secret];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The endpoint as the API shows it: no secret, no header value, no private key. */
export function publicEndpoint(e: EndpointRecord) {
  const auth =
    e.auth.type === 'header'
      ? { type: 'header' as const, name: e.auth.name }
      : e.auth.type === 'mtls'
        ? { type: 'mtls' as const, cert: e.auth.cert }
        : e.auth.type === 'basic'
          ? { type: 'basic' as const, username: e.auth.username }
          : e.auth.type === 'oauth2'
            ? {
                type: 'oauth2' as const,
                tokenUrl: e.auth.tokenUrl,
                clientId: e.auth.clientId,
                clientAuth: e.auth.clientAuth,
                ...(e.auth.keyId ? { keyId: e.auth.keyId } : {}),
                ...(e.auth.scope ? { scope: e.auth.scope } : {}),
                ...(e.auth.audience ? { audience: e.auth.audience } : {}),
              }
            : { type: 'standard-webhooks' as const, algorithm: e.auth.algorithm ?? 'hmac-sha256' };
  return {
    id: e.id,
    type: e.type,
    url: e.url,
    destination: e.destination,
    description: e.description,
    eventTypes: e.eventTypes,
    workflows: e.workflows,
    format: e.format,
    auth,
    tls: e.tls,
    headers: e.headers,
    ordering: e.ordering,
    rateLimit: e.rateLimit,
    proxy: e.proxy,
    filter: e.filter,
    transform: e.transform,
    retrySchedule: e.retrySchedule,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince === null ? null : iso(e.failingSince),
    pausedUntil: e.probeAfter === null ? null : iso(e.probeAfter),
    secretRotation:
      e.previousSecretExpiresAt !== null && e.previousSecret !== null
        ? { previousSecretExpiresAt: iso(e.previousSecretExpiresAt) }
        : null,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  };
}
