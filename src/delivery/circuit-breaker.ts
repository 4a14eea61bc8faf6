/**
 * The circuit breaker of a failing endpoint, as pure arithmetic.
 *
 * Closed (healthy): up to `perEndpointConcurrency` pushes in flight.
 * Half-open (failing: an attempt failed since the last success): one push
 * in flight, a probe, and its success closes the breaker again.
 * Open: a probe failed while the endpoint was already failing; the lease
 * skips the endpoint until `probeAfter`, whatever its deliveries' own retry
 * times, so an endpoint that is down gets one request per pause instead of
 * one per due delivery (bench `isolation`: 50 endpoints answering 503 took
 * ~1,000 attempts/s at 20 events/s before).
 *
 * The pause grows with how long the endpoint has been failing, half of it,
 * between 1 s and 1 min (±20%): a blip costs a second, an outage is probed once a
 * minute, and recovery is seen within a minute. Deliveries wait meanwhile
 * without spending their retry attempts; an endpoint failing for
 * `disableAfterFailingMs` is disabled as before. Changing the endpoint, or
 * replaying or retrying its deliveries, ends the pause.
 */
export const MIN_PAUSE_MS = 1_000;
export const MAX_PAUSE_MS = 60_000;

/**
 * When the next probe may go, after a failed attempt at `nowMs`; `null` keeps
 * the breaker half-open (first failure). ±20% jitter (`random` in [0, 1)), as
 * for retries: endpoints that failed together (one dead host, one timeout)
 * would otherwise be probed, and time out, in the same millisecond forever.
 */
export function probeAfter(failingSince: number | null, nowMs: number, random: () => number): number | null {
  if (failingSince === null) return null;
  const failingFor = Math.max(0, nowMs - failingSince);
  const pause = Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, failingFor / 2));
  return nowMs + Math.round(pause * (0.8 + 0.4 * random()));
}

const UNITS: ReadonlyArray<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];

/**
 * A duration as a person reads it, in the largest unit it fills at least once
 * ("1 min", "1.5 h", "5 d"): an auto-disable message once said "0 h" for one minute.
 */
export function describeDuration(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms >= size) return `${Math.round((ms / size) * 10) / 10} ${unit}`;
  }
  return `${Math.max(0, Math.round(ms))} ms`;
}
