/**
 * The feed scenario's reader, run as its own process (see feed.ts). One JSON
 * spec in argv[2], one JSON line out: `{items, requests, seconds, passes,
 * firstPassItems, p50, p99}`.
 *
 * Modes, each with its same-run baseline:
 * - `http-feed`: `GET /v1/events?count=100&format=` following `lastEventId`,
 *   one reader per range in `ranges` (keep-alive undici Pool), whole ranges
 *   over and over until `durationMs` has passed and every reader finished
 *   at least one full pass.
 * - `sql-feed`: the same 100-row pages straight from the database
 *   (`WHERE tenant_id = ? AND sequence > ? ORDER BY sequence LIMIT 100`),
 *   better-sqlite3 on the same file, or pg on the same database.
 * - `http-log`: `GET <logPath>` (a SET log of `logSize` SETs) by `concurrency`
 *   clients in a closed loop; `once` makes one request (the cold, first read).
 * - `sql-log`: the stored JWS of the same log straight from `event_sets`.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { Pool } from 'undici';

export interface FeedRange {
  /** Cursor before the range: null for the start of the feed. */
  afterEventId: string | null;
  afterSequence: number;
  /** Events in the range (a pass reads exactly this many). */
  events: number;
}

export interface FeedClientSpec {
  mode: 'http-feed' | 'sql-feed' | 'http-log' | 'sql-log';
  durationMs: number;
  origin?: string;
  headers?: Record<string, string>;
  format?: string;
  pageSize?: number;
  ranges?: FeedRange[];
  logPath?: string;
  logSize?: number;
  concurrency?: number;
  once?: boolean;
  tenantId?: string;
  subjectId?: string;
  sqlitePath?: string;
  databaseUrl?: string;
}

export interface FeedClientResult {
  items: number;
  requests: number;
  seconds: number;
  passes: number;
  /** Events the first full pass over all ranges returned (must equal their total). */
  firstPassItems: number;
  p50: number;
  p99: number;
}

/** What a page read returns: its items and the cursor after it. */
type PageReader = (
  after: { id: string | null; sequence: number },
  limit: number,
) => Promise<{ count: number; lastId: string | null; lastSequence: number }>;

const spec = JSON.parse(process.argv[2] ?? '{}') as FeedClientSpec;
const latencies: number[] = [];
let items = 0;
let requests = 0;
let passes = 0;
let firstPassItems = 0;

async function timed<T>(fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await fn();
  latencies.push(performance.now() - start);
  requests += 1;
  return value;
}

/** Reads `range` page by page, again and again, until the deadline (after at least one whole pass). */
async function readRange(range: FeedRange, read: PageReader, deadline: number): Promise<void> {
  const limit = spec.pageSize ?? 100;
  let first = true;
  // bounded: each pass is finite, and passes stop at the deadline
  while (first || performance.now() < deadline) {
    let cursor = { id: range.afterEventId, sequence: range.afterSequence };
    let left = range.events;
    while (left > 0) {
      const page = await timed(() => read(cursor, Math.min(limit, left)));
      if (page.count === 0) throw new Error(`empty page after ${cursor.sequence}, ${left} events left in range`);
      items += page.count;
      if (first) firstPassItems += page.count;
      left -= page.count;
      cursor = { id: page.lastId, sequence: page.lastSequence };
      if (!first && performance.now() >= deadline) return;
    }
    passes += 1;
    first = false;
  }
}

async function feed(read: PageReader): Promise<void> {
  const deadline = performance.now() + spec.durationMs;
  await Promise.all((spec.ranges ?? []).map((r) => readRange(r, read, deadline)));
}

async function closedLoop(request: () => Promise<number>): Promise<void> {
  const deadline = performance.now() + spec.durationMs;
  const client = async () => {
    do {
      items += await timed(request);
    } while (!spec.once && performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: spec.once ? 1 : (spec.concurrency ?? 1) }, client));
}

const FEED_SQL = 'SELECT * FROM events WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3';
const LOG_SQL = `SELECT s.jws FROM events e JOIN event_sets s ON s.tenant_id = e.tenant_id AND s.event_sequence = e.sequence
  WHERE e.tenant_id = $1 AND e.subject_id = $2 ORDER BY e.sequence LIMIT $3`;

async function main(): Promise<void> {
  const connections = Math.max(spec.ranges?.length ?? 1, spec.concurrency ?? 1);
  if (spec.mode === 'http-feed' || spec.mode === 'http-log') {
    const pool = new Pool(spec.origin ?? '', { connections, pipelining: 1 });
    const get = async (path: string) => {
      const res = await pool.request({ method: 'GET', path, headers: spec.headers ?? {} });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    try {
      if (spec.mode === 'http-feed') {
        await feed(async (after, limit) => {
          const cursor = after.id ? `&afterEventId=${after.id}` : '';
          const body = (await get(`/v1/events?count=${limit}&format=${spec.format}${cursor}`)) as {
            lastEventId: string | null;
            events: unknown[];
          };
          // sequence is unknown over HTTP and not needed: the id is the cursor
          return { count: body.events.length, lastId: body.lastEventId, lastSequence: 0 };
        });
      } else {
        await closedLoop(async () => {
          const body = (await get(spec.logPath ?? '')) as { eventLog: string[] };
          if (body.eventLog.length !== spec.logSize || body.eventLog.some((jws) => !jws)) {
            throw new Error(`log returned ${body.eventLog.length} SETs, expected ${spec.logSize}`);
          }
          return body.eventLog.length;
        });
      }
    } finally {
      await pool.close();
    }
  } else if (spec.sqlitePath) {
    const db = new Database(spec.sqlitePath, { readonly: true, fileMustExist: true });
    const pageSql = db.prepare(FEED_SQL.replace(/\$\d/g, '?'));
    const logSql = db.prepare(LOG_SQL.replace(/\$\d/g, '?'));
    try {
      if (spec.mode === 'sql-feed') {
        await feed(async (after, limit) => {
          const rows = pageSql.all(spec.tenantId, after.sequence, limit) as Array<{ id: string; sequence: number }>;
          const last = rows.at(-1);
          return { count: rows.length, lastId: last?.id ?? null, lastSequence: last?.sequence ?? after.sequence };
        });
      } else {
        await closedLoop(async () => (logSql.all(spec.tenantId, spec.subjectId, spec.logSize) as unknown[]).length);
      }
    } finally {
      db.close();
    }
  } else {
    const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: connections });
    try {
      if (spec.mode === 'sql-feed') {
        await feed(async (after, limit) => {
          const { rows } = await pool.query<{ id: string; sequence: string }>({
            name: 'bench_feed_page',
            text: FEED_SQL,
            values: [spec.tenantId, after.sequence, limit],
          });
          const last = rows.at(-1);
          return {
            count: rows.length,
            lastId: last?.id ?? null,
            lastSequence: last ? Number(last.sequence) : after.sequence,
          };
        });
      } else {
        await closedLoop(async () => {
          const { rows } = await pool.query({
            name: 'bench_log',
            text: LOG_SQL,
            values: [spec.tenantId, spec.subjectId, spec.logSize],
          });
          return rows.length;
        });
      }
    } finally {
      await pool.end();
    }
  }
}

const started = performance.now();
await main();
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
const result: FeedClientResult = { items, requests, seconds, passes, firstPassItems, p50: at(0.5), p99: at(0.99) };
process.stdout.write(`${JSON.stringify(result)}\n`);
