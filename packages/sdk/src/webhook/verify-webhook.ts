import { TidingsSdkError } from '../errors.js';
import { timingSafeEqual } from './encoding.js';
import { signatureMatches } from './match-signature.js';
import { signatureKey, signHmac, type WebhookKey } from './webhook-keys.js';

export type { WebhookKey } from './webhook-keys.js';

/** Header bag of Node's `IncomingMessage`, a plain object or a Fetch `Headers`. */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** A received push: a Fetch `Request` (its body is read), or its headers and raw body. */
export type WebhookRequest =
  | { headers: HeadersLike; body: string | Uint8Array }
  | { headers: { get(name: string): string | null }; text(): Promise<string> };

export interface VerifyWebhookOptions {
  /** Largest distance between `webhook-timestamp` and now, in seconds (default 300, as Standard Webhooks). */
  toleranceSeconds?: number;
  /** The current time in ms (tests, replays of saved requests). */
  now?: () => number;
  /** Use WebCrypto even where the host has a synchronous crypto module (tests of the portable path). */
  webCryptoOnly?: boolean;
}

export interface VerifiedWebhook {
  /** `webhook-id`: stable across retries of one delivery; deduplicate on it. */
  id: string;
  timestamp: Date;
  /** The raw body as sent. */
  body: string;
  /** The body parsed as JSON, or the body itself when it is not JSON (a SET push is a compact JWS). */
  payload: unknown;
}

const DEFAULT_TOLERANCE_S = 300;
const decoder = new TextDecoder();

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const value = bag[name] ?? Object.entries(bag).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(', ') : value;
}

async function rawBody(request: WebhookRequest): Promise<string> {
  if ('body' in request && typeof request.body === 'string') return request.body;
  if ('body' in request && request.body instanceof Uint8Array) return decoder.decode(request.body);
  if ('text' in request && typeof request.text === 'function') return request.text();
  throw new TypeError('verifyWebhook needs a Request, or {headers, body} with the raw body as a string or bytes');
}

function required(headers: HeadersLike, name: string): string {
  const value = header(headers, name);
  if (value === undefined || value === '') {
    throw new TidingsSdkError('webhook_header_missing', `the ${name} header is missing`, { path: name });
  }
  return value;
}

function checkTimestamp(text: string, options: VerifyWebhookOptions): Date {
  if (!/^\d{1,12}$/.test(text)) {
    throw new TidingsSdkError('webhook_timestamp_invalid', 'webhook-timestamp is not whole seconds since 1970', {
      path: 'webhook-timestamp',
    });
  }
  const seconds = Number(text);
  const now = (options.now ?? Date.now)() / 1000;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_S;
  if (Math.abs(now - seconds) > tolerance) {
    throw new TidingsSdkError(
      'webhook_timestamp_out_of_tolerance',
      `webhook-timestamp is ${Math.round(now - seconds)} s from now, more than the ${tolerance} s allowed`,
      { path: 'webhook-timestamp' },
    );
  }
  return new Date(seconds * 1000);
}

/**
 * Verifies a Tidings push (or any Standard Webhooks sender's): the headers are
 * there, the timestamp is within the tolerance, and one signature of
 * `webhook-signature` (`v1` HMAC-SHA256 or `v1a` Ed25519; several during a
 * secret rotation) matches one of the keys. A `{type: 'header'}` key checks
 * seed 004's shared-secret header instead. Throws a `TidingsSdkError` naming
 * the failed check; returns the id, time, raw body and parsed payload.
 *
 * @example
 * ```ts
 * // any runtime with fetch-style handlers (Deno, Bun, Workers, Node 20+)
 * export default async (request: Request) => {
 *   const { id, payload } = await verifyWebhook(request, process.env.ENDPOINT_SECRET!);
 *   await handle(id, payload);
 *   return new Response(null, { status: 204 });
 * };
 * ```
 * @example
 * ```ts
 * // Node http / Express with a raw body
 * const push = await verifyWebhook({ headers: req.headers, body: rawBody }, ['whsec_new...', 'whsec_old...']);
 * ```
 */
export async function verifyWebhook(
  request: WebhookRequest,
  secretOrPublicKey: WebhookKey | readonly WebhookKey[],
  options: VerifyWebhookOptions = {},
): Promise<VerifiedWebhook> {
  const given = (Array.isArray(secretOrPublicKey) ? secretOrPublicKey : [secretOrPublicKey]) as WebhookKey[];
  if (given.length === 0) throw new TypeError('verifyWebhook needs at least one secret or key');
  const headerKeys = given.filter((k) => typeof k === 'object');
  const keys = given.filter((k) => typeof k === 'string').map(signatureKey);
  const { headers } = request;
  const body = await rawBody(request);
  if (headerKeys.length > 0) {
    const name = headerKeys[0]!.name.toLowerCase();
    const sent = header(headers, name) ?? '';
    // Every candidate is compared, so the time does not tell which one matched.
    const ok = headerKeys.map((k) => timingSafeEqual(sent, k.value)).some(Boolean);
    if (!ok) {
      throw new TidingsSdkError('webhook_auth_header_mismatch', `the ${name} header does not hold the shared secret`, {
        path: name,
      });
    }
  }
  const id = keys.length > 0 ? required(headers, 'webhook-id') : (header(headers, 'webhook-id') ?? '');
  let timestamp = new Date(Number.NaN);
  if (keys.length > 0) {
    const stamp = required(headers, 'webhook-timestamp');
    const signatures = required(headers, 'webhook-signature');
    timestamp = checkTimestamp(stamp, options);
    if (!(await signatureMatches(keys, signatures, `${id}.${stamp}.${body}`, options.webCryptoOnly === true))) {
      throw new TidingsSdkError(
        'webhook_signature_mismatch',
        'no signature in webhook-signature matches the given secrets: check the endpoint secret (whsec_...) and that the body is the raw bytes received',
        { path: 'webhook-signature' },
      );
    }
  }
  return { id, timestamp, body, payload: parsePayload(body) };
}

function parsePayload(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * The Standard Webhooks headers of a push signed as Tidings signs it (HMAC `v1`):
 * for tests of a receiver, and for `tidings listen`.
 *
 * @example
 * ```ts
 * const headers = await signWebhook('whsec_...', 'msg_1', body);
 * await fetch('http://localhost:3000/hooks', { method: 'POST', headers, body });
 * ```
 */
export async function signWebhook(
  secret: string,
  id: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Promise<Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': await signHmac(secret, id, timestamp, body),
  };
}
