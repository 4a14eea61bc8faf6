import { ATTEMPT_OUTCOMES } from './delivery.js';

type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * The tenant's push activity over a recent window, as the console's home
 * charts show it: attempts per time bucket by outcome, with their latency,
 * and the tenant's queue now. The store aggregates (`attemptStats`); this
 * module only turns its grouped rows into a zero-filled series.
 */

/** One group of the store's aggregate: attempts of `outcome` in bucket number `bucket`. */
export interface AttemptGroup {
  bucket: number;
  outcome: string;
  count: number;
  totalLatencyMs: number;
  maxLatencyMs: number;
}

export interface StatsBucket {
  start: string;
  attempts: Record<AttemptOutcome, number>;
  meanLatencyMs: number | null;
  maxLatencyMs: number | null;
}

/** Attempts are recorded when they end; one started this long before the window may sit after it in id order. */
export const ATTEMPT_ORDER_SLACK_MS = 15 * 60_000;

const zero = () => Object.fromEntries(ATTEMPT_OUTCOMES.map((o) => [o, 0])) as Record<AttemptOutcome, number>;

/**
 * Every bucket of `[fromMs, fromMs + count × bucketMs)`, oldest first, zero
 * when no attempt fell in it; groups outside the range or of an unknown
 * outcome are ignored.
 *
 * @example
 * statsSeries([{ bucket: 1, outcome: 'failed', count: 2, totalLatencyMs: 30, maxLatencyMs: 20 }], 0, 60_000, 2)
 * // [{ start: '1970-01-01T00:00:00.000Z', attempts: { succeeded: 0, failed: 0 }, meanLatencyMs: null, ... },
 * //  { start: '1970-01-01T00:01:00.000Z', attempts: { succeeded: 0, failed: 2 }, meanLatencyMs: 15, maxLatencyMs: 20 }]
 */
export function statsSeries(groups: readonly AttemptGroup[], fromMs: number, bucketMs: number, count: number) {
  const buckets = Array.from({ length: count }, (_, i) => ({
    start: new Date(fromMs + i * bucketMs).toISOString(),
    attempts: zero(),
    total: 0,
    latency: 0,
    max: null as number | null,
  }));
  for (const g of groups) {
    const b = buckets[g.bucket];
    if (!b || !(ATTEMPT_OUTCOMES as readonly string[]).includes(g.outcome)) continue;
    b.attempts[g.outcome as AttemptOutcome] += g.count;
    b.total += g.count;
    b.latency += g.totalLatencyMs;
    b.max = Math.max(b.max ?? 0, g.maxLatencyMs);
  }
  return buckets.map(
    (b): StatsBucket => ({
      start: b.start,
      attempts: b.attempts,
      meanLatencyMs: b.total > 0 ? Math.round(b.latency / b.total) : null,
      maxLatencyMs: b.max,
    }),
  );
}

/** Totals of a series: attempts by outcome and the mean and max latency over the window. */
export function statsTotals(groups: readonly AttemptGroup[]) {
  const attempts = zero();
  let count = 0;
  let latency = 0;
  let max: number | null = null;
  for (const g of groups) {
    if (!(ATTEMPT_OUTCOMES as readonly string[]).includes(g.outcome)) continue;
    attempts[g.outcome as AttemptOutcome] += g.count;
    count += g.count;
    latency += g.totalLatencyMs;
    max = Math.max(max ?? 0, g.maxLatencyMs);
  }
  return { attempts, meanLatencyMs: count > 0 ? Math.round(latency / count) : null, maxLatencyMs: max };
}

/**
 * The smallest attempt id whose attempt started at `sinceMs` or later, by
 * binary search over the id order (ids grow as attempts are recorded, and an
 * attempt is recorded within `ATTEMPT_ORDER_SLACK_MS` of its start), so a
 * window query reads only the window's rows without an index on time.
 * `probe(id)` answers the first attempt at or after `id`, or null past the end.
 */
export async function firstAttemptIdSince(
  sinceMs: number,
  bounds: { min: number; max: number } | null,
  probe: (id: number) => Promise<{ id: number; startedAt: number } | null>,
): Promise<number | null> {
  if (!bounds) return null;
  let lo = bounds.min;
  let hi = bounds.max + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const row = await probe(mid);
    if (row === null || row.startedAt >= sinceMs) hi = mid;
    else lo = row.id + 1;
  }
  return lo > bounds.max ? null : lo;
}
