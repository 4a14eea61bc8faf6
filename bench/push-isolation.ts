/**
 * Isolation: the healthy endpoint's latency (201 → receipt) at a steady rate
 * while 100 other endpoints of the same tenant get every event too and fail
 * (50 never answer, so each try ends at the delivery timeout; 50 answer 503),
 * against the same endpoint alone in the same run. The timeouts are
 * shortened to 1 s (`totalTimeoutMs`, `connectTimeoutMs`) so a run of a few
 * seconds sees failures recorded and retried, not only first tries in flight.
 */
import type { DispatcherOptions } from '../src/delivery/dispatcher.js';
import type { LatencyFigures } from './push-kit.js';
import { startReceivers } from './push-kit.js';
import { steadyLatency } from './push-latency.js';
import { median } from './stats.js';

export const ISOLATION_DELIVERY: Partial<DispatcherOptions> = {
  totalTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  leaseMarginMs: 2000,
  // experiments: ISOLATION_DELIVERY='{"perEndpointConcurrency":2}'
  ...(JSON.parse(process.env.ISOLATION_DELIVERY ?? '{}') as Partial<DispatcherOptions>),
};

export interface IsolationRow {
  label: string;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  sentP50: number;
  sentP99: number;
  beforeAck: number;
  missing: number;
  runs: Array<{ p50: number; p99: number }>;
}

export async function benchIsolation(opts: { repeats: number; durationMs: number; databaseUrl: string | null }) {
  const rate = Number(process.env.ISOLATION_RATE ?? 20);
  const durationMs = Math.max(opts.durationMs, 3000);
  const runs = new Map<string, LatencyFigures[]>();
  const add = (label: string, f: LatencyFigures) => {
    if (!runs.has(label)) runs.set(label, []);
    runs.get(label)?.push(f);
  };
  const receivers = await startReceivers([
    { count: 1, mode: 'ok' },
    { count: 50, mode: 'hang' },
    { count: 50, mode: 'fail' },
  ]);
  const [healthy = [], hanging = [], failing = []] = receivers.urls;
  const common = { receivers, workers: 0, rate, durationMs, delivery: ISOLATION_DELIVERY };
  try {
    for (let i = 0; i < opts.repeats; i++) {
      add('healthy endpoint alone (SQLite)', await steadyLatency({ ...common, urls: healthy, databaseUrl: null }));
      add(
        'healthy + 50 timing out + 50 answering 503 (SQLite)',
        await steadyLatency({ ...common, urls: [...healthy, ...hanging, ...failing], databaseUrl: null }),
      );
    }
  } finally {
    await receivers.close();
  }
  return [...runs.entries()].map(([label, list]) => ({
    label,
    rate,
    p50: median(list.map((f) => f.p50)),
    p99: median(list.map((f) => f.p99)),
    max: median(list.map((f) => f.max)),
    sentP50: median(list.map((f) => f.sentP50)),
    sentP99: median(list.map((f) => f.sentP99)),
    beforeAck: median(list.map((f) => f.beforeAck)),
    missing: list.reduce((n, f) => n + f.missing, 0),
    runs: list.map((f) => ({ p50: f.p50, p99: f.p99 })),
  })) satisfies IsolationRow[];
}
