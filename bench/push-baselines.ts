/**
 * Baselines for push throughput, all draining the same number of deliveries
 * to the same receivers in the same run as Tidings:
 *   - raw ceiling: undici Pool → node:http, no storage, no signing, closed loop;
 *   - BullMQ (Redis 127.0.0.1:6379), prefilled with addBulk, Worker concurrency 64
 *     (its docs: raise concurrency for I/O-bound jobs), removeOnComplete;
 *   - pg-boss 10 (PostgreSQL), prefilled with insert(), 4 × work() with batchSize 100
 *     (its docs: batchSize for throughput; v10 has no teamSize, call work() again).
 * The queue workers sign with HMAC-SHA256 in the Standard Webhooks format and POST with undici.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import PgBoss from 'pg-boss';
import { Pool } from 'undici';
import { now, sampleBody, signStandardWebhook, until } from './push-kit.js';

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
export async function rawCeiling(urls: string[], durationMs: number): Promise<number> {
  const client = pools(urls);
  const body = sampleBody(0);
  let ok = 0;
  let n = 0;
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
    return ok / ((now() - started) / 1000);
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
export async function bullmq(urls: string[], count: number, timeoutMs: number): Promise<number> {
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
    const started = now();
    void worker.run();
    await until(() => done >= count, timeoutMs, 5);
    return count / ((now() - started) / 1000);
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await client.close();
  }
}

/** pg-boss 10: deliveries/s from the first work() to every job completed (state recorded in PostgreSQL). */
export async function pgBoss(databaseUrl: string, urls: string[], count: number, timeoutMs: number): Promise<number> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: 10 });
  boss.on('error', () => {});
  await boss.start();
  const name = `push_bench_${randomBytes(4).toString('hex')}`;
  const client = pools(urls);
  try {
    await boss.createQueue(name, { name, retryLimit: 8, retryBackoff: true });
    const all = jobs(urls, count);
    for (let i = 0; i < all.length; i += 1000) {
      await boss.insert(all.slice(i, i + 1000).map((data) => ({ name, data, retryLimit: 8, retryBackoff: true })));
    }
    let handled = 0;
    const started = now();
    for (let w = 0; w < 4; w++) {
      await boss.work<Job>(name, { batchSize: 100, pollingIntervalSeconds: 0.5 }, async (batch) => {
        await Promise.all(batch.map((job) => signedPost(client, job.data.url, job.data.eventId, job.data.body)));
        handled += batch.length;
      });
    }
    await until(() => handled >= count, timeoutMs, 5);
    // "recorded": every job's completion is committed (none left created/retry/active)
    await until(async () => (await boss.getQueueSize(name, { before: 'completed' })) === 0, timeoutMs, 5);
    return count / ((now() - started) / 1000);
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => {});
    await client.close();
  }
}
