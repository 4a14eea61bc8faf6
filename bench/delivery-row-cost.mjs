#!/usr/bin/env node
// What a delivery row costs PostgreSQL on the happy path (issue 17's "no delivery
// row" lever), measured at the SQL level before anyone builds it. After
// `npm run build` (or `npx tsc -p tsconfig.json`):
//
//   node bench/delivery-row-cost.mjs
//   ROW_COST_EVENTS=2000 ROW_COST_REPEATS=1 node bench/delivery-row-cost.mjs   # smoke
//
// A fresh database on `TIDINGS_TEST_DATABASE_URL` (default
// postgres://postgres@127.0.0.1:5432/postgres; dropped at the end, also on error
// or Ctrl-C) gets the real schema (`migrate()` of the PostgreSQL store, from
// dist/) plus one prototype table, `endpoint_cursors`. One tenant, one enabled
// endpoint (unordered, no filter) and ROW_COST_EVENTS events (default 40,000,
// 10 per subject, ~250-byte data, ~700-byte render snapshot) are written by SQL.
// Then each design replays the statements a worker would run to deliver every
// event once, successfully, in batches of ROW_COST_BATCH (64) from one client
// process, one round trip per statement:
//
// A  today, the product's statement texts, per tick as the dispatcher runs
//    them with a backlog: the outbox head probe; while the outbox has rows the
//    fan-out transaction of ROW_COST_FANOUT_BATCH (500, `fanOutBatch`) rows
//    (BEGIN, advisory lock, FAN_OUT_BATCH_SQL, the tenant's endpoints, INSERT of
//    the delivery rows, DELETE of the outbox rows, COMMIT, as
//    `PostgresDeliveryStore.fanOut`); the lease (`LEASE_SQL`, named, on a
//    connection with `DISPATCH_SESSION_OPTIONS`, autocommit); the record
//    (`RECORD_BATCH_SQL`, read from the source, named, autocommit as
//    `recordBatchInOneStatement`). Unnamed where the product is unnamed. The
//    outbox rows are written before the clock (ingest writes them).
// B  cursor + final row: per batch one statement claims the endpoint's next
//    range (UPDATE of its cursor's lease, HOT: the table has only its key) and
//    returns the range's events with the columns the lease returns today and
//    their subjects' attributes (matching reads them); one statement advances
//    the cursor and INSERTs the already-final delivery rows (status succeeded:
//    the partial indexes get no entry) and the attempts.
// C  cursor + attempts only: as B without the delivery rows.
//
// Assumed: one lease and one record of a whole batch per tick (a real
// dispatcher also probes on idle ticks and leases in refill groups of 16; left
// out alike for every design). Writing commits: A 3 per batch (lease, record,
// and the fan-out's every 500 / 64 batches), B and C 2 (claim, record);
// synchronous_commit as the server has it. Designs interleave (A B C A B C ...),
// ROW_COST_REPEATS (3) times; before each run the delivery tables are emptied,
// the outbox or the cursor set up, and a CHECKPOINT taken, none of it measured.
// ROW_COST_EXPLAIN=1 prints the plan of each design's first read.
//
// Measured per run: wall time; statements (round trips) sent; CPU (utime +
// stime from /proc, `dist/bench/cpu-accounting.js`) of this database's
// backends, of the server's walwriter, and of its checkpointer + background
// writer; WAL bytes by `pg_current_wal_lsn()` (the whole server: other work on
// the machine adds to it) and by pg_stat_statements' `wal_bytes` for this
// database's statements (no commit records); the size of deliveries,
// delivery_attempts, outbox and endpoint_cursors with their indexes after the
// run. Printed: a Markdown table of medians with every run, ratios B/A and C/A,
// and pg_stat_statements' execution time per delivery for each statement.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { pidsWhere, postgresBackends, startCpuMeter } from '../dist/bench/cpu-accounting.js';
import {
  ATTEMPT_COLUMNS,
  DELIVERY_COLUMNS,
  ENDPOINT_COLUMNS,
  LEASED_EVENT_COLUMNS,
} from '../dist/src/delivery/storage/delivery-rows.js';
import { FAN_OUT_BATCH_SQL, FANOUT_LOCK_KEY } from '../dist/src/delivery/storage/postgres-fan-out-sql.js';
import { DISPATCH_SESSION_OPTIONS, LEASE_SQL } from '../dist/src/delivery/storage/postgres-lease-sql.js';
import { newEventId } from '../dist/src/events/event-id.js';
import { migrate } from '../dist/src/storage/postgres/migrate.js';

const EVENTS = Number(process.env.ROW_COST_EVENTS ?? 40_000);
const REPEATS = Number(process.env.ROW_COST_REPEATS ?? 3);
const BATCH = Number(process.env.ROW_COST_BATCH ?? 64);
/** The dispatcher's `fanOutBatch`. */
const FAN_OUT_BATCH = Number(process.env.ROW_COST_FANOUT_BATCH ?? 500);
const DESIGNS = (process.env.ROW_COST_DESIGNS ?? 'A,B,C').split(',');
const SERVER = process.env.TIDINGS_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const TENANT = 'ten_rowcost';
const ENDPOINT = 'ep_rowcost';
/** The dispatcher's defaults: 256 in flight, 64 per endpoint, refill groups of 16, 30 s + 15 s lease. */
const LEASE = { limit: 256, cap: 64, minBatch: 16, ms: 45_000 };

/**
 * `RECORD_BATCH_SQL` as the source has it (it is not exported): the statement
 * text between its backticks, its one interpolation filled in the same way.
 */
function recordBatchSql() {
  const source = readFileSync(new URL('../src/delivery/storage/postgres-delivery-store.ts', import.meta.url), 'utf8');
  const found = source.match(/const RECORD_BATCH_SQL = `([\s\S]*?)`;/);
  if (!found?.[1]) throw new Error('RECORD_BATCH_SQL not found in postgres-delivery-store.ts');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the source's interpolation, matched as text
  const text = found[1].replace("${ATTEMPT_COLUMNS.replace('id, ', '')}", ATTEMPT_COLUMNS.replace('id, ', ''));
  if (text.includes('${')) throw new Error('RECORD_BATCH_SQL has an interpolation this bench does not know');
  return text;
}
const RECORD_BATCH_SQL = recordBatchSql();

/** The prototype's cursor: one row per endpoint, updated twice per batch, HOT (no index on what changes). */
const CURSOR_TABLE = `CREATE TABLE endpoint_cursors (
  endpoint_id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  position bigint NOT NULL,
  claimed_to bigint,
  lease_until bigint,
  lease_token text
) WITH (fillfactor = 50)`;

const EVENT_READ_COLUMNS = ['tenant_id', 'sequence', 'id', 'subject_id', ...LEASED_EVENT_COLUMNS];

/**
 * B and C's lease: each enabled, unpaused endpoint whose cursor is behind its
 * tenant's last sequence and not leased claims up to `$4` sequence numbers,
 * and the claimed range's events come back with the endpoint's version, as
 * `LEASE_SQL` returns them today, and each one's subject's attributes, which
 * matching reads as the fan-out's statement does (the render snapshot holds
 * them too; read anyway, so B and C are not favoured). Matching (event types,
 * filters) would run in the worker on these rows; an event that does not
 * match is skipped by the cursor's advance. The range is safe to read by sequence: a tenant's commits
 * become visible in sequence order (`commit-batch.ts`).
 */
const CLAIM_SQL = `WITH claimed AS (
  UPDATE endpoint_cursors c SET claimed_to = least(c.position + $4, t.last_sequence), lease_until = $2, lease_token = $3
  FROM endpoints e JOIN tenants t ON t.id = e.tenant_id
  WHERE e.id = c.endpoint_id AND e.enabled AND (e.probe_after IS NULL OR e.probe_after <= $1)
    AND c.position < t.last_sequence AND (c.lease_until IS NULL OR c.lease_until <= $1)
  RETURNING c.endpoint_id, c.tenant_id, c.position, c.claimed_to,
    e.updated_at || ':' || coalesce(e.failing_since::text, '') AS endpoint_version
)
SELECT c.endpoint_id, c.endpoint_version, c.claimed_to, ${EVENT_READ_COLUMNS.map((col) => `ev.${col}`).join(', ')},
  (SELECT s.attributes FROM subjects s WHERE s.tenant_id = ev.tenant_id AND s.id = ev.subject_id) AS subject_attributes
FROM claimed c CROSS JOIN LATERAL (
  SELECT ${EVENT_READ_COLUMNS.join(', ')} FROM events
  WHERE events.tenant_id = c.tenant_id AND events.sequence > c.position AND events.sequence <= c.claimed_to
  ORDER BY events.sequence
) ev`;

const ATTEMPT_ARRAYS = (from) => {
  const types = [
    'text',
    'text',
    'text',
    'text',
    'integer',
    'bigint',
    'text',
    'integer',
    'integer',
    'text',
    'text',
    'text',
  ];
  return types.map((t, k) => `$${from + k}::${t}[]`).join(', ');
};
const ATTEMPT_ALIAS = `a(tenant_id, endpoint_id, delivery_id, event_id, attempt, started_at, outcome, http_status, latency_ms,
      response_excerpt, error_class, error_message)`;

/** C's record: the cursor moves past the range while the lease holds, and the attempts are kept with it. */
const RECORD_ATTEMPTS_SQL = `WITH advanced AS (
  UPDATE endpoint_cursors SET position = $3, claimed_to = NULL, lease_until = NULL, lease_token = NULL
  WHERE endpoint_id = $1 AND lease_token = $2
  RETURNING endpoint_id
),
kept AS (
  INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS.replace('id, ', '')})
  SELECT a.* FROM unnest(${ATTEMPT_ARRAYS(4)}) AS ${ATTEMPT_ALIAS}
  WHERE EXISTS (SELECT 1 FROM advanced)
)
SELECT count(*)::int AS n FROM advanced`;

/** B's record: as C, plus the deliveries written once, already final. */
const RECORD_FINAL_SQL = RECORD_ATTEMPTS_SQL.replace(
  'SELECT count(*)::int AS n FROM advanced',
  `, final AS (
  INSERT INTO deliveries (${DELIVERY_COLUMNS})
  SELECT d.id, d.tenant_id, $1, d.event_sequence, d.event_id, d.subject_id, false, 'succeeded', 1, d.now_ms,
    NULL, NULL, NULL, d.now_ms, d.now_ms
  FROM unnest($16::text[], $17::text[], $18::bigint[], $19::text[], $20::text[], $21::bigint[])
    AS d(id, tenant_id, event_sequence, event_id, subject_id, now_ms)
  WHERE EXISTS (SELECT 1 FROM advanced)
)
SELECT count(*)::int AS n FROM advanced`,
);

/** One connection that counts its round trips. */
async function connect(database, options) {
  const url = new URL(SERVER);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString(), ...(options ? { options } : {}) });
  await client.connect();
  // DROP DATABASE ... WITH (FORCE) after Ctrl-C ends this connection: its query fails, the process does not
  client.on('error', () => {});
  const counted = {
    statements: 0,
    query(config) {
      counted.statements++;
      return client.query(config);
    },
    end: () => client.end(),
    raw: client,
  };
  return counted;
}

/** An attempt row's values (`attemptValues` order) for a 200 answered in 3 ms. */
function attemptOf(deliveryId, eventId, nowMs) {
  return [TENANT, ENDPOINT, deliveryId, eventId, 1, nowMs - 3, 'succeeded', 200, 3, null, null, null];
}
const columns = (rows) => Array.from({ length: 12 }, (_, k) => rows.map((r) => r[k]));

/**
 * Design A: per tick as the dispatcher runs it with a backlog, the fan-out
 * (while the outbox has rows: `fanOutBatch`, 500 by default, per transaction;
 * the head probe on every tick), then a lease and the batch's record.
 */
async function replayToday(main, lease) {
  let delivered = 0;
  for (;;) {
    const nowMs = Date.now();
    // fanOut(): the head probe, then one transaction
    const head = await main.query({ name: 'tidings-outbox-head', text: 'SELECT id FROM outbox ORDER BY id LIMIT 1' });
    if (head.rows.length > 0) await fanOut(main, nowMs);
    // lease()
    const leaseNow = Date.now();
    const leased = await lease.query({
      name: 'tidings-lease',
      text: LEASE_SQL,
      values: [leaseNow, leaseNow + LEASE.ms, randomUUID(), LEASE.cap, LEASE.limit, LEASE.minBatch, []],
    });
    if (leased.rows.length === 0) break;
    // recordAttempt() × batch → recordStatement(): sorted by id, one statement
    const doneMs = Date.now();
    const sorted = [...leased.rows].sort((a, b) => (a.id < b.id ? -1 : 1));
    const moved = await main.query({
      name: 'tidings-record-attempts',
      text: RECORD_BATCH_SQL,
      values: [
        sorted.map((d) => d.id),
        sorted.map((d) => d.lease_token),
        sorted.map(() => 'succeeded'),
        sorted.map(() => doneMs),
        sorted.map(() => null),
        sorted.map(() => doneMs),
        ...columns(sorted.map((d) => attemptOf(d.id, d.event_id, doneMs))),
      ],
    });
    if (moved.rows.length !== sorted.length) throw new Error(`A recorded ${moved.rows.length} of ${sorted.length}`);
    delivered += moved.rows.length;
  }
  return delivered;
}

/** `PostgresDeliveryStore.fanOut` after its probe found rows, for one unfiltered endpoint (matching is Node's). */
async function fanOut(main, nowMs) {
  await main.query('BEGIN');
  await main.query({ text: 'SELECT pg_try_advisory_xact_lock($1::bigint) AS ok', values: [FANOUT_LOCK_KEY] });
  const { rows } = await main.query({ text: FAN_OUT_BATCH_SQL, values: [FAN_OUT_BATCH, FANOUT_LOCK_KEY] });
  await main.query({
    text: `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE tenant_id = $1 AND enabled ORDER BY id`,
    values: [TENANT],
  });
  const values = [];
  for (const row of rows) {
    values.push(`dlv_${newEventId()}`, row.tenant_id, ENDPOINT, row.sequence, row.id, row.subject_id, false, nowMs);
  }
  // the store writes at most 500 rows per INSERT
  for (let start = 0; start < values.length; start += 8 * 500) {
    const chunk = values.slice(start, start + 8 * 500);
    const tuples = Array.from({ length: chunk.length / 8 }, (_, i) => {
      const p = (k) => `$${i * 8 + k + 2}`;
      return `(${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, 'pending', 0, ${p(7)}::bigint, NULL, NULL, NULL, $1, $1)`;
    });
    await main.query({
      text: `INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
      values: [nowMs, ...chunk],
    });
  }
  await main.query({ text: 'DELETE FROM outbox WHERE id = ANY($1::bigint[])', values: [rows.map((r) => r.outbox_id)] });
  await main.query('COMMIT');
}

/** Designs B (`withRows`) and C: claim + read, then one record statement. */
async function replayCursor(main, lease, withRows) {
  let delivered = 0;
  for (;;) {
    const nowMs = Date.now();
    const token = randomUUID();
    const { rows } = await lease.query({
      name: 'rowcost-claim',
      text: CLAIM_SQL,
      values: [nowMs, nowMs + LEASE.ms, token, BATCH],
    });
    if (rows.length === 0) break;
    const doneMs = Date.now();
    const ids = rows.map(() => `dlv_${newEventId()}`);
    const attempts = rows.map((ev, i) => attemptOf(ids[i], ev.id, doneMs));
    const values = [ENDPOINT, token, rows[0].claimed_to, ...columns(attempts)];
    if (withRows) {
      values.push(
        ids,
        rows.map((ev) => ev.tenant_id),
        rows.map((ev) => ev.sequence),
        rows.map((ev) => ev.id),
        rows.map((ev) => ev.subject_id),
        rows.map(() => doneMs),
      );
    }
    const advanced = await main.query({
      name: withRows ? 'rowcost-record-final' : 'rowcost-record-attempts',
      text: withRows ? RECORD_FINAL_SQL : RECORD_ATTEMPTS_SQL,
      values,
    });
    if (advanced.rows[0]?.n !== 1) throw new Error('cursor lease lost');
    delivered += rows.length;
  }
  return delivered;
}

/** Empties the delivery tables and sets up what `design` starts from; not measured. */
async function reset(db, design) {
  await db.query('TRUNCATE deliveries, delivery_attempts, outbox, endpoint_cursors');
  if (design === 'A') {
    await db.query({
      text: 'INSERT INTO outbox (tenant_id, event_sequence, created_at) SELECT $1, g, now() FROM generate_series(1, $2) g',
      values: [TENANT, EVENTS],
    });
  } else {
    await db.query({
      text: 'INSERT INTO endpoint_cursors VALUES ($1, $2, 0, NULL, NULL, NULL)',
      values: [ENDPOINT, TENANT],
    });
  }
  await db.query('VACUUM ANALYZE deliveries, delivery_attempts, outbox, endpoint_cursors');
  await db.query('CHECKPOINT');
}

/** pg_stat_statements of this database: per statement calls, exec ms, WAL bytes. */
async function statementStats(db) {
  const { rows } = await db.query(
    `SELECT queryid::text AS id, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query, calls,
            total_exec_time AS ms, wal_bytes::float8 AS wal
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         -- this bench's own reads of the figures are no design's
         AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%wal_lsn%'`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

function statementDelta(before, after) {
  const out = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    const calls = Number(a.calls) - Number(b?.calls ?? 0);
    if (calls > 0) out.push({ query: a.query, calls, ms: a.ms - (b?.ms ?? 0), wal: a.wal - (b?.wal ?? 0) });
  }
  return out;
}

const walwriter = { name: 'walwriter', pids: () => pidsWhere((c) => /^postgres: .*walwriter/.test(c)) };
const otherShared = {
  name: 'checkpointer + bgwriter',
  pids: () => pidsWhere((c) => /^postgres: .*(checkpointer|background writer)/.test(c)),
};

/** `ROW_COST_EXPLAIN=1`: the plan of each design's first read, in a transaction rolled back. */
async function explainFirst(lease, design) {
  const nowMs = Date.now();
  const [text, values] =
    design === 'A'
      ? [FAN_OUT_BATCH_SQL, [FAN_OUT_BATCH, FANOUT_LOCK_KEY]]
      : [CLAIM_SQL, [nowMs, nowMs + LEASE.ms, randomUUID(), BATCH]];
  await lease.raw.query('BEGIN');
  const { rows } = await lease.raw.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${text}`, values });
  await lease.raw.query('ROLLBACK');
  console.error(`${design}:\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
}

async function runOnce(database, db, design) {
  await reset(db, design);
  const main = await connect(database);
  const lease = await connect(database, DISPATCH_SESSION_OPTIONS);
  try {
    if (process.env.ROW_COST_EXPLAIN === '1') await explainFirst(lease, design);
    const lsn0 = (await db.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
    const stats0 = await statementStats(db);
    const meter = startCpuMeter([postgresBackends(database), walwriter, otherShared]);
    const started = performance.now();
    const delivered = design === 'A' ? await replayToday(main, lease) : await replayCursor(main, lease, design === 'B');
    const wall = (performance.now() - started) / 1000;
    const cpu = meter.stop();
    const lsn1 = (await db.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
    const wal = Number((await db.query('SELECT pg_wal_lsn_diff($1, $2) AS d', [lsn1, lsn0])).rows[0].d);
    const statements = statementDelta(stats0, await statementStats(db));
    const size = (
      await db.query(`SELECT sum(pg_total_relation_size(c))::float8 AS bytes
        FROM unnest(ARRAY['deliveries', 'delivery_attempts', 'outbox', 'endpoint_cursors']::regclass[]) c`)
    ).rows[0].bytes;
    const check = (
      await db.query(`SELECT (SELECT count(*) FROM delivery_attempts WHERE outcome = 'succeeded')::int AS attempts,
        (SELECT count(*) FROM deliveries WHERE status = 'succeeded')::int AS final,
        (SELECT count(*) FROM deliveries)::int AS rows`)
    ).rows[0];
    const expectRows = design === 'C' ? 0 : EVENTS;
    if (delivered !== EVENTS || check.attempts !== EVENTS || check.final !== expectRows || check.rows !== expectRows) {
      throw new Error(`${design}: delivered ${delivered}, ${JSON.stringify(check)}, expected ${EVENTS}`);
    }
    const per = (x) => x / delivered;
    return {
      design,
      rate: delivered / wall,
      wall,
      statements: main.statements + lease.statements,
      backendUs: per(cpu.groups[0].seconds * 1e6),
      walwriterUs: per(cpu.groups[1].seconds * 1e6),
      otherUs: per(cpu.groups[2].seconds * 1e6),
      execUs: per(statements.reduce((n, s) => n + s.ms, 0) * 1000),
      walBytes: per(wal),
      stmtWalBytes: per(statements.reduce((n, s) => n + s.wal, 0)),
      sizeMb: size / 2 ** 20,
      byStatement: statements,
    };
  } finally {
    await main.end();
    await lease.end();
  }
}

/** The tenant, its endpoint, subjects and events, as the product stores them; not measured. */
async function prefill(db) {
  const nowMs = Date.now();
  await db.query({
    text: "INSERT INTO tenants (id, name, created_at, last_sequence) VALUES ($1, 'row cost', now(), $2)",
    values: [TENANT, EVENTS],
  });
  const spec = {
    type: 'http',
    url: 'https://receiver.example/hooks',
    destination: null,
    description: 'row cost bench',
    eventTypes: null,
    workflows: null,
    format: 'native',
    auth: null,
    tls: null,
    headers: {},
    ordering: 'none',
    rateLimit: null,
    proxy: null,
    filter: null,
    transform: null,
    retrySchedule: null,
  };
  await db.query({
    text: `INSERT INTO endpoints (${ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, true, NULL, NULL, NULL, $4, NULL, NULL, $5, $5)`,
    values: [ENDPOINT, TENANT, JSON.stringify(spec), `whsec_${'A'.repeat(43)}`, nowMs],
  });
  await db.query({
    text: `INSERT INTO subjects (tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at, status_changed_at)
      SELECT $1::text, 'sub_' || s, 'videoid-request', 'VIDEOINCOMPLETE', 10, NULL,
        json_build_object('profile', 'PFnubeQAFCiudadano', 'registration_authority', 139, 'pk', 'pk-' || s), now(), now(), now()
      FROM generate_series(1, $2) s`,
    values: [TENANT, Math.ceil(EVENTS / 10)],
  });
  await db.query({
    text: `INSERT INTO events (tenant_id, sequence, id, subject_id, parent_id, workflow, type, from_status, to_status,
        occurred_at, subject_version, data, render_context, trace_context)
      SELECT $1::text, g, gen_random_uuid()::text, 'sub_' || ((g - 1) / 10 + 1), NULL, 'videoid-request', 'VIDEOID_UPDATED',
        'VIDEOINCOMPLETE', 'VIDEOINCOMPLETE', now(), (g - 1) % 10 + 1,
        json_build_object('upload', g, 'note', repeat('x', 200)),
        json_build_object('subject', json_build_object('tenantId', $1::text, 'id', 'sub_' || ((g - 1) / 10 + 1),
          'workflow', 'videoid-request', 'status', 'VIDEOINCOMPLETE', 'version', (g - 1) % 10 + 1, 'parentId', NULL,
          'attributes', json_build_object('profile', 'PFnubeQAFCiudadano', 'registration_authority', 139,
            'pk', 'pk-' || ((g - 1) / 10 + 1), 'note', repeat('y', 300)),
          'createdAt', '2026-12-06T00:00:00.000Z', 'updatedAt', '2026-12-06T00:00:00.000Z',
          'statusChangedAt', '2026-12-06T00:00:00.000Z', 'erasedAt', NULL), 'parent', NULL, 'children', '[]'::json),
        NULL
      FROM generate_series(1, $2) g`,
    values: [TENANT, EVENTS],
  });
  // hint bits and statistics set now, so no run pays for them
  await db.query('VACUUM ANALYZE tenants, endpoints, subjects, events');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function report(runs) {
  const metrics = [
    ['deliveries/s (wall)', 'rate', 0],
    ['round trips / batch', 'statements', 1],
    ['DB backends CPU µs/delivery', 'backendUs', 0],
    ['walwriter CPU µs/delivery', 'walwriterUs', 1],
    ['checkpointer+bgwriter CPU µs/delivery', 'otherUs', 1],
    ['pg_stat_statements exec µs/delivery', 'execUs', 1],
    ['WAL bytes/delivery (server LSN)', 'walBytes', 0],
    ['WAL bytes/delivery (statements)', 'stmtWalBytes', 0],
    ['deliveries + attempts + outbox + cursors MB after', 'sizeMb', 1],
  ];
  const batches = Math.ceil(EVENTS / BATCH);
  const value = (r, key) => (key === 'statements' ? r.statements / batches : r[key]);
  const designs = DESIGNS.filter((d) => runs.some((r) => r.design === d));
  const med = (d, key) => median(runs.filter((r) => r.design === d).map((r) => value(r, key)));
  const fmt = (x, digits) =>
    x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const ratios = designs.filter((d) => d !== 'A' && designs.includes('A'));
  const lines = [
    `| metric (median of ${REPEATS}; runs in order) | ${designs.join(' | ')} | ${ratios.map((d) => `${d}/A`).join(' | ')} |`,
    `| --- | ${designs.map(() => '---').join(' | ')} | ${ratios.map(() => '---').join(' | ')} |`,
  ];
  for (const [label, key, digits] of metrics) {
    const cells = designs.map((d) => {
      const all = runs.filter((r) => r.design === d).map((r) => fmt(value(r, key), digits));
      return `${fmt(med(d, key), digits)} (${all.join(', ')})`;
    });
    const ratio = ratios.map((d) => (med('A', key) ? `${(med(d, key) / med('A', key)).toFixed(2)}` : '–'));
    lines.push(`| ${label} | ${cells.join(' | ')} | ${ratio.join(' | ')} |`);
  }
  console.log(lines.join('\n'));
  console.log('\npg_stat_statements, exec µs and WAL bytes per delivery, all runs of a design together:\n');
  console.log(
    '| design | statement | calls/batch | exec µs/delivery | WAL B/delivery |\n| --- | --- | --- | --- | --- |',
  );
  for (const d of designs) {
    const mine = runs.filter((r) => r.design === d);
    const delivered = mine.length * EVENTS;
    const byQuery = new Map();
    for (const r of mine) {
      for (const s of r.byStatement) {
        const t = byQuery.get(s.query) ?? { calls: 0, ms: 0, wal: 0 };
        t.calls += s.calls;
        t.ms += s.ms;
        t.wal += s.wal;
        byQuery.set(s.query, t);
      }
    }
    for (const [query, t] of [...byQuery].sort((a, b) => b[1].ms - a[1].ms)) {
      if ((t.ms * 1000) / delivered < 0.05) continue;
      const shown = query.replaceAll('|', '\\|');
      console.log(
        `| ${d} | \`${shown}\` | ${(t.calls / (mine.length * batches)).toFixed(2)} | ${((t.ms * 1000) / delivered).toFixed(1)} | ${(t.wal / delivered).toFixed(0)} |`,
      );
    }
  }
}

async function main() {
  const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
  console.log(
    `# delivery-row-cost: ${EVENTS} events, batches of ${BATCH}, ${REPEATS} repeats, designs ${DESIGNS.join(' ')}`,
  );
  console.log(`before: ${uptime()}`);
  const database = `tidings_rowcost_${process.pid}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  let dropping = null;
  const drop = () => {
    dropping ??= admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).finally(() => admin.end());
    return dropping;
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      drop().finally(() => process.exit(130));
    });
  }
  try {
    const url = new URL(SERVER);
    url.pathname = `/${database}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    await migrate(pool);
    await pool.end();
    const db = (await connect(database)).raw;
    try {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query(CURSOR_TABLE);
      const { rows } = await db.query('SHOW synchronous_commit');
      console.log(`synchronous_commit = ${rows[0].synchronous_commit}`);
      await prefill(db);
      const runs = [];
      for (let r = 0; r < REPEATS; r++) {
        for (const design of DESIGNS) {
          const run = await runOnce(database, db, design);
          console.error(
            `run ${r + 1} ${design}: ${run.rate.toFixed(0)}/s, backends ${run.backendUs.toFixed(0)} µs, walwriter ${run.walwriterUs.toFixed(1)} µs, WAL ${run.walBytes.toFixed(0)} B per delivery`,
          );
          runs.push(run);
        }
      }
      console.log();
      report(runs);
    } finally {
      await db.end();
    }
  } finally {
    await drop();
    console.log(`\nafter: ${uptime()}`);
  }
}

await main();
