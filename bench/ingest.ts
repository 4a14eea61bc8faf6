/**
 * Ingest: transitions/s accepted through the HTTP API by 64 concurrent
 * clients, each 201 only after the commit is durable (SQLite WAL with
 * synchronous=FULL; PostgreSQL with its default synchronous_commit=on).
 * Baselines in the same run: the same HTTP stack (fastify) answering 201
 * without storage, i.e. the raw HTTP ceiling of this machine; and the durable
 * services a user would hand-roll, one INSERT per request on SQLite and on
 * PostgreSQL, plus pgbench's rate for that INSERT (`ingest-baselines.ts`).
 * Each Tidings row is given as a ratio of the baseline on its own database
 * (issue 17's bars).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../src/config/config.js';
import { createRuntime } from '../src/server/create-runtime.js';
import { startCpuMeter, thisProcess } from './cpu-accounting.js';
import {
  ingestCpuGroups,
  PG_SINGLE_INSERT,
  PGBENCH_SINGLE_INSERT,
  pgbenchSingleInsert,
  postgresSingleInsert,
  SQLITE_SINGLE_INSERT,
  sqliteSingleInsert,
} from './ingest-baselines.js';
import { type IngestFigures, ingestFigures, ingestSubjects } from './ingest-kit.js';
import { runLoad } from './run-load.js';
import { median } from './stats.js';

const CONCURRENCY = 64;
const BODY = JSON.stringify({ type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE', data: { note: 'x'.repeat(200) } });

async function rawCeiling(durationMs: number): Promise<IngestFigures> {
  const app = Fastify();
  app.post('/v1/subjects/:id/events', async (_req, reply) => reply.status(201).send({ ok: true }));
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const meter = startCpuMeter([thisProcess('server')]);
    const r = await runLoad({
      origin,
      paths: ['/v1/subjects/s/events'],
      body: BODY,
      concurrency: CONCURRENCY,
      durationMs,
    });
    return ingestFigures('raw HTTP ceiling (fastify, no storage)', r, meter.stop());
  } finally {
    await app.close();
  }
}

async function tidings(durationMs: number, databaseUrl: string | null): Promise<IngestFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-'));
  const config = loadConfig({
    TIDINGS_DATA_DIR: dataDir,
    TIDINGS_ADMIN_TOKEN: 'bench',
    TIDINGS_LOG_LEVEL: 'silent',
    TIDINGS_ROLE: 'api',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const runtime = await createRuntime(config);
  try {
    const origin = await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    const tenant = await runtime.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: 'Bearer bench' },
      payload: { name: 'bench' },
    });
    const auth = { authorization: `Bearer ${tenant.json().apiKey}` };
    const paths = await ingestSubjects(runtime.app, auth, CONCURRENCY);
    const meter = startCpuMeter(ingestCpuGroups(databaseUrl));
    const r = await runLoad({ origin, paths, body: BODY, headers: auth, concurrency: CONCURRENCY, durationMs });
    const cpu = meter.stop();
    if (process.env.INGEST_CPU_GROUPS) {
      // where the CPU went, per event (µs), group by group: the server against its database's backends
      const parts = cpu.groups.map((g) => `${g.name} ${Math.round((1e6 * g.seconds) / Math.max(1, r.ok))}`);
      process.stderr.write(`ingest cpu µs/event (Tidings on ${runtime.store.kind}): ${parts.join('; ')}\n`);
    }
    return ingestFigures(`Tidings on ${runtime.store.kind}`, r, cpu);
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What each Tidings row is read against: the baselines on its own database, with the names the table shows. */
const COMPARED: Record<string, Array<{ label: string; name: string }>> = {
  'Tidings on sqlite': [{ label: SQLITE_SINGLE_INSERT, name: 'fastify + SQLite' }],
  'Tidings on postgres': [
    { label: PG_SINGLE_INSERT, name: 'fastify + PostgreSQL' },
    { label: PGBENCH_SINGLE_INSERT, name: 'pgbench' },
  ],
};

/**
 * Runs each configuration `repeats` times, interleaved, and keeps the medians;
 * `against` holds the Tidings rows' ratios to their baselines (ratios of the medians).
 */
export async function benchIngest(opts: { repeats: number; durationMs: number; databaseUrl: string | null }) {
  const runs: Record<string, IngestFigures[]> = {};
  const add = (f: IngestFigures | null) => {
    if (!f) return;
    runs[f.label] ??= [];
    runs[f.label]?.push(f);
  };
  const load = { concurrency: CONCURRENCY, body: BODY, durationMs: opts.durationMs };
  for (let i = 0; i < opts.repeats; i++) {
    add(await rawCeiling(opts.durationMs));
    add(await tidings(opts.durationMs, null));
    add(await sqliteSingleInsert(load));
    if (opts.databaseUrl) {
      add(await tidings(opts.durationMs, opts.databaseUrl));
      add(await postgresSingleInsert(load));
      add(await pgbenchSingleInsert(load));
    }
  }
  const rows = Object.values(runs).map((list) => ({
    label: list[0]?.label ?? '',
    perSecond: median(list.map((f) => f.perSecond)),
    p50: median(list.map((f) => f.p50)),
    p99: median(list.map((f) => f.p99)),
    cpuMsPerEvent: median(list.map((f) => f.cpuMsPerEvent)),
    failed: list.reduce((n, f) => n + f.failed, 0),
    runs: list.map((f) => Math.round(f.perSecond)),
  }));
  return rows.map((row) => ({
    ...row,
    against: (COMPARED[row.label] ?? []).flatMap(({ label, name }) => {
      const baseline = rows.find((r) => r.label === label);
      return baseline ? [{ name, ratio: row.perSecond / baseline.perSecond }] : [];
    }),
  }));
}
