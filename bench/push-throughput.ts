/**
 * Push throughput, end to end: N transitions are committed through the API
 * first (the outbox holds them), then the clock starts with the dispatcher
 * and stops when the last delivery is recorded as succeeded in the database
 * (receiver hits are counted too, to know when to look). One loopback
 * receiver, and 100 receivers (one endpoint each, N/100 events fanned out to
 * all). Receivers run in their own process. Baselines in the same run: see
 * `push-baselines.ts`. PostgreSQL runs the worker role as 1 and 2 child
 * processes (`tidings serve --role worker`), issue 5.
 */
import { matchEndpoints } from '../src/delivery/match-endpoints.js';
import { postgresTestDatabase } from '../test/helpers/postgres.js';
import {
  type CpuReport,
  coreBound,
  loadAverage,
  postgresBackends,
  postgresShared,
  processes,
  startCpuMeter,
  thisProcess,
} from './cpu-accounting.js';
import {
  BASELINE_CONCURRENCY,
  bullmq,
  GRAPHILE_LABEL,
  graphileWorker,
  type Measured,
  PG_BOSS_LABEL,
  pgBoss,
  rawCeiling,
} from './push-baselines.js';
import { now, openTidings, type Receivers, startReceivers, startWorkerProcess, until } from './push-kit.js';
import { median } from './stats.js';

export interface PushFigures {
  label: string;
  receivers: number;
  perSecond: number;
  runs: number[];
  /** CPU ms per delivery, all the system's processes (database included, receiver not): median, and per run. */
  cpuMsPerDelivery: number;
  cpuRuns: number[];
  /** 1-minute load average at the end of each run (the machine is shared). */
  loads: number[];
  /**
   * From the CPU accounting (`coreBound`), medians: deliveries/s the configuration could do with 3 cores to
   * itself, and with a core per thread (its busiest thread's CPU per delivery alone), and that thread's share.
   */
  threeCoreBound: number;
  threadBound: number;
  busiestThreadMs: number;
  busiestThreadGroups: string[];
}

const DRAIN_TIMEOUT_MS = 120_000;

/**
 * `PUSH_SYSTEMS=graphile-worker,postgres`: only these configurations (of raw,
 * bullmq, pg-boss, graphile-worker, sqlite, postgres; `PUSH_BASELINE` counts
 * as postgres), e.g. to compare two builds on PostgreSQL beside
 * graphile-worker without the rest. Default: all.
 */
function runsSystem(system: string): boolean {
  const only = process.env.PUSH_SYSTEMS;
  return !only || only.split(',').includes(system);
}

/**
 * Tidings: prefill `events`, start the dispatcher (in process, or `workers` child processes), wait for every
 * success. The clock covers the fan-out (outbox → one delivery per endpoint) unless `fanOutFirst`: then the
 * deliveries exist before it starts, as the queues' jobs do (their inserts are not timed either).
 */
async function tidings(
  receivers: Receivers,
  urls: string[],
  deliveries: number,
  databaseUrl: string | null,
  workers: number,
  fanOutFirst = false,
  cli?: string,
): Promise<Measured> {
  const events = Math.ceil(deliveries / urls.length);
  const expected = events * urls.length;
  const t = await openTidings({ databaseUrl, role: workers > 0 ? 'api' : 'all' });
  const stops: Array<() => Promise<void>> = [];
  try {
    await t.createEndpoints(urls);
    await t.prefill(events);
    if (fanOutFirst) while ((await t.runtime.push.deliveries.fanOut(500, matchEndpoints, Date.now())) > 0) {}
    await receivers.reset();
    // PUSH_COUNT_TRANSACTIONS: the database's transaction count too, once the prefill's backends have reported
    // theirs (an idle backend reports within PostgreSQL's idle interval, 10 s)
    const countTransactions = process.env.PUSH_COUNT_TRANSACTIONS && databaseUrl;
    if (countTransactions) await new Promise((r) => setTimeout(r, 11_000));
    const transactionsBefore = countTransactions ? await t.transactions() : null;
    let started: number;
    let meter: { stop(): CpuReport };
    if (workers === 0) {
      // in process: Tidings and SQLite (its checkpoint thread included) are this process
      meter = startCpuMeter([thisProcess('Tidings (in process)')]);
      started = now();
      t.runtime.push.dispatcher.start();
    } else {
      const database = new URL(databaseUrl as string).pathname.slice(1);
      const procs = await Promise.all(
        Array.from({ length: workers }, () => startWorkerProcess(databaseUrl as string, cli ? { cli } : {})),
      );
      for (const p of procs) stops.push(() => p.stop());
      // the worker processes' start-up (module loading, migrations check) is counted too: it is theirs
      meter = startCpuMeter([
        processes('tidings workers', [...procs.map((p) => p.pid)]),
        postgresBackends(database),
        postgresShared(),
      ]);
      started = Math.min(...procs.map((p) => p.startedAt));
    }
    await until(async () => (await receivers.hits()) >= expected, DRAIN_TIMEOUT_MS, 10);
    await until(async () => (await t.succeeded()) >= expected, DRAIN_TIMEOUT_MS, 5);
    const seconds = (now() - started) / 1000;
    const cpu = meter.stop();
    if (process.env.PUSH_CPU_GROUPS) {
      // where the CPU went, per delivery (µs), group by group: e.g. worker against its database's backends
      const parts = cpu.groups.map((g) => `${g.name} ${Math.round((1e6 * g.seconds) / expected)}`);
      process.stderr.write(`push cpu µs/delivery (${cli ?? 'this build'}, ${workers} workers): ${parts.join('; ')}\n`);
    }
    if (transactionsBefore !== null) {
      await new Promise((r) => setTimeout(r, 11_000)); // the backends report their counts once idle
      const count = ((await t.transactions()) ?? 0) - transactionsBefore;
      process.stderr.write(
        `push transactions per delivery (${cli ?? 'this build'}): ${(count / expected).toFixed(3)} (${count} for ${expected})\n`,
      );
    }
    const duplicates = await receivers.duplicates();
    if (duplicates > 0) process.stderr.write(`push: ${duplicates} repeated deliveries (at least once)\n`);
    return { perSecond: expected / seconds, deliveries: expected, cpu };
  } finally {
    for (const stop of stops) await stop();
    await t.close();
  }
}

/**
 * Runs every configuration `repeats` times, interleaved, and keeps medians.
 * `deliveries` per run (default: 2,500 per BENCH_SECOND).
 */
export async function benchPush(opts: { repeats: number; durationMs: number; databaseUrl: string | null }) {
  // 10,000 per BENCH_SECONDS: each Tidings worker process starts fresh for its run, while the queues' workers run
  // in this long-lived process, warm after the first repeat. At 12,500 deliveries a fresh worker's first second
  // (V8 compiling its hot paths) was a third of its CPU: 322-526 µs a delivery against 163-299 at 50,000, and
  // 0.34-0.42x graphile-worker against 0.53-0.57x (session 10, quiet machine). A worker runs for days.
  const deliveries = Number(process.env.PUSH_DELIVERIES ?? Math.round((opts.durationMs / 1000) * 10_000));
  interface Row {
    receivers: number;
    values: number[];
    cpu: number[];
    loads: number[];
    threeCores: number[];
    perThread: number[];
    busiestMs: number[];
    busiestGroups: string[];
  }
  const runs = new Map<string, Row>();
  const add = (label: string, receivers: number, value: Measured) => {
    const key = `${receivers}\u0000${label}`;
    const row: Row = runs.get(key) ?? {
      receivers,
      values: [],
      cpu: [],
      loads: [],
      threeCores: [],
      perThread: [],
      busiestMs: [],
      busiestGroups: [],
    };
    runs.set(key, row);
    row.values.push(value.perSecond);
    row.cpu.push((1000 * value.cpu.seconds) / value.deliveries);
    row.loads.push(loadAverage());
    row.threeCores.push(coreBound(value.cpu, value.deliveries, 3).perSecond);
    const perThread = coreBound(value.cpu, value.deliveries, Number.POSITIVE_INFINITY);
    row.perThread.push(perThread.perSecond);
    row.busiestMs.push(perThread.busiestThread?.msPerItem ?? Number.NaN);
    row.busiestGroups.push(perThread.busiestThread?.group ?? '');
  };
  // one database for the PostgreSQL queue baselines (pg-boss's schema; graphile-worker's, one per run)
  const boss = opts.databaseUrl ? await postgresTestDatabase() : null;
  try {
    // PUSH_RECEIVERS=1 runs the one-receiver half only (e.g. on a busy machine)
    for (const count of (process.env.PUSH_RECEIVERS ?? '1,100').split(',').map(Number)) {
      const receivers = await startReceivers([{ count, mode: 'ok' }]);
      const urls = receivers.urls[0] as string[];
      try {
        for (let i = 0; i < opts.repeats; i++) {
          if (runsSystem('raw')) {
            add(
              `raw ceiling (undici → node:http, ${BASELINE_CONCURRENCY} in flight)`,
              count,
              await rawCeiling(urls, opts.durationMs),
            );
          }
          if (runsSystem('bullmq')) {
            add(
              `BullMQ (Redis), concurrency ${BASELINE_CONCURRENCY}`,
              count,
              await bullmq(urls, deliveries, DRAIN_TIMEOUT_MS),
            );
          }
          if (boss?.url && runsSystem('pg-boss')) {
            add(PG_BOSS_LABEL, count, await pgBoss(boss.url, urls, deliveries, DRAIN_TIMEOUT_MS));
          }
          if (boss?.url && runsSystem('graphile-worker')) {
            add(GRAPHILE_LABEL, count, await graphileWorker(boss.url, urls, deliveries, DRAIN_TIMEOUT_MS));
          }
          if (runsSystem('sqlite')) {
            add('Tidings on SQLite (in process)', count, await tidings(receivers, urls, deliveries, null, 0));
            add(
              'Tidings on SQLite, fanned out before the clock (as the queues are prefilled)',
              count,
              await tidings(receivers, urls, deliveries, null, 0, true),
            );
          }
          if (opts.databaseUrl && runsSystem('postgres')) {
            // PUSH_PG_WORKERS=1: one worker process only (e.g. on a busy machine)
            for (const workers of (process.env.PUSH_PG_WORKERS ?? '1,2').split(',').map(Number)) {
              const db = await postgresTestDatabase();
              try {
                const label = `Tidings on PostgreSQL, ${workers} worker process${workers > 1 ? 'es' : ''}`;
                add(label, count, await tidings(receivers, urls, deliveries, db.url ?? null, workers));
              } finally {
                await db.drop();
              }
            }
            // like for like with the queues, whose jobs are inserted before their clock (PUSH_PG_FANNED=0: left out)
            if (process.env.PUSH_PG_FANNED !== '0') {
              const db = await postgresTestDatabase();
              try {
                add(
                  'Tidings on PostgreSQL, 1 worker process, fanned out before the clock (as the queues are prefilled)',
                  count,
                  await tidings(receivers, urls, deliveries, db.url ?? null, 1, true),
                );
              } finally {
                await db.drop();
              }
            }
            // PUSH_BASELINE=path/to/dist/src/cli/main.js: another build's worker process, interleaved (before/after);
            // several builds, comma-separated, each in its own row
            const baselines = (process.env.PUSH_BASELINE ?? '').split(',').filter((b) => b !== '');
            for (const baseline of baselines) {
              const db = await postgresTestDatabase();
              try {
                const label =
                  baselines.length === 1
                    ? 'Tidings on PostgreSQL, 1 worker process of the PUSH_BASELINE build'
                    : `Tidings on PostgreSQL, 1 worker process of ${baseline}`;
                add(label, count, await tidings(receivers, urls, deliveries, db.url ?? null, 1, false, baseline));
              } finally {
                await db.drop();
              }
            }
          }
        }
      } finally {
        await receivers.close();
      }
    }
  } finally {
    await boss?.drop();
  }
  return {
    deliveries,
    rows: [...runs.entries()].map(([key, r]) => ({
      label: key.split('\u0000')[1] ?? '',
      receivers: r.receivers,
      perSecond: median(r.values),
      runs: r.values.map(Math.round),
      cpuMsPerDelivery: median(r.cpu),
      cpuRuns: r.cpu.map((c) => Math.round(c * 1000) / 1000),
      loads: r.loads,
      threeCoreBound: median(r.threeCores),
      threadBound: median(r.perThread),
      busiestThreadMs: median(r.busiestMs),
      busiestThreadGroups: [...new Set(r.busiestGroups)],
    })) satisfies PushFigures[],
  };
}
