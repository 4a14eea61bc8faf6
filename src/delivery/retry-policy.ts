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
