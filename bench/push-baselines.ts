/**
 * Baselines for push throughput, all draining the same number of deliveries
 * to the same receivers in the same run as Tidings:
 *   - raw ceiling: undici Pool → node:http, no storage, no signing, closed loop;
 *   - BullMQ (Redis 127.0.0.1:6379), prefilled with addBulk, Worker concurrency 64
 *     (its docs: raise concurrency for I/O-bound jobs), removeOnComplete;
 *   - pg-boss 10 (PostgreSQL), prefilled with insert(): 2 × work() with batchSize 250, the handler
 *     calling notifyWorker() when its batch came back full, at most 64 POSTs in flight across both;
 *   - graphile-worker 0.17 (PostgreSQL), prefilled with addJobs(): run() with its performance page's
 *     settings (local queue 500, completeJobBatchDelay/failJobBatchDelay 0, maxPoolSize ≥ concurrency + 2)
 *     at concurrency 64 instead of its 24.
 * The queue workers sign with HMAC-SHA256 in the Standard Webhooks format and POST with undici.
 *
 * Tuning, measured on this 2-core machine with 12,500 deliveries (medians of 3–5 runs, 1 receiver / 100):
 * pg-boss 10's worker waits out `pollingIntervalSeconds` (minimum 0.5) after every fetch, full batch or
 * not, so batchSize and more work() calls alone cap it at workers × batchSize / 0.5 s: the former 4 × 100
 * gave 805/s in every run, 4 × 500 4,080/4,080, 4 × 1,000 7,990/7,970 (4,000 jobs locked at a time),
 * 8 × 500 3,600/3,700. notifyWorker() ("bypass the job polling interval", its docs) after a full batch
 * fetches again at once while there is a backlog: 1 × 250 11,400/12,100, 2 × 250 12,400/11,300,
 * 3 × 250 10,500/9,800, 4 × 250 9,800/9,000, 2 × 100 8,900/9,700, 2 × 500 6,500/6,600 (a fetch of 500
 * took ~100 ms). Kept 2 × 250: one worker's fetch overlaps the other's POSTs. graphile-worker with a local
 * queue of 500: concurrency 24 (its page) 16,500/14,700, 64 17,900/13,400, 128 17,600/13,400; 64 with a
 * local queue of 65 (its release notes: concurrency + 1) 11,000/11,400. Kept 64: as many in flight as the
 * others, and 24 was no faster. BullMQ in the same runs: 13,300/12,900.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { Pool } from 'undici';
import {
  type CpuReport,
  postgresBackends,
  postgresShared,
  redisServer,
  startCpuMeter,
  thisProcess,
} from './cpu-accounting.js';
import { now, sampleBody, signStandardWebhook, until } from './push-kit.js';

/** A throughput figure with the CPU the system spent for it (all its processes, the receiver excluded). */
export interface Measured {
  perSecond: number;
  deliveries: number;
  cpu: CpuReport;
}

const databaseOf = (url: string) => new URL(url).pathname.slice(1);
/** A PostgreSQL queue's processes: its worker (this process), its database's backends, the server's shared ones. */
const postgresQueue = (url: string) => [
  thisProcess('queue worker'),
  postgresBackends(databaseOf(url)),
  postgresShared(),
];

export const BASELINE_CONCURRENCY = 64;
const SECRET = randomBytes(24);

/** One undici Pool per origin, as a user would keep them. */
function pools(urls: string[]) {
  const map = new Map<string, Pool>();
  for (const url of urls) {
    const origin = new URL(url).origin;
    if (!map.has(origin)) map.set(origin, new Pool(origin, { connections: BASELINE_CONCURRENCY, pipelining: 1 }));
  }
  return {
    async post(url: string, body: string, headers: Record<string, string>): Promise<number> {
      const u = new URL(url);
      const pool = map.get(u.origin) as Pool;
      const res = await pool.request({ method: 'POST', path: u.pathname, headers, body });
      await res.body.dump();
      return res.statusCode;
    },
    close: () => Promise.all([...map.values()].map((p) => p.close())),
  };
}

async function signedPost(client: ReturnType<typeof pools>, url: string, eventId: string, body: string) {
  const id = `msg_${eventId}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const status = await client.post(url, body, {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(SECRET, id, timestamp, body),
  });
  if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
}

/** Raw ceiling: `BASELINE_CONCURRENCY` closed-loop POSTs for `durationMs`, round robin over `urls`. */
export async function rawCeiling(urls: string[], durationMs: number): Promise<Measured> {
  const client = pools(urls);
  const body = sampleBody(0);
  let ok = 0;
  let n = 0;
  const meter = startCpuMeter([thisProcess('sender')]);
  const started = now();
  const deadline = started + durationMs;
  try {
    await Promise.all(
      Array.from({ length: BASELINE_CONCURRENCY }, async () => {
        while (now() < deadline) {
          const url = urls[n++ % urls.length] as string;
          const status = await client.post(url, body, { 'content-type': 'application/json' });
          if (status >= 200 && status < 300) ok += 1;
        }
      }),
    );
    return { perSecond: ok / ((now() - started) / 1000), deliveries: ok, cpu: meter.stop() };
  } finally {
    await client.close();
  }
}

interface Job {
  url: string;
  eventId: string;
  body: string;
}

function jobs(urls: string[], count: number): Job[] {
  return Array.from({ length: count }, (_, i) => ({
    url: urls[i % urls.length] as string,
    eventId: `evt_${i}`,
    body: sampleBody(i),
  }));
}

/** BullMQ: deliveries/s from worker start to the last job completed. */
export async function bullmq(urls: string[], count: number, timeoutMs: number): Promise<Measured> {
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
  const name = `push-bench-${randomBytes(4).toString('hex')}`;
  const queue = new Queue<Job>(name, { connection });
  const client = pools(urls);
  let worker: Worker<Job> | null = null;
  try {
    const all = jobs(urls, count);
    for (let i = 0; i < all.length; i += 1000) {
      await queue.addBulk(
        all.slice(i, i + 1000).map((data) => ({
          name: 'push',
          data,
          opts: {
            removeOnComplete: true,
            removeOnFail: 1000,
            attempts: 8,
            backoff: { type: 'exponential', delay: 5000 },
          },
        })),
      );
    }
    let done = 0;
    worker = new Worker<Job>(name, async (job) => signedPost(client, job.data.url, job.data.eventId, job.data.body), {
      connection,
      concurrency: BASELINE_CONCURRENCY,
      autorun: false,
    });
    worker.on('completed', () => {
      done += 1;
    });
    const meter = startCpuMeter([thisProcess('queue worker'), redisServer()]);
    const started = now();
    void worker.run();
    await until(() => done >= count, timeoutMs, 5);
    return { perSecond: count / ((now() - started) / 1000), deliveries: count, cpu: meter.stop() };
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await client.close();
  }
}

/** Runs at most `max` of the given functions at once, first come first served (a user's p-limit). */
function limiter(max: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // a finishing call hands its slot straight to the oldest waiter
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

export interface PgBossTuning {
  /** work() calls (pg-boss 10 has no teamSize: each call is one polling worker). */
  workers: number;
  batchSize: number;
  /** notifyWorker() after a full batch, so the worker fetches again without waiting out the poll interval. */
  notifyWhenFull: boolean;
}
export const PG_BOSS_TUNING: PgBossTuning = { workers: 2, batchSize: 250, notifyWhenFull: true };
export const PG_BOSS_LABEL = `pg-boss (PostgreSQL), ${PG_BOSS_TUNING.workers} × work() batch ${PG_BOSS_TUNING.batchSize}${PG_BOSS_TUNING.notifyWhenFull ? ', notifyWorker when full' : ''}, ${BASELINE_CONCURRENCY} in flight`;

/** pg-boss 10: deliveries/s from the first work() to every job completed (state recorded in PostgreSQL). */
export async function pgBoss(
  databaseUrl: string,
  urls: string[],
  count: number,
  timeoutMs: number,
  tuning: PgBossTuning = PG_BOSS_TUNING,
): Promise<Measured> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: Math.max(10, tuning.workers + 4) });
  boss.on('error', () => {});
  await boss.start();
  const name = `push_bench_${randomBytes(4).toString('hex')}`;
  const client = pools(urls);
  const limit = limiter(BASELINE_CONCURRENCY);
  try {
    await boss.createQueue(name, { name, retryLimit: 8, retryBackoff: true });
    const all = jobs(urls, count);
    for (let i = 0; i < all.length; i += 1000) {
      await boss.insert(all.slice(i, i + 1000).map((data) => ({ name, data, retryLimit: 8, retryBackoff: true })));
    }
    let handled = 0;
    const meter = startCpuMeter(postgresQueue(databaseUrl));
    const started = now();
    for (let w = 0; w < tuning.workers; w++) {
      let id: string | null = null;
      id = await boss.work<Job>(name, { batchSize: tuning.batchSize, pollingIntervalSeconds: 0.5 }, async (batch) => {
        // a full batch means a backlog: fetch again as soon as this batch is done, not after the poll interval
        if (tuning.notifyWhenFull && id && batch.length === tuning.batchSize) boss.notifyWorker(id);
        const results = await Promise.allSettled(
          batch.map((job) => limit(() => signedPost(client, job.data.url, job.data.eventId, job.data.body))),
        );
        // A batch handler completes or fails the whole batch: fail the failed jobs first (retry state), then
        // returning completes only the jobs still active, so one failed POST does not resend the whole batch.
        const failed = batch.filter((_, i) => results[i]?.status === 'rejected').map((job) => job.id);
        if (failed.length > 0) await boss.fail(name, failed);
        handled += batch.length - failed.length;
      });
    }
    await until(() => handled >= count, timeoutMs, 5);
    // "recorded": every job's completion is committed (none left created/retry/active)
    await until(async () => (await boss.getQueueSize(name, { before: 'completed' })) === 0, timeoutMs, 5);
    return { perSecond: count / ((now() - started) / 1000), deliveries: count, cpu: meter.stop() };
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => {});
    await client.close();
  }
}

export interface GraphileTuning {
  concurrentJobs: number;
  /** Jobs the pool fetches (and locks) per round trip, handed to its workers locally. */
  localQueueSize: number;
}
export const GRAPHILE_TUNING: GraphileTuning = { concurrentJobs: BASELINE_CONCURRENCY, localQueueSize: 500 };
export const GRAPHILE_LABEL = `graphile-worker (PostgreSQL), concurrency ${GRAPHILE_TUNING.concurrentJobs}, local queue ${GRAPHILE_TUNING.localQueueSize}`;

/** graphile-worker logs to the console by default; keep its errors only. */
const graphileLogger = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
});

/**
 * graphile-worker 0.17: deliveries/s from run() to every job completed (a completed job's row is deleted:
 * none left in `_private_jobs`). A schema of its own per run, dropped afterwards.
 */
export async function graphileWorker(
  databaseUrl: string,
  urls: string[],
  count: number,
  timeoutMs: number,
  tuning: GraphileTuning = GRAPHILE_TUNING,
): Promise<Measured> {
  const schema = `graphile_worker_bench_${randomBytes(4).toString('hex')}`;
  const client = pools(urls);
  const db = new pg.Client({ connectionString: databaseUrl });
  db.on('error', () => {});
  await db.connect();
  let runner: Awaited<ReturnType<typeof run>> | null = null;
  try {
    const utils = await makeWorkerUtils({ connectionString: databaseUrl, schema, logger: graphileLogger });
    try {
      await utils.migrate();
      const all = jobs(urls, count);
      for (let i = 0; i < all.length; i += 1000) {
        await utils.addJobs(all.slice(i, i + 1000).map((payload) => ({ identifier: 'push', payload, maxAttempts: 8 })));
      }
    } finally {
      await utils.release();
    }
    let handled = 0;
    const meter = startCpuMeter(postgresQueue(databaseUrl));
    const started = now();
    runner = await run({
      // https://worker.graphile.org/docs/performance: a local queue, batched completion, and a pool of
      // "10 or concurrentJobs + 2, whichever is larger" (the task itself does not use the pool).
      preset: {
        worker: {
          connectionString: databaseUrl,
          schema,
          concurrentJobs: tuning.concurrentJobs,
          maxPoolSize: Math.max(10, tuning.concurrentJobs + 2),
          localQueue: { size: tuning.localQueueSize },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
          logger: graphileLogger,
        },
      },
      noHandleSignals: true,
      parsedCronItems: [],
      taskList: {
        push: async (payload) => {
          const job = payload as Job;
          await signedPost(client, job.url, job.eventId, job.body);
          handled += 1;
        },
      },
    });
    await until(() => handled >= count, timeoutMs, 5);
    // "recorded": every completion committed (graphile-worker deletes a job's row when it completes)
    const left = async () => Number((await db.query(`select count(*) as n from ${schema}._private_jobs`)).rows[0].n);
    await until(async () => (await left()) === 0, timeoutMs, 5);
    return { perSecond: count / ((now() - started) / 1000), deliveries: count, cpu: meter.stop() };
  } finally {
    if (runner) {
      await runner.stop().catch(() => {});
      await runner.promise.catch(() => {});
    }
    await db.query(`drop schema if exists ${schema} cascade`).catch(() => {});
    await db.end();
    await client.close();
  }
}
