/**
 * Push latency: transitions arrive at a steady rate (open loop, from another
 * process, default 1,000/s) and each one's latency is the time from its 201
 * to the receiver getting the POST. Configurations: SQLite in one process
 * (the commit nudges the dispatcher in process), PostgreSQL in one process,
 * and PostgreSQL with the API in this process and one worker process (woken
 * by LISTEN/NOTIFY when the runtime has it, else by its poll interval).
 * No baseline: the bars are absolute (p99 ≤ 100 ms; goal p50 ≤ 5 ms, p99 ≤ 50 ms).
 * `LATENCY_SQLITE_FSYNC=commit,off-loop`: a SQLite row per `TIDINGS_SQLITE_FSYNC`
 * setting, interleaved (default: one row with the default, what `npm start` runs).
 */
import type { DispatcherOptions } from '../src/delivery/dispatcher.js';
import { postgresTestDatabase } from '../test/helpers/postgres.js';
import {
  type LatencyFigures,
  latencies,
  latencyRows,
  openTidings,
  type Receivers,
  runOpenLoop,
  startReceivers,
  startWorkerProcess,
  until,
} from './push-kit.js';

/** One run: a runtime (dispatcher in process, or `worker` child processes), steady load, latencies. */
export async function steadyLatency(opts: {
  receivers: Receivers;
  urls: string[];
  databaseUrl: string | null;
  workers: number;
  rate: number;
  durationMs: number;
  delivery?: Partial<DispatcherOptions>;
  sqliteFsync?: string;
}): Promise<LatencyFigures & { sent: number; ok: number }> {
  const t = await openTidings({
    databaseUrl: opts.databaseUrl,
    ...(opts.sqliteFsync ? { sqliteFsync: opts.sqliteFsync } : {}),
    role: opts.workers > 0 ? 'api' : 'all',
    subjectCount: 256,
    ...(opts.delivery ? { delivery: opts.delivery } : {}),
  });
  const stops: Array<() => Promise<void>> = [];
  try {
    const origin = await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
    await t.createEndpoints(opts.urls);
    if (opts.workers === 0) t.runtime.startWorkers();
    for (let i = 0; i < opts.workers; i++) {
      const p = await startWorkerProcess(opts.databaseUrl as string);
      stops.push(() => p.stop());
    }
    await opts.receivers.reset();
    const load = await runOpenLoop({
      origin,
      paths: t.subjects.map((s) => `/v1/subjects/${s}/events`),
      headers: t.auth,
      rate: opts.rate,
      durationMs: opts.durationMs,
    });
    await until(async () => (await opts.receivers.hits()) >= load.ok, 30_000, 20).catch(() => {});
    const figures = latencies(load, await opts.receivers.arrivals());
    if (load.failed > 0) process.stderr.write(`push-latency: ${load.failed} transitions failed\n`);
    return { ...figures, sent: load.sent, ok: load.ok };
  } finally {
    for (const stop of stops) await stop();
    await t.close();
  }
}

export async function benchPushLatency(opts: { repeats: number; durationMs: number; databaseUrl: string | null }) {
  const rate = Number(process.env.PUSH_RATE ?? 1000);
  const durationMs = Math.max(opts.durationMs, 3000);
  const runs = new Map<string, Array<LatencyFigures>>();
  const add = (label: string, f: LatencyFigures) => {
    if (!runs.has(label)) runs.set(label, []);
    runs.get(label)?.push(f);
  };
  const receivers = await startReceivers([{ count: 1, mode: 'ok' }]);
  const urls = receivers.urls[0] as string[];
  try {
    const fsyncSettings = (process.env.LATENCY_SQLITE_FSYNC ?? '').split(',').filter((f) => f !== '');
    for (let i = 0; i < opts.repeats; i++) {
      for (const sqliteFsync of fsyncSettings.length > 0 ? fsyncSettings : [undefined]) {
        add(
          sqliteFsync ? `Tidings on SQLite (one process, fsync ${sqliteFsync})` : 'Tidings on SQLite (one process)',
          await steadyLatency({
            receivers,
            urls,
            databaseUrl: null,
            workers: 0,
            rate,
            durationMs,
            ...(sqliteFsync ? { sqliteFsync } : {}),
          }),
        );
      }
      if (opts.databaseUrl) {
        for (const workers of [0, 1]) {
          const db = await postgresTestDatabase();
          try {
            const label =
              workers === 0 ? 'Tidings on PostgreSQL (one process)' : 'Tidings on PostgreSQL (API + 1 worker process)';
            add(
              label,
              await steadyLatency({ receivers, urls, databaseUrl: db.url ?? null, workers, rate, durationMs }),
            );
          } finally {
            await db.drop();
          }
        }
      }
    }
  } finally {
    await receivers.close();
  }
  return latencyRows(runs, rate);
}
