import { nextAttemptDelay, parseRetryAfter } from './retry-policy.js';

/**
 * `broker`: a broker destination was down, refused the publish or did not
 * confirm it; `token`: no OAuth 2.0 token could be had for the push. Both
 * are retried like a 5xx. `transform`: the endpoint's transformation failed
 * (an error, a guardrail, its time or memory bound); retried too, since a
 * PATCH of the transformation heals it, and, like `prepare`, it says nothing
 * about the endpoint's health. `render`: the event cannot be rendered in the
 * endpoint's format (its data nests too deep to write, or rendering threw);
 * waiting changes nothing, so the delivery fails at once.
 */
export const ERROR_CLASSES = [
  'timeout',
  'connection',
  'tls',
  'http',
  'prepare',
  'broker',
  'token',
  'transform',
  'render',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/**
 * What one try produced: an HTTP answer, a broker's confirmation of the
 * publish (`receipt`: the stream entry or sequence it was stored as), or
 * neither and why.
 */
export type SendResult =
  | { kind: 'response'; status: number; retryAfter: string | undefined; excerpt: string; latencyMs: number }
  | { kind: 'published'; receipt: string; latencyMs: number }
  | { kind: 'error'; errorClass: ErrorClass; message: string; latencyMs: number };

/** What to do with a delivery after a try. */
export type Decision =
  | { kind: 'succeeded' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'dead'; reason: string }
  /** 410 Gone: the receiver asks never to be called again; the endpoint is disabled. */
  | { kind: 'gone'; reason: string };

export interface DecideInput {
  result: SendResult;
  /** Tries made so far, this one included. */
  attempt: number;
  schedule: readonly number[];
  random: () => number;
  nowMs: number;
}

/** Any 2xx succeeds (so RFC 8935's 202 for SETs does), and so does a publish the broker confirmed. */
export function isSuccess(result: SendResult): boolean {
  if (result.kind === 'published') return true;
  return result.kind === 'response' && result.status >= 200 && result.status < 300;
}

/**
 * Any 2xx succeeds (so RFC 8935's 202 for SETs does). Every other answer and
 * every network failure is retried on the schedule, 4xx included: a 401/404
 * usually means a receiver mid-deploy or a key not yet rolled out, which
 * heals within the schedule (Svix does the same), and a dead letter can be
 * replayed anyway. 410 is the exception: the receiver says it is gone for good.
 */
export function decideOutcome({ result, attempt, schedule, random, nowMs }: DecideInput): Decision {
  if (isSuccess(result)) return { kind: 'succeeded' };
  if (result.kind === 'response' && result.status === 410)
    return { kind: 'gone', reason: 'endpoint answered 410 Gone' };
  const overloaded =
    (result.kind === 'response' && result.status === 429) ||
    (result.kind === 'error' && result.errorClass === 'timeout');
  const retryAfterMs =
    result.kind === 'response' && (result.status === 429 || result.status === 503)
      ? parseRetryAfter(result.retryAfter, nowMs)
      : null;
  const delayMs = nextAttemptDelay(attempt, schedule, random, { overloaded, retryAfterMs });
  if (delayMs === null) return { kind: 'dead', reason: `gave up after ${attempt} attempts` };
  return { kind: 'retry', delayMs };
}
