import { parseDuration } from '../workflows/duration.js';

/**
 * Retry arithmetic, pure: the schedule is data (config `retrySchedule`, ms
 * between attempts), jitter comes from an injected `random`.
 */

/** ±20% spreads a burst of failures so the retries do not arrive as a burst too. */
export const JITTER = 0.2;
/** `Retry-After` may push a retry out, but never by more than this. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** 429 and timeouts say the receiver is overloaded: wait this many times longer than the schedule. */
export const OVERLOAD_FACTOR = 2;

export interface DelayOptions {
  /** The receiver's `Retry-After`, in ms from now. */
  retryAfterMs?: number | null;
  /** The failure signals overload (429, timeout). */
  overloaded?: boolean;
}

/**
 * Delay before the next try after `attempt` failed tries (1 after the first),
 * or `null` when the schedule is exhausted (the delivery is a dead letter).
 * `Retry-After` can only lengthen the wait, and by at most an hour.
 * @example nextAttemptDelay(1, [5000, 300000], () => 0.5) // 5000
 */
export function nextAttemptDelay(
  attempt: number,
  schedule: readonly number[],
  random: () => number,
  options: DelayOptions = {},
): number | null {
  const base = schedule[attempt - 1];
  if (base === undefined) return null;
  const scaled = options.overloaded ? base * OVERLOAD_FACTOR : base;
  const jittered = Math.round(scaled * (1 + (random() * 2 - 1) * JITTER));
  const retryAfter = options.retryAfterMs;
  if (retryAfter === null || retryAfter === undefined || retryAfter <= 0) return jittered;
  return Math.max(jittered, Math.min(retryAfter, MAX_RETRY_AFTER_MS));
}

/** `Retry-After` as ms from `nowMs`: delta-seconds or an HTTP date; `null` when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** A step of a schedule given per endpoint is at most this long (the longest wait Tidings arms). */
export const MAX_ENDPOINT_RETRY_STEP_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Reads a retry schedule as `TIDINGS_RETRY_SCHEDULE` and an endpoint's
 * `retrySchedule` are written: delays with a unit (ms, s, m, h, d). Returns
 * the delays in ms, or the problems, one per malformed step, naming it.
 * @example parseRetrySchedule(['5s', '5m']) // { ok: true, delays: [5000, 300000] }
 */
export function parseRetrySchedule(
  steps: readonly string[],
  maxStepMs = Number.POSITIVE_INFINITY,
): { ok: true; delays: number[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const delays = steps.map((step) => {
    const delay = parseDuration(step);
    if (delay === null) problems.push(`a malformed delay ${JSON.stringify(step)} (units ms, s, m, h, d)`);
    else if (delay > maxStepMs) problems.push(`a delay ${JSON.stringify(step)} longer than 30d`);
    return delay ?? 0;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, delays };
}

/**
 * The schedule a delivery of `endpoint` follows: its own `retrySchedule`
 * (checked when it was set), else the server's `TIDINGS_RETRY_SCHEDULE`.
 */
export function scheduleOf(
  endpoint: { retrySchedule: readonly string[] | null },
  fallback: readonly number[],
): readonly number[] {
  if (endpoint.retrySchedule === null) return fallback;
  const parsed = parseRetrySchedule(endpoint.retrySchedule);
  return parsed.ok ? parsed.delays : fallback;
}
