/**
 * Shared pieces of the push benchmarks: receivers in a child process, a
 * Tidings runtime with one tenant, endpoints and subjects, a prefill through
 * the API, worker processes (`tidings serve --role worker`), and the count of
 * deliveries recorded as succeeded. Every wait is bounded.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/config.js';
import type { DispatcherOptions } from '../src/delivery/dispatcher.js';
import { createRuntime, type Runtime } from '../src/server/create-runtime.js';
import type { PostgresStore } from '../src/storage/postgres/postgres-store.js';
import type { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { median } from './stats.js';

const RECEIVER = fileURLToPath(new URL('./push-receiver.js', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export const ADMIN = 'bench-admin-token';
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

export interface Receivers {
  /** One list of URLs per requested group. */
  urls: string[][];
  hits(): Promise<number>;
  /** Pushes whose `webhook-id` had arrived before, since the last reset. */
  duplicates(): Promise<number>;
  reset(): Promise<void>;
  arrivals(): Promise<Record<string, number>>;
  /** Time of the latest 2xx answer since the last reset (0 if none). */
  last(): Promise<number>;
  /** The receiver process (for CPU accounting). */
  pid: number;
  close(): Promise<void>;
}

/** Starts `push-receiver.ts` in its own process with the given groups of servers. */
export async function startReceivers(
  groups: Array<{ count: number; mode: 'ok' | 'fail' | 'hang' }>,
): Promise<Receivers> {
  const child = fork(RECEIVER, [JSON.stringify(groups)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const urls = await new Promise<string[][]>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('receiver did not start')), 15_000);
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve((JSON.parse(out.slice(0, nl)) as { urls: string[][] }).urls);
      }
    });
    child.on('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T>(op: string): Promise<T> => {
    const next = chain.then(
      () =>
        new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`receiver did not answer ${op}`)), 30_000);
          child.once('message', (msg) => {
            clearTimeout(timer);
            resolve(msg as T);
          });
          child.send({ op });
        }),
    );
    chain = next.catch(() => {});
    return next;
  };
  return {
    urls,
    hits: async () => (await ask<{ hits: number }>('hits')).hits,
    duplicates: async () => (await ask<{ duplicates: number }>('hits')).duplicates,
    reset: async () => {
      await ask('reset');
    },
    arrivals: async () => (await ask<{ arrivals: Record<string, number> }>('arrivals')).arrivals,
    last: async () => (await ask<{ last: number }>('last')).last,
    pid: child.pid ?? 0,
    close: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A Standard Webhooks signature (`v1,<base64 HMAC-SHA256>`), as the queue baselines' workers compute it. */
export function signStandardWebhook(secret: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The event body the baselines push: a native Tidings event of the same shape and size. */
export function sampleBody(i: number): string {
  return JSON.stringify({
    specversion: '1.0',
    id: `evt_${String(i).padStart(26, '0')}`,
    type: 'VIDEOID_UPDATED',
    source: 'https://tidings.example/tenants/ten_bench',
    subject: `bench-${i % 256}`,
    time: new Date().toISOString(),
    data: { workflow: 'videoid-request', from: 'VIDEOINCOMPLETE', to: 'VIDEOINCOMPLETE', note: 'x'.repeat(200) },
  });
}

export const TRANSITION = { type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE', data: { note: 'x'.repeat(200) } };

export interface TidingsBench {
  runtime: Runtime;
  tenantId: string;
  auth: { authorization: string };
  dataDir: string;
  subjects: string[];
  createEndpoints(urls: string[]): Promise<string[]>;
  /** Posts `count` transitions through the API (`inject`, `concurrency` at a time), round robin over the subjects. */
  prefill(count: number, concurrency?: number): Promise<void>;
  /** Deliveries recorded as succeeded. */
  succeeded(): Promise<number>;
  /** Deliveries not yet final, plus outbox rows not yet fanned out. */
  unfinished(): Promise<number>;
  /**
   * PostgreSQL: transactions committed or rolled back in the bench's database
   * so far (`pg_stat_database`, so a statement outside a transaction counts
   * one; a backend reports within ~1 s of going idle); null on SQLite.
   */
  transactions(): Promise<number | null>;
  close(): Promise<void>;
}

/** A runtime (dispatcher not started), one tenant and `subjectCount` videoid-request subjects. */
export async function openTidings(opts: {
  databaseUrl: string | null;
  delivery?: Partial<DispatcherOptions>;
  subjectCount?: number;
  role?: 'all' | 'api';
  /** `TIDINGS_SQLITE_FSYNC` of the runtime (default `off-loop`, as `npm start`). */
  sqliteFsync?: string;
}): Promise<TidingsBench> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-push-bench-'));
  const config = loadConfig({
    TIDINGS_DATA_DIR: dataDir,
    TIDINGS_ADMIN_TOKEN: ADMIN,
    TIDINGS_LOG_LEVEL: 'silent',
    TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
    TIDINGS_ROLE: opts.role ?? 'all',
    ...(opts.sqliteFsync ? { TIDINGS_SQLITE_FSYNC: opts.sqliteFsync } : {}),
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
  });
  const runtime = await createRuntime(config, opts.delivery ? { delivery: opts.delivery } : {});
  await runtime.app.ready();
  const tenant = await runtime.app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { name: 'bench' },
  });
  const auth = { authorization: `Bearer ${tenant.json().apiKey}` };
  const subjects: string[] = [];
  for (let i = 0; i < (opts.subjectCount ?? 256); i++) {
    const id = `bench-${i}`;
    const res = await runtime.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: auth,
      payload: { workflow: 'videoid-request', id },
    });
    if (res.statusCode !== 201) throw new Error(`subject: ${res.statusCode} ${res.body}`);
    subjects.push(id);
  }
  const sql = sqlOf(runtime);
  // The subjects' own creation events are set-up, not load: keep them out of the outbox.
  if (runtime.store.kind === 'sqlite') (runtime.store as SqliteStore).db.prepare('DELETE FROM outbox').run();
  else await (runtime.store as PostgresStore).pool.query('DELETE FROM outbox');
  return {
    runtime,
    tenantId: tenant.json().id,
    auth,
    dataDir,
    subjects,
    async createEndpoints(urls) {
      const ids: string[] = [];
      for (const url of urls) {
        const res = await runtime.app.inject({ method: 'POST', url: '/v1/endpoints', headers: auth, payload: { url } });
        if (res.statusCode !== 201) throw new Error(`endpoint: ${res.statusCode} ${res.body}`);
        ids.push(res.json().id);
      }
      return ids;
    },
    async prefill(count, concurrency = 64) {
      let next = 0;
      const one = async () => {
        while (next < count) {
          const i = next++;
          const res = await runtime.app.inject({
            method: 'POST',
            url: `/v1/subjects/${subjects[i % subjects.length]}/events`,
            headers: auth,
            payload: TRANSITION,
          });
          if (res.statusCode !== 201) throw new Error(`transition: ${res.statusCode} ${res.body}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, one));
    },
    succeeded: () => sql("SELECT count(*) AS n FROM deliveries WHERE status = 'succeeded'"),
    async unfinished() {
      return (
        (await sql("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")) +
        (await sql('SELECT count(*) AS n FROM outbox'))
      );
    },
    transactions: async () =>
      runtime.store.kind === 'sqlite'
        ? null
        : sql('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()'),
    async close() {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function sqlOf(runtime: Runtime): (text: string) => Promise<number> {
  if (runtime.store.kind === 'sqlite') {
    const db = (runtime.store as SqliteStore).db;
    return async (text) => Number((db.prepare(text).get() as { n: number }).n);
  }
  const pool = (runtime.store as PostgresStore).pool;
  return async (text) => Number((await pool.query<{ n: string }>(text)).rows[0]?.n ?? 0);
}

/**
 * Starts `tidings serve --role worker` on `databaseUrl` (or on the SQLite
 * file in `dataDir`, which stays); resolves with the time its log says
 * "tidings started" (dispatcher running).
 */
export async function startWorkerProcess(
  databaseUrl: string | null,
  opts: { dataDir?: string; cli?: string } = {},
): Promise<{ startedAt: number; pid: number; stop(): Promise<void> }> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tidings-push-worker-'));
  // `cli` may lead with node flags: "--max-semi-space-size=64 /path/to/dist/src/cli/main.js"
  const cli = (opts.cli ?? CLI).split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...cli, 'serve', '--role', 'worker'], {
    env: {
      ...process.env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
      TIDINGS_LOG_LEVEL: 'info',
      TIDINGS_ROLE: 'worker',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const startedAt = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('worker did not start within 120 s')), 120_000);
    child.stdout?.on('data', (chunk) => {
      if (out.length < 100_000) out += chunk;
      if (out.includes('tidings started')) {
        clearTimeout(timer);
        resolve(now());
      }
      if (/"level":(50|60)/.test(String(chunk))) process.stderr.write(`worker: ${String(chunk).slice(0, 500)}\n`);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited ${code}: ${out.slice(-500)}`));
    });
  });
  return {
    startedAt,
    pid: child.pid ?? 0,
    async stop() {
      await stopChild(child);
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const OPEN_LOOP = fileURLToPath(new URL('./push-load-open.js', import.meta.url));

export interface OpenLoopResult {
  sent: number;
  ok: number;
  failed: number;
  late: number;
  /** eventId → time of its 201. */
  created: Record<string, number>;
  /** eventId → time its request was sent. */
  started: Record<string, number>;
}

/** Runs `push-load-open.ts` in its own process: `rate` transitions/s for `durationMs`, open loop. */
export function runOpenLoop(spec: {
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  rate: number;
  durationMs: number;
}): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OPEN_LOOP, JSON.stringify({ body: JSON.stringify(TRANSITION), ...spec })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.durationMs + 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as OpenLoopResult);
      else reject(new Error(`open-loop client exited ${code}`));
    });
  });
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  max: number;
  /** The same from the moment the transition's request was sent (an upper bound, robust to a lagging client). */
  sentP50: number;
  sentP99: number;
  /** Share of pushes that arrived before the client had read their 201 (counted as 0 ms above). */
  beforeAck: number;
  /** Events measured (those after the warm-up share). */
  measured: number;
  /** Events acknowledged (201) whose push never arrived within the wait. */
  missing: number;
}

/**
 * Latency from each event's 201 to its push's arrival (`webhook-id` is
 * `msg_<event id>`), and from its request's start. The first `warmupShare`
 * of events (by 201 time) is left out (JIT, connection set-up). A push can
 * arrive before the client read its 201 (the dispatcher is nudged on commit,
 * and the client process is descheduled on a busy machine): that counts as 0.
 */
export function latencies(load: OpenLoopResult, arrivals: Record<string, number>, warmupShare = 0.1): LatencyFigures {
  const entries = Object.entries(load.created).sort((a, b) => a[1] - b[1]);
  const kept = entries.slice(Math.floor(entries.length * warmupShare));
  const fromAck: number[] = [];
  const fromSent: number[] = [];
  let missing = 0;
  let early = 0;
  for (const [id, at] of kept) {
    const arrived = arrivals[`msg_${id}`];
    if (arrived === undefined) {
      missing += 1;
      continue;
    }
    if (arrived < at) early += 1;
    fromAck.push(Math.max(0, arrived - at));
    fromSent.push(arrived - (load.started[id] ?? at));
  }
  const q = (values: number[], p: number) => {
    values.sort((a, b) => a - b);
    return values[Math.min(values.length - 1, Math.floor(p * values.length))] ?? Number.NaN;
  };
  return {
    p50: q(fromAck, 0.5),
    p99: q(fromAck, 0.99),
    max: q(fromAck, 1),
    sentP50: q(fromSent, 0.5),
    sentP99: q(fromSent, 0.99),
    beforeAck: fromAck.length ? early / fromAck.length : 0,
    measured: fromAck.length,
    missing,
  };
}

/** One configuration's latency figures over its repeated runs: medians, and the runs themselves. */
export interface LatencyRow extends Omit<LatencyFigures, 'measured'> {
  label: string;
  rate: number;
  /** Each run's p50 and p99 (201 → receipt) and its p99 from request sent. */
  runs: Array<{ p50: number; p99: number; sentP99: number }>;
}

/** Folds each configuration's runs (label → figures of every run) into its row of medians. */
export function latencyRows(runs: Map<string, LatencyFigures[]>, rate: number): LatencyRow[] {
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
    runs: list.map((f) => ({ p50: f.p50, p99: f.p99, sentP99: f.sentP99 })),
  }));
}
