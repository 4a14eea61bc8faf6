/**
 * Ingest baselines (issue 17): the durable service a user would hand-roll
 * instead of Tidings, under the same 64 clients and body (`runLoad`), each
 * answering 201 only after its INSERT committed durably:
 *   - fastify + better-sqlite3: WAL with `synchronous = FULL` (Tidings' SQLite
 *     durability), one autocommit INSERT (its own transaction) per request.
 *     better-sqlite3 is synchronous, so each request's INSERT and the fsync
 *     inside its COMMIT block the event loop: requests are written one after
 *     the other, which is what the naive service does;
 *   - fastify + PostgreSQL (`pg.Pool`), `synchronous_commit` at its default
 *     (on), one autocommit INSERT per request, no batching;
 *   - pgbench, the same INSERT from 64 clients with no HTTP in front:
 *     PostgreSQL's own ceiling for this row on this machine.
 * Each PostgreSQL baseline gets a fresh database (dropped after).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { postgresTestDatabase } from '../test/helpers/postgres.js';
import { type ProcessGroup, postgresBackends, postgresShared, startCpuMeter, thisProcess } from './cpu-accounting.js';
import { type IngestFigures, ingestFigures } from './ingest-kit.js';
import { runLoad } from './run-load.js';

/** What every ingest row shares: the clients' number, the body, the window. */
export interface IngestLoad {
  concurrency: number;
  body: string;
  durationMs: number;
}

/**
 * The PostgreSQL service's pool. Smoke runs of 2 s, interleaved, on a machine shared with other
 * benchmarks (load 5–7 on 2 cores), inserts/s: 16 connections 3,119 / 3,265 / 483 / 944;
 * 32: 4,453 / 2,774 / 426 / 1,033; 64: 4,270 / 3,163 / 680 / 762. Within the noise, 32 was never
 * clearly behind and was ahead in the quietest run; kept 32 (half the clients: concurrent COMMITs
 * share WAL flushes, fewer backends than clients spare the 2 cores some switching).
 */
const PG_POOL_SIZE = 32;

export const SQLITE_SINGLE_INSERT = 'fastify + SQLite, one INSERT per request (WAL, synchronous=FULL)';
export const PG_SINGLE_INSERT = `fastify + PostgreSQL, one INSERT per request (pg.Pool of ${PG_POOL_SIZE})`;
export const PGBENCH_SINGLE_INSERT = 'pgbench, 64 clients, one INSERT per transaction (no HTTP)';

const PG_TABLE = `CREATE TABLE events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject_id text NOT NULL,
  type text NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;
const PG_INSERT = 'INSERT INTO events (subject_id, type, body) VALUES ($1, $2, $3) RETURNING id, created_at';

/** Each client its own subject, as in Tidings' rows. */
const subjectPaths = (n: number) => Array.from({ length: n }, (_, i) => `/v1/subjects/bench-${i}/events`);

/** The server (this process) and, on PostgreSQL, its database's backends and the server's shared processes. */
export function ingestCpuGroups(databaseUrl: string | null): ProcessGroup[] {
  const server = thisProcess('server');
  if (!databaseUrl) return [server];
  return [server, postgresBackends(new URL(databaseUrl).pathname.slice(1)), postgresShared()];
}

/** Listens, runs the load against `app` with the CPU of `groups` metered, closes it. */
async function measure(
  app: FastifyInstance,
  label: string,
  load: IngestLoad,
  groups: ProcessGroup[],
): Promise<IngestFigures> {
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const meter = startCpuMeter(groups);
    const r = await runLoad({ origin, paths: subjectPaths(load.concurrency), ...load });
    return ingestFigures(label, r, meter.stop());
  } finally {
    await app.close();
  }
}

type EventRequest = { Params: { id: string }; Body: { type?: unknown } };

/** The body's `type`, the one field the hand-rolled service checks. */
const typeOf = (body: { type?: unknown } | undefined) => (typeof body?.type === 'string' ? body.type : null);

export async function sqliteSingleInsert(load: IngestLoad): Promise<IngestFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-sqlite-'));
  const db = new Database(join(dir, 'events.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(
      'CREATE TABLE events (id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)',
    );
    const insert = db.prepare('INSERT INTO events (id, subject_id, type, body, created_at) VALUES (?, ?, ?, ?, ?)');
    const app = Fastify();
    app.post<EventRequest>('/v1/subjects/:id/events', async (req, reply) => {
      const type = typeOf(req.body);
      if (!type) return reply.status(400).send({ error: 'type required' });
      const id = randomUUID();
      const createdAt = new Date().toISOString();
      insert.run(id, req.params.id, type, JSON.stringify(req.body), createdAt);
      return reply.status(201).send({ id, createdAt });
    });
    return await measure(app, SQLITE_SINGLE_INSERT, load, ingestCpuGroups(null));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh database with the events table, dropped by `drop()`; null without a PostgreSQL server. */
async function eventsDatabase() {
  const database = await postgresTestDatabase();
  if (!database.available) return null;
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    await client.query(PG_TABLE);
  } finally {
    await client.end();
  }
  return database;
}

export async function postgresSingleInsert(load: IngestLoad, poolSize = PG_POOL_SIZE): Promise<IngestFigures | null> {
  const database = await eventsDatabase();
  if (!database) return null;
  const pool = new pg.Pool({ connectionString: database.url, max: poolSize });
  // pool.end() resolves before its clients' sockets close, so drop()'s pg_terminate_backend can
  // reach an idle one: an 'error' on the pool that, unheard, would end the process.
  pool.on('error', () => {});
  try {
    // Connections opened before the clock, as pgbench's tps leaves out its connection time.
    await Promise.all(Array.from({ length: poolSize }, () => pool.query('SELECT 1')));
    const app = Fastify();
    app.post<EventRequest>('/v1/subjects/:id/events', async (req, reply) => {
      const type = typeOf(req.body);
      if (!type) return reply.status(400).send({ error: 'type required' });
      const { rows } = await pool.query(PG_INSERT, [req.params.id, type, JSON.stringify(req.body)]);
      return reply.status(201).send(rows[0]);
    });
    const label = poolSize === PG_POOL_SIZE ? PG_SINGLE_INSERT : PG_SINGLE_INSERT.replace(/\d+\)$/, `${poolSize})`);
    return await measure(app, label, load, ingestCpuGroups(database.url ?? null));
  } finally {
    await pool.end();
    await database.drop();
  }
}

let pgbenchMissingSaid = false;

/**
 * pgbench (`-n -c 64 -j 2 -T s`, simple protocol) running the same INSERT with
 * the body as a literal; per-transaction latencies from its `-l` logs. Null
 * (with a note, once) when pgbench is not on PATH or there is no server.
 */
export async function pgbenchSingleInsert(load: IngestLoad): Promise<IngestFigures | null> {
  if (spawnSync('pgbench', ['--version']).error) {
    if (!pgbenchMissingSaid) console.warn('ingest: pgbench not on PATH, its baseline row is skipped');
    pgbenchMissingSaid = true;
    return null;
  }
  const database = await eventsDatabase();
  if (!database) return null;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-pgbench-'));
  try {
    const script = join(dir, 'insert.sql');
    const literal = load.body.replaceAll("'", "''");
    writeFileSync(
      script,
      `INSERT INTO events (subject_id, type, body) VALUES ('bench-' || :client_id, 'VIDEOID_UPDATED', '${literal}'::jsonb) RETURNING id, created_at;\n`,
    );
    const seconds = Math.max(1, Math.round(load.durationMs / 1000));
    const args = ['-n', '-c', String(load.concurrency), '-j', '2', '-T', String(seconds), '-f', script];
    // pgbench itself is the load (its clients), not the server: its database's processes are what is counted
    const meter = startCpuMeter(ingestCpuGroups(database.url ?? null).slice(1));
    const out = await pgbench([...args, '-l', `--log-prefix=${join(dir, 'log')}`, database.url]);
    const cpu = meter.stop();
    const tps = /^tps = ([\d.]+)/m.exec(out);
    const failed = /^number of failed transactions: (\d+)/m.exec(out);
    const processed = /^number of transactions actually processed: (\d+)/m.exec(out);
    if (!tps) throw new Error(`pgbench printed no tps line:\n${out}`);
    const latencies = transactionLatenciesMs(dir);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      label: PGBENCH_SINGLE_INSERT,
      perSecond: Number(tps[1]),
      p50: at(0.5),
      p99: at(0.99),
      failed: Number(failed?.[1] ?? 0),
      cpuMsPerEvent: (1000 * cpu.seconds) / Math.max(1, Number(processed?.[1] ?? Number(tps[1]) * seconds)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

function pgbench(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`pgbench exited ${code}: ${err}`))));
  });
}

/** pgbench's `-l` lines: `client_id transaction_no time_us script_no epoch epoch_us`; sorted, in ms. */
function transactionLatenciesMs(dir: string): number[] {
  const latencies: number[] = [];
  for (const name of readdirSync(dir).filter((n) => n.startsWith('log.'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const micros = Number(line.split(' ')[2]);
      if (line && Number.isFinite(micros)) latencies.push(micros / 1000);
    }
  }
  return latencies.sort((a, b) => a - b);
}
