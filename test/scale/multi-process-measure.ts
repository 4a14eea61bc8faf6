import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { Cluster, freePort, post } from './multi-process-kit.js';

/**
 * Measures real `serve` processes on PostgreSQL (not a test: timings on a
 * shared machine are reported, not asserted). Build first, then:
 *
 *   node dist/test/scale/multi-process-measure.js latency [events] [per-second]
 *   node dist/test/scale/multi-process-measure.js throughput [events] [runs] [endpoints]
 *
 * latency: one `--role api` and one `--role worker` process; transitions at a
 * modest steady rate; per event, the time from the 201 reaching the client to
 * the push reaching the receiver (same process, one clock), after 50
 * uncounted warm-up events.
 * throughput: the outbox is filled with the workers stopped, then 1 or 2
 * `--role worker` processes start and push it all to a receiver that answers
 * at once; rate = pushes / (last push − first push). 1 and 2 alternate.
 * `TIDINGS_MEASURE_CLI` runs another build (e.g. the polling-only one).
 */

const cli = process.env.TIDINGS_MEASURE_CLI ?? 'dist/src/cli/main.js';
const listens = process.env.TIDINGS_MEASURE_POLLING_ONLY !== '1';

async function receiver() {
  const arrivals = new Map<string, number>();
  let count = 0;
  let first = 0;
  let last = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { subject: string };
      if (!arrivals.has(body.subject)) arrivals.set(body.subject, now);
      count += 1;
      if (count === 1) first = now;
      last = now;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    stats: () => ({ count, first, last }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function latency(events: number, perSecond: number): Promise<void> {
  const db = await postgresTestDatabase();
  if (!db.available) throw new Error(String(db.skip));
  const cluster = new Cluster(db.url, await freePort(), {}, cli);
  const r = await receiver();
  try {
    await cluster.startApi();
    const headers = await cluster.tenantWithEndpoint(r.url);
    await cluster.startWorker({}, listens ? 'listening for commits' : 'tidings started');
    // Warm-up (JIT, connections, prepared statements), not counted: 50 events at the same rate.
    for (let i = 0; i < 50; i++) {
      await post(cluster.base, headers, '/v1/subjects', { workflow: 'ticket', id: `warm-${i}` });
      await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const acked = new Map<string, number>();
    const gap = 1000 / perSecond;
    const start = performance.now();
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < events; i++) {
      const wait = start + i * gap - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = `lat-${i}`;
      sends.push(
        post(cluster.base, headers, '/v1/subjects', { workflow: 'ticket', id }).then((status) => {
          if (status === 201) acked.set(id, performance.now());
        }),
      );
    }
    await Promise.all(sends);
    const deadline = Date.now() + 30_000;
    while ([...acked.keys()].some((id) => !r.arrivals.has(id)) && Date.now() < deadline)
      await new Promise((x) => setTimeout(x, 50));
    if (process.env.TIDINGS_MEASURE_DUMP === '1') {
      const series = [...acked].map(([id, at]) => Math.round((r.arrivals.get(id) ?? Number.NaN) - at));
      console.error(series.join(' '));
    }
    const ms = [...acked].map(([id, at]) => (r.arrivals.get(id) ?? Number.NaN) - at).sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(1);
    console.log(
      JSON.stringify({
        scenario: 'latency',
        cli,
        events: acked.size,
        perSecond,
        received: [...acked.keys()].filter((id) => r.arrivals.has(id)).length,
        medianMs: f(percentile(ms, 50)),
        p90Ms: f(percentile(ms, 90)),
        p99Ms: f(percentile(ms, 99)),
        maxMs: f(ms[ms.length - 1] ?? Number.NaN),
        minMs: f(ms[0] ?? Number.NaN),
      }),
    );
  } finally {
    await cluster.destroy();
    await r.close();
    await db.drop();
  }
}

async function throughputRun(events: number, workers: number, endpoints: number): Promise<number> {
  const db = await postgresTestDatabase();
  if (!db.available) throw new Error(String(db.skip));
  const cluster = new Cluster(db.url, await freePort(), {}, cli);
  const r = await receiver();
  try {
    await cluster.startApi();
    const headers = await cluster.tenantWithEndpoint(r.url);
    for (let e = 1; e < endpoints; e++) {
      const res = await fetch(`${cluster.base}/v1/endpoints`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ url: `${r.url}?e=${e}`, format: 'native' }),
      });
      if (res.status !== 201) throw new Error(`endpoint: ${res.status}`);
    }
    // Fill the outbox while no worker runs, 32 requests at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < events) {
          const i = next++;
          await post(cluster.base, headers, '/v1/subjects', { workflow: 'ticket', id: `tp-${i}` });
        }
      }),
    );
    const wait = listens ? 'listening for commits' : 'tidings started';
    await Promise.all(Array.from({ length: workers }, () => cluster.startWorker({}, wait)));
    const total = events * endpoints;
    const deadline = Date.now() + 120_000;
    while (r.stats().count < total && Date.now() < deadline) await new Promise((x) => setTimeout(x, 20));
    const { count, first, last } = r.stats();
    if (count < total) throw new Error(`only ${count} of ${total} pushes`);
    return (count / (last - first)) * 1000;
  } finally {
    await cluster.destroy();
    await r.close();
    await db.drop();
  }
}

async function throughput(events: number, runs: number, endpoints: number): Promise<void> {
  const rates: Record<1 | 2, number[]> = { 1: [], 2: [] };
  for (let run = 0; run < runs; run++) {
    for (const workers of [1, 2] as const) {
      const rate = await throughputRun(events, workers, endpoints);
      rates[workers].push(rate);
      console.error(`run ${run + 1}: ${workers} worker(s): ${rate.toFixed(0)} pushes/s`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  console.log(
    JSON.stringify({
      scenario: 'throughput',
      cli,
      pushes: events * endpoints,
      endpoints,
      oneWorker: { median: Math.round(median(rates[1])), runs: rates[1].map(Math.round) },
      twoWorkers: { median: Math.round(median(rates[2])), runs: rates[2].map(Math.round) },
    }),
  );
}

const [scenario = 'latency', a, b, c] = process.argv.slice(2);
if (scenario === 'latency') await latency(Number(a ?? 300), Number(b ?? 50));
else if (scenario === 'throughput') await throughput(Number(a ?? 2000), Number(b ?? 3), Number(c ?? 1));
else throw new Error(`unknown scenario ${scenario}`);
