/**
 * Isolation: the healthy endpoint's latency (201 → receipt) at a steady rate
 * while 100 other endpoints of the same tenant get every event too and fail,
 * against the same endpoint alone in the same run. Two failing sets: the
 * issue's, 100 that never answer (each try ends at the delivery timeout),
 * and a mixed one, 50 that never answer and 50 that answer 503 at once. The timeouts are
 * shortened to 1 s (`totalTimeoutMs`, `connectTimeoutMs`) so a run of a few
 * seconds sees failures recorded and retried, not only first tries in flight.
 */
import type { DispatcherOptions } from '../src/delivery/dispatcher.js';
import { type LatencyFigures, latencyRows, startReceivers } from './push-kit.js';
import { steadyLatency } from './push-latency.js';

export const ISOLATION_DELIVERY: Partial<DispatcherOptions> = {
  totalTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  leaseMarginMs: 2000,
  // experiments: ISOLATION_DELIVERY='{"perEndpointConcurrency":2}'
  ...(JSON.parse(process.env.ISOLATION_DELIVERY ?? '{}') as Partial<DispatcherOptions>),
};

export async function benchIsolation(opts: { repeats: number; durationMs: number; databaseUrl: string | null }) {
  const rate = Number(process.env.ISOLATION_RATE ?? 20);
  // At least 10 s: at 20 events/s a 5 s run measures ~90 events, whose p99 is their maximum, and its
  // warm-up share (the first 10%) ends before the first second, while the 100 new endpoints' first
  // pushes (100 agents, 100 connects, stalls of up to ~60 ms) are still being set up.
  const durationMs = Math.max(opts.durationMs, 10_000);
  const runs = new Map<string, LatencyFigures[]>();
  const add = (label: string, f: LatencyFigures) => {
    if (!runs.has(label)) runs.set(label, []);
    runs.get(label)?.push(f);
  };
  const receivers = await startReceivers([
    { count: 1, mode: 'ok' },
    { count: 100, mode: 'hang' },
    { count: 50, mode: 'fail' },
  ]);
  const [healthy = [], hanging = [], failing = []] = receivers.urls;
  const common = { receivers, workers: 0, rate, durationMs, delivery: ISOLATION_DELIVERY };
  try {
    for (let i = 0; i < opts.repeats; i++) {
      add('healthy endpoint alone (SQLite)', await steadyLatency({ ...common, urls: healthy, databaseUrl: null }));
      add(
        'healthy + 100 timing out (SQLite)',
        await steadyLatency({ ...common, urls: [...healthy, ...hanging], databaseUrl: null }),
      );
      add(
        'healthy + 50 timing out + 50 answering 503 (SQLite)',
        await steadyLatency({ ...common, urls: [...healthy, ...hanging.slice(0, 50), ...failing], databaseUrl: null }),
      );
    }
  } finally {
    await receivers.close();
  }
  return latencyRows(runs, rate);
}
