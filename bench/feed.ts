/**
 * Feed read: events/s through `GET /v1/events` pages of 100 (native and
 * vendor format) and SETs/s through a SET log of 500, each beside raw SQL
 * reads of the same pages / stored JWS rows on the same database in the same
 * run. Readers run in a separate process (feed-client.ts), keep-alive undici.
 *
 * Fill: ≥ 100,000 videoid-request events for one tenant (10 per subject,
 * interleaved so a page holds ~100 different subjects), built by the workflow
 * engine and written through `store.commit` 100 subjects per commit; the SET
 * logs live in a second tenant (so the feed holds no SETs to sign): an EdDSA
 * log (videoid-request, 500 events) and a PS512 log (fit-submission in a
 * fit-case, 500 events), plus fresh ones per repeat for the cold first read.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/config.js';
import { createRuntime, type Runtime } from '../src/server/create-runtime.js';
import type { PostgresStore } from '../src/storage/postgres/postgres-store.js';
import { loadAverage, type ProcessGroup, postgresBackends, startCpuMeter, thisProcess } from './cpu-accounting.js';
import type { FeedClientResult, FeedClientSpec, FeedRange } from './feed-client.js';
import { fillSubjects, type SubjectPlan } from './feed-fill.js';
import { median } from './stats.js';

const CLIENT = fileURLToPath(new URL('./feed-client.js', import.meta.url));
const FEED_EVENTS = Number(process.env.BENCH_FEED_EVENTS ?? 100_000);
const EVENTS_PER_SUBJECT = 10;
const LOG_SIZE = 500;
const LOG_CLIENTS = 4;
/** `BENCH_FEED_PROFILE=dir`: a CPU profile of the server (this process) during each HTTP feed read, written there. */
const PROFILE_DIR = process.env.BENCH_FEED_PROFILE;
/** `BENCH_FEED_LOGS=0`: the cursor feed only, without the SET log reads (they sign for seconds on a busy machine). */
const WITH_LOGS = process.env.BENCH_FEED_LOGS !== '0';
/** `BENCH_FEED_BACKENDS=postgres` (or `sqlite`): one backend only, for a change that touches one. */
const BACKENDS = (process.env.BENCH_FEED_BACKENDS ?? 'sqlite,postgres').split(',');
const TAGS = { authenticationTags: { metadata: 'bWV0YWRhdGEtdGFn', data: 'ZGF0YS10YWc' } };

/** Runs `read` under the inspector's CPU profiler when BENCH_FEED_PROFILE is set. */
async function profiled<T>(name: string, read: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return read();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await read();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}

function runClient(spec: FeedClientSpec): Promise<FeedClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as FeedClientResult) : reject(new Error(`feed client exited ${code}`)),
    );
  });
}

export interface FeedFigure {
  backend: string;
  label: string;
  unit: 'events/s' | 'SETs/s';
  /** The baseline row this figure is compared with (null: it is a baseline). */
  baseline: string | null;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU µs per item of the server (this process; on PostgreSQL also its database's backends); null for baselines. */
  cpuUs: number | null;
  /** 1-minute load average after the run. */
  load: number;
}

const videoidPlan = (id: string, transitions: number): SubjectPlan => ({
  workflow: 'videoid-request',
  id,
  attributes: { profile: 'PFnubeQAFCiudadano', registration_authority: 139, pk: id },
  events: Array.from({ length: transitions }, (_, k) => ({
    type: 'VIDEOID_UPDATED',
    to: 'VIDEOINCOMPLETE',
    data: { upload: k, note: 'x'.repeat(200) },
  })),
});

async function createTenant(runtime: Runtime, name: string) {
  const res = await runtime.app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: { authorization: 'Bearer bench' },
    payload: { name },
  });
  const body = res.json() as { id: string; apiKey: string };
  return { id: body.id, headers: { authorization: `Bearer ${body.apiKey}` } };
}

interface Backend {
  label: string;
  runtime: Runtime;
  origin: string;
  dataDir: string | null;
  feedTenant: { id: string; headers: Record<string, string> };
  logTenant: { id: string; headers: Record<string, string> };
  /** Ranges for one reader (the whole feed) and for 4 readers (quarters). */
  ranges: Record<number, FeedRange[]>;
  sql: Pick<FeedClientSpec, 'sqlitePath' | 'databaseUrl'>;
  /** The processes that serve a read: this one, and on PostgreSQL its database's backends. */
  server: ProcessGroup[];
}

/** The SET logs' subjects: a warm and `repeats` cold logs of each signing algorithm, one event per commit. */
async function fillLogs(runtime: Runtime, tenantId: string, repeats: number): Promise<void> {
  const { store, registry } = runtime;
  await fillSubjects(
    store,
    registry,
    tenantId,
    [
      { workflow: 'fit-case', id: 'case', events: [] },
      ...['warm', ...Array.from({ length: repeats }, (_, r) => `cold-${r}`)].map((name) =>
        videoidPlan(`ed-${name}`, LOG_SIZE - 1),
      ),
    ],
    { perCommit: 1, inFlight: 1 },
  );
  const fitCase = await store.getSubject(tenantId, 'case');
  await fillSubjects(
    store,
    registry,
    tenantId,
    ['warm', ...Array.from({ length: repeats }, (_, r) => `cold-${r}`)].map((name) => ({
      workflow: 'fit-submission',
      id: `ps-${name}`,
      parent: fitCase,
      events: [
        { type: 'submit-submission', data: TAGS },
        ...Array.from({ length: LOG_SIZE - 2 }, () => ({ type: 'notify-submission', data: TAGS })),
      ],
    })),
    { perCommit: 1, inFlight: 1 },
  );
}

async function openBackend(databaseUrl: string | null, repeats: number): Promise<Backend> {
  const dataDir = databaseUrl ? null : mkdtempSync(join(tmpdir(), 'tidings-bench-feed-'));
  const config = loadConfig({
    TIDINGS_DATA_DIR: dataDir ?? tmpdir(),
    TIDINGS_ADMIN_TOKEN: 'bench',
    TIDINGS_LOG_LEVEL: 'silent',
    TIDINGS_ROLE: 'api',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const runtime = await createRuntime(config);
  const origin = await runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const { store, registry } = runtime;
  // Both signing keys exist and are imported before any timing (RSA-4096 generation takes seconds).
  for (const workflow of WITH_LOGS ? ['videoid-request', 'fit-submission'] : []) {
    await runtime.pull.keys.privateKey((await runtime.pull.signer.keyFor(workflow)).kid);
  }
  const feedTenant = await createTenant(runtime, 'bench-feed');
  const logTenant = await createTenant(runtime, 'bench-log');

  const started = performance.now();
  const subjects = Math.ceil(FEED_EVENTS / EVENTS_PER_SUBJECT);
  const plans = Array.from({ length: subjects }, (_, i) => videoidPlan(`feed-${i}`, EVENTS_PER_SUBJECT - 1));
  const stored = await fillSubjects(store, registry, feedTenant.id, plans);
  const fillSeconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `feed: filled ${stored.length} events on ${store.kind} in ${fillSeconds.toFixed(1)} s (${Math.round(stored.length / fillSeconds)} events/s through store.commit)\n`,
  );

  // SET logs: a warm and `repeats` cold ones of each signing algorithm.
  if (WITH_LOGS) await fillLogs(runtime, logTenant.id, repeats);

  // A production database has planner statistics; a table filled seconds ago has
  // none until autovacuum gets to it (~1 min), and without them PostgreSQL sorts
  // the tenant's whole range for every page (~10 ms instead of ~1 ms). Analyze now,
  // so every run sees the plans a live deployment gets.
  if (store.kind === 'postgres') await (store as PostgresStore).pool.query('ANALYZE');

  const total = stored.length;
  const quarter = Math.ceil(total / 4);
  const quarters: FeedRange[] = [];
  for (let q = 0; q < 4; q++) {
    const from = q * quarter;
    const before = stored[from - 1];
    quarters.push({
      afterEventId: before?.id ?? null,
      afterSequence: before?.sequence ?? 0,
      events: Math.min(quarter, total - from),
    });
  }
  return {
    label: store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL',
    runtime,
    origin,
    dataDir,
    feedTenant,
    logTenant,
    ranges: { 1: [{ afterEventId: null, afterSequence: 0, events: total }], 4: quarters },
    sql: dataDir ? { sqlitePath: join(dataDir, 'tidings.sqlite') } : { databaseUrl: databaseUrl ?? '' },
    server: [
      thisProcess('tidings (bench process)'),
      ...(databaseUrl ? [postgresBackends(new URL(databaseUrl).pathname.slice(1))] : []),
    ],
  };
}

/**
 * The reader against a node:http server answering every request with the bytes
 * of the feed's first native page (no routing, auth, storage or rendering):
 * the ceiling that HTTP, the 80 KB transfer and the reader's JSON.parse leave.
 */
async function staticPageCeiling(b: Backend, durationMs: number, ranges: FeedRange[]): Promise<FeedClientResult> {
  const page = await b.runtime.app.inject({
    method: 'GET',
    url: '/v1/events?count=100&format=native',
    headers: b.feedTenant.headers,
  });
  const body = Buffer.from(page.body);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return await runClient({ mode: 'http-feed', durationMs, origin, headers: {}, format: 'native', ranges });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** One repeat of every feed and log configuration on one backend, baselines interleaved. */
async function oneRepeat(b: Backend, repeat: number, durationMs: number): Promise<FeedFigure[]> {
  const out: FeedFigure[] = [];
  const add = (
    label: string,
    unit: FeedFigure['unit'],
    baseline: string | null,
    r: FeedClientResult,
    cpuSeconds: number | null = null,
  ) => {
    out.push({
      backend: b.label,
      label,
      unit,
      baseline,
      perSecond: r.items / r.seconds,
      p50: r.p50,
      p99: r.p99,
      cpuUs: cpuSeconds === null ? null : (1e6 * cpuSeconds) / r.items,
      load: loadAverage(),
    });
  };
  const checkPass = (r: FeedClientResult, readers: number) => {
    const expected = (b.ranges[readers] ?? []).reduce((n, x) => n + x.events, 0);
    if (r.firstPassItems !== expected) throw new Error(`feed pass read ${r.firstPassItems} of ${expected} events`);
  };
  for (const readers of [1, 4]) {
    const ranges = b.ranges[readers] ?? [];
    const sqlLabel = `raw SQL pages of 100, ${readers} reader${readers > 1 ? 's' : ''}`;
    const sql = await runClient({ mode: 'sql-feed', durationMs, ranges, tenantId: b.feedTenant.id, ...b.sql });
    checkPass(sql, readers);
    add(sqlLabel, 'events/s', null, sql);
    if (readers === 1) {
      // What HTTP and the reader cost alone: the same page's bytes, served as they are.
      const ceiling = await staticPageCeiling(b, durationMs, ranges);
      checkPass(ceiling, readers);
      add('HTTP ceiling: one native page of 100, its bytes from node:http, 1 reader', 'events/s', null, ceiling);
    }
    for (const format of readers === 1 ? ['native', 'vendor'] : ['native']) {
      const meter = startCpuMeter(b.server);
      const r = await profiled(`feed-${b.label}-${format}-${readers}-${repeat}`, () =>
        runClient({ mode: 'http-feed', durationMs, origin: b.origin, headers: b.feedTenant.headers, format, ranges }),
      );
      const cpu = meter.stop();
      checkPass(r, readers);
      add(
        `GET /v1/events count=100 format=${format}, ${readers} reader${readers > 1 ? 's' : ''}`,
        'events/s',
        sqlLabel,
        r,
        cpu.seconds,
      );
    }
  }

  if (!WITH_LOGS) return out;
  const logSpec = { origin: b.origin, headers: b.logTenant.headers, logSize: LOG_SIZE };
  for (const [alg, prefix] of [
    ['EdDSA', 'ed'],
    ['PS512', 'ps'],
  ] as const) {
    const path = (name: string) => `/v1/subjects/${prefix}-${name}/events?limit=${LOG_SIZE}`;
    // cold: the first read signs and stores all 500 SETs (a fresh subject each repeat)
    const cold = await runClient({
      mode: 'http-log',
      durationMs: 0,
      once: true,
      logPath: path(`cold-${repeat}`),
      ...logSpec,
    });
    add(`cold first read, ${alg} (signs ${LOG_SIZE})`, 'SETs/s', null, cold);
    // warm: the SETs are stored; the first read of the warm log signed them (repeat 0)
    if (repeat === 0)
      await runClient({ mode: 'http-log', durationMs: 0, once: true, logPath: path('warm'), ...logSpec });
    const sqlLabel = `raw SQL stored JWS, ${alg} log`;
    const sql = await runClient({
      mode: 'sql-log',
      durationMs,
      concurrency: LOG_CLIENTS,
      tenantId: b.logTenant.id,
      subjectId: `${prefix}-warm`,
      logSize: LOG_SIZE,
      ...b.sql,
    });
    add(sqlLabel, 'SETs/s', null, sql);
    const warm = await runClient({
      mode: 'http-log',
      durationMs,
      concurrency: LOG_CLIENTS,
      logPath: path('warm'),
      ...logSpec,
    });
    add(
      `GET /v1/subjects/{id}/events limit=${LOG_SIZE}, ${alg}, warm, ${LOG_CLIENTS} clients`,
      'SETs/s',
      sqlLabel,
      warm,
    );
  }
  return out;
}

async function closeBackend(b: Backend): Promise<void> {
  await b.runtime.close();
  if (b.dataDir) rmSync(b.dataDir, { recursive: true, force: true });
}

/** SQLite, then PostgreSQL when reachable (BENCH_FEED_BACKENDS); each fills once and runs `repeats` interleaved repeats. */
export async function benchFeed(opts: { repeats: number; durationMs: number; databaseUrl: string | null }) {
  const all: FeedFigure[] = [];
  const urls: Array<string | null> = [];
  if (BACKENDS.includes('sqlite')) urls.push(null);
  if (BACKENDS.includes('postgres') && opts.databaseUrl) urls.push(opts.databaseUrl);
  for (const url of urls) {
    const backend = await openBackend(url, opts.repeats);
    try {
      for (let i = 0; i < opts.repeats; i++) all.push(...(await oneRepeat(backend, i, opts.durationMs)));
    } finally {
      await closeBackend(backend);
    }
  }
  const groups = new Map<string, FeedFigure[]>();
  for (const f of all) {
    const key = `${f.backend}\u0000${f.label}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const rows = [...groups.values()].map((list) => {
    const first = list[0] as FeedFigure;
    return {
      ...first,
      perSecond: median(list.map((f) => f.perSecond)),
      p50: median(list.map((f) => f.p50)),
      p99: median(list.map((f) => f.p99)),
      cpuUs: first.cpuUs === null ? null : median(list.map((f) => f.cpuUs ?? Number.NaN)),
      runs: list.map((f) => Math.round(f.perSecond)),
      cpuRuns: list.map((f) => f.cpuUs),
      loads: list.map((f) => f.load),
    };
  });
  return rows.map((r) => {
    const base = r.baseline ? rows.find((x) => x.backend === r.backend && x.label === r.baseline) : undefined;
    return { ...r, ratio: base ? r.perSecond / base.perSecond : null };
  });
}

/** The Markdown lines of the scenario's table. */
export function feedTable(rows: Awaited<ReturnType<typeof benchFeed>>): string[] {
  const lines = [
    '### feed (pages of 100 through HTTP; SET logs of 500)',
    '',
    '| database | read | per second | × raw SQL | p50 ms | p99 ms | server CPU µs per item | runs (/s; CPU µs) | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ratio = r.ratio === null ? '—' : r.ratio.toFixed(2);
    const cpu = r.cpuUs === null ? '—' : r.cpuUs.toFixed(2);
    const cpuRuns = r.cpuUs === null ? '' : `; ${r.cpuRuns.map((c) => (c ?? Number.NaN).toFixed(2)).join(', ')}`;
    lines.push(
      `| ${r.backend} | ${r.label} | ${Math.round(r.perSecond)} ${r.unit} | ${ratio} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${cpu} | ${r.runs.join(', ')}${cpuRuns} | ${r.loads.map((l) => l.toFixed(1)).join(', ')} |`,
    );
  }
  lines.push('');
  return lines;
}
