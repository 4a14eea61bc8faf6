/**
 * What render snapshots cost (issue 13): every event stores the subject, its
 * parent and its listed children as they were at the commit
 * (`events.render_context`), so renderings never change. Measured in one
 * build, side by side in the same run, on each backend:
 *
 * - ingest: transitions/s through `POST /v1/subjects/{id}/events` (64 clients
 *   in a separate process, as the `ingest` scenario: VIDEOID_UPDATED on
 *   videoid requests, a family event, the case with the most snapshot reads),
 *   with snapshots, and with the store's bench-only `renderSnapshots: false`
 *   (events written as before issue 13);
 * - feed read: events/s through `GET /v1/events?count=100&format=vendor`
 *   (the Uanataca envelope, which lists the request's certificates), one reader
 *   in a separate process over `BENCH_SNAPSHOT_EVENTS` events (default 20,000,
 *   10 per request), of two tenants filled alike: one with snapshots, one whose
 *   `render_context` was then set NULL, so its pages render from the current
 *   subjects (one subject query and one children query per page).
 *
 * Each repeat runs every configuration once, the order of "with" and
 * "without" swapped every other repeat; medians of `BENCH_REPEATS`.
 * `BENCH_ONLY=snapshots npm run bench`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/config.js';
import { createRuntime, type Runtime } from '../src/server/create-runtime.js';
import { PostgresStore } from '../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import type { FeedClientResult, FeedClientSpec } from './feed-client.js';
import { fillSubjects } from './feed-fill.js';
import { ingestSubjects } from './ingest-kit.js';
import { runLoad } from './run-load.js';
import { median } from './stats.js';

const CLIENT = fileURLToPath(new URL('./feed-client.js', import.meta.url));
const FEED_EVENTS = Number(process.env.BENCH_SNAPSHOT_EVENTS ?? 20_000);
const EVENTS_PER_SUBJECT = 10;
const CONCURRENCY = 64;
const BODY = JSON.stringify({ type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE', data: { note: 'x'.repeat(200) } });

type Mode = 'with snapshots' | 'without snapshots';
const MODES: Mode[] = ['with snapshots', 'without snapshots'];

export interface SnapshotFigure {
  backend: string;
  measure: 'ingest transitions/s' | 'feed events/s (vendor)';
  mode: Mode;
  runs: number[];
  perSecond: number;
}

function configFor(dataDir: string, databaseUrl: string | null) {
  return loadConfig({
    TIDINGS_DATA_DIR: dataDir,
    TIDINGS_ADMIN_TOKEN: 'bench',
    TIDINGS_LOG_LEVEL: 'silent',
    TIDINGS_ROLE: 'api',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
}

function storeFor(dataDir: string, databaseUrl: string | null, renderSnapshots: boolean) {
  return databaseUrl
    ? new PostgresStore({ connectionString: databaseUrl, renderSnapshots })
    : new SqliteStore({ path: join(dataDir, 'tidings.sqlite'), renderSnapshots });
}

async function tenant(runtime: Runtime, name: string) {
  const res = await runtime.app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: { authorization: 'Bearer bench' },
    payload: { name },
  });
  const body = res.json() as { id: string; apiKey: string };
  return { id: body.id, headers: { authorization: `Bearer ${body.apiKey}` } };
}

/** One ingest run on a fresh runtime (a fresh tenant on PostgreSQL's shared database). */
async function ingest(databaseUrl: string | null, mode: Mode, durationMs: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-snap-'));
  const runtime = await createRuntime(configFor(dataDir, databaseUrl), {
    store: storeFor(dataDir, databaseUrl, mode === 'with snapshots'),
  });
  try {
    const origin = await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    const { headers } = await tenant(runtime, `ingest ${mode}`);
    const paths = await ingestSubjects(runtime.app, headers, CONCURRENCY, 'snap');
    const r = await runLoad({ origin, paths, body: BODY, headers, concurrency: CONCURRENCY, durationMs });
    if (r.failed > 0) throw new Error(`snapshots ingest: ${r.failed} requests failed`);
    return r.ok / r.seconds;
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function readFeed(spec: FeedClientSpec): Promise<FeedClientResult> {
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

/** A runtime with two tenants holding the same events, one of them with its snapshots removed. */
async function feedBackend(databaseUrl: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-snap-feed-'));
  const runtime = await createRuntime(configFor(dataDir, databaseUrl));
  const origin = await runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const tenants = {} as Record<Mode, { id: string; headers: Record<string, string> }>;
  const plans = Array.from({ length: Math.ceil(FEED_EVENTS / EVENTS_PER_SUBJECT) }, (_, i) => ({
    workflow: 'videoid-request',
    id: `feed-${i}`,
    attributes: { profile: 'PFnubeQAFCiudadano', registration_authority: 139, pk: `feed-${i}` },
    events: Array.from({ length: EVENTS_PER_SUBJECT - 1 }, (_, k) => ({
      type: 'VIDEOID_UPDATED',
      to: 'VIDEOINCOMPLETE',
      data: { upload: k, note: 'x'.repeat(200) },
    })),
  }));
  for (const mode of MODES) {
    tenants[mode] = await tenant(runtime, `feed ${mode}`);
    await fillSubjects(runtime.store, runtime.registry, tenants[mode].id, plans);
  }
  const without = tenants['without snapshots'].id;
  if (runtime.store.kind === 'postgres') {
    const { pool } = runtime.store as PostgresStore;
    await pool.query({ text: 'UPDATE events SET render_context = NULL WHERE tenant_id = $1', values: [without] });
    await pool.query('VACUUM ANALYZE events');
  } else {
    (runtime.store as SqliteStore).db
      .prepare('UPDATE events SET render_context = NULL WHERE tenant_id = ?')
      .run(without);
  }
  return {
    label: runtime.store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL',
    async read(mode: Mode, durationMs: number): Promise<number> {
      const r = await readFeed({
        mode: 'http-feed',
        durationMs,
        origin,
        headers: tenants[mode].headers,
        format: 'vendor',
        ranges: [{ afterEventId: null, afterSequence: 0, events: FEED_EVENTS }],
      });
      if (r.firstPassItems !== FEED_EVENTS) throw new Error(`feed pass read ${r.firstPassItems} of ${FEED_EVENTS}`);
      return r.items / r.seconds;
    },
    async close() {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function benchSnapshots(opts: { repeats: number; durationMs: number; databaseUrl: string | null }) {
  const backends = [null, ...(opts.databaseUrl ? [opts.databaseUrl] : [])];
  const runs = new Map<string, SnapshotFigure>();
  const record = (backend: string, measure: SnapshotFigure['measure'], mode: Mode, perSecond: number) => {
    const key = `${backend}|${measure}|${mode}`;
    const figure = runs.get(key) ?? { backend, measure, mode, runs: [], perSecond: 0 };
    figure.runs.push(perSecond);
    runs.set(key, figure);
  };
  for (const databaseUrl of backends) {
    const feed = await feedBackend(databaseUrl);
    try {
      for (let i = 0; i < opts.repeats; i++) {
        const order = i % 2 === 0 ? MODES : [...MODES].reverse();
        for (const mode of order)
          record(feed.label, 'ingest transitions/s', mode, await ingest(databaseUrl, mode, opts.durationMs));
        for (const mode of order)
          record(feed.label, 'feed events/s (vendor)', mode, await feed.read(mode, opts.durationMs));
      }
    } finally {
      await feed.close();
    }
  }
  return [...runs.values()].map((f) => ({ ...f, perSecond: median(f.runs), runs: f.runs.map(Math.round) }));
}

export function snapshotsTable(rows: SnapshotFigure[]): string[] {
  const lines = [
    '### snapshots (render snapshots stored with each event vs none, same build, same run)',
    '',
    '| backend | measure | with snapshots /s | without /s | with ÷ without | runs with | runs without |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const find = (b: string, m: string, mode: Mode) =>
    rows.find((r) => r.backend === b && r.measure === m && r.mode === mode);
  for (const r of rows.filter((x) => x.mode === 'with snapshots')) {
    const w = find(r.backend, r.measure, 'without snapshots');
    if (!w) continue;
    lines.push(
      `| ${r.backend} | ${r.measure} | ${Math.round(r.perSecond)} | ${Math.round(w.perSecond)} | ${(r.perSecond / w.perSecond).toFixed(2)} | ${r.runs.join(', ')} | ${w.runs.join(', ')} |`,
    );
  }
  lines.push('');
  return lines;
}
