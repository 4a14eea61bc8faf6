import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { attemptsQuery, RECORD_BATCH_SQL } from '../../src/delivery/storage/postgres-delivery-store.js';
import {
  ENDPOINT_CAPACITY_SQL,
  FAN_OUT_BATCH_SQL,
  FAN_OUT_RENDER_BATCH_SQL,
  FANOUT_LOCK_KEY,
} from '../../src/delivery/storage/postgres-fan-out-sql.js';
import { ANY_DUE_SQL } from '../../src/delivery/storage/postgres-lease-sql.js';
import { WRITE_CLAIMED_SQL } from '../../src/delivery/storage/postgres-rowless-sql.js';
import { EVENTS_BY_ID_SQL } from '../../src/feeds/storage/postgres-feed-storage.js';
import type { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';

/**
 * The push path's PostgreSQL queries keep their access path on a database that
 * has no statistics yet (no ANALYZE has run: a young deployment, or the minutes
 * after a bulk load). Each of these read a whole tenant there before it named
 * its path (see the queries' comments), 10-30× slower in a push run. (The
 * lease's plan has no EXPLAIN here: a small fresh database does not lead the
 * planner to the bitmap scan that a long push run does; its connection's
 * setting is checked instead.)
 */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

describe('push queries on PostgreSQL without statistics', { skip: pgdb.skip }, () => {
  let t: TestApp;
  let tenantId: string;
  let pool: PostgresStore['pool'];
  const plan = async (sql: string, values: unknown[]): Promise<PlanNode[]> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await client.query({ text: `EXPLAIN (FORMAT JSON) ${sql}`, values });
      return nodes((result.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]?.Plan as PlanNode);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  };
  const reads = (plan: PlanNode[], relation: string) =>
    plan.filter((n) => n['Relation Name'] === relation).map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`);

  before(async () => {
    t = await startTestApp({ DATABASE_URL: pgdb.url as string });
    const tenant = await t.tenant();
    tenantId = tenant.id;
    pool = (t.runtime.store as PostgresStore).pool;
    // no autovacuum ANALYZE while the test runs (it would give the planner the statistics this test goes without)
    await pool.query(
      `ALTER TABLE events SET (autovacuum_enabled = off); ALTER TABLE subjects SET (autovacuum_enabled = off);
       ALTER TABLE delivery_attempts SET (autovacuum_enabled = off)`,
    );
    // an endpoint's long attempt history (5,000 rows of 100 deliveries)
    await pool.query(
      `INSERT INTO delivery_attempts
        (tenant_id, endpoint_id, delivery_id, event_id, attempt, started_at, outcome, latency_ms)
      SELECT $1, 'ep_plan', 'dlv_' || lpad((g % 100)::text, 4, '0'), 'evt_' || g, 1, g, 'failed', 1
      FROM generate_series(1, 5000) g`,
      [tenantId],
    );
    const post = (url: string, payload: object) =>
      t.runtime.app.inject({ method: 'POST', url, headers: tenant.auth, payload });
    for (let s = 0; s < 20; s++) {
      assert.equal((await post('/v1/subjects', { workflow: 'videoid-request', id: `req-${s}` })).statusCode, 201);
      for (let i = 0; i < 10; i++) {
        const res = await post(`/v1/subjects/req-${s}/events`, { type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE' });
        assert.equal(res.statusCode, 201, res.body);
      }
    }
    const analyzed = await pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_user_tables WHERE relname IN ('events', 'subjects', 'delivery_attempts') AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)",
    );
    assert.equal(analyzed.rows[0].n, 0, 'the tables have no statistics yet');
  });
  after(() => t?.close());

  test("events by id: one events_by_id lookup per id, never the tenant's whole log", async () => {
    const ids = (await pool.query('SELECT id FROM events ORDER BY sequence DESC LIMIT 50')).rows.map((r) => r.id);
    const events = reads(await plan(EVENTS_BY_ID_SQL, [tenantId, ids]), 'events');
    assert.deepEqual(events, ['Index Scan events_by_id']);
  });

  test("the fan-out batch looks each event's subject up by its key", async () => {
    for (const batch of [FAN_OUT_BATCH_SQL, FAN_OUT_RENDER_BATCH_SQL]) {
      const subjects = reads(await plan(batch, [500, FANOUT_LOCK_KEY, 0]), 'subjects');
      assert.deepEqual(subjects, ['Index Scan subjects_pkey']);
    }
  });

  test("one delivery's attempts are read through delivery_attempts_by_delivery, not the endpoint's history", async () => {
    for (const filter of [
      { deliveryId: 'dlv_0042' },
      { eventId: 'evt_1' },
      { deliveryId: 'dlv_0042', eventId: 'evt_1' },
    ]) {
      const { text, values } = attemptsQuery(tenantId, 'ep_plan', { limit: 50, ...filter });
      const indexes = (await plan(text, values)).map((n) => n['Index Name']).filter((name) => name !== undefined);
      assert.ok(indexes.includes('delivery_attempts_by_delivery'), `${JSON.stringify(filter)}: ${indexes}`);
      assert.ok(!indexes.includes('delivery_attempts_by_endpoint'), `${JSON.stringify(filter)}: ${indexes}`);
    }
  });

  /** The generic plan of `sql` (every parameter null) on a connection of `on`, the one a prepared statement keeps. */
  const genericPlan = async (on: PostgresStore['pool'], sql: string, params: number) => {
    const client = await on.connect();
    try {
      await client.query('BEGIN; SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE generic_plan_probe AS ${sql}`);
      const nulls = Array.from({ length: params }, () => 'NULL').join(', ');
      const result = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE generic_plan_probe(${nulls})`);
      return nodes((result.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]?.Plan as PlanNode);
    } finally {
      await client.query('ROLLBACK');
      await client.query('DEALLOCATE ALL');
      client.release();
    }
  };

  test("the dispatcher's statements keep index plans however small the tables were when first planned", async () => {
    const store = t.runtime.store as PostgresStore;
    // the hazard: on a default connection the record's generic plan, made while `deliveries` is small, scans it whole
    const loose = reads(await genericPlan(store.pool, RECORD_BATCH_SQL, 18), 'deliveries');
    assert.ok(loose.includes('Seq Scan '), `the hazard reproduces here: ${loose}`);
    for (const [name, pool, sql, params] of [
      ['record', store.recordPool, RECORD_BATCH_SQL, 18],
      ['fan-out capacity', store.leasePool, ENDPOINT_CAPACITY_SQL, 4],
      ['due probe', store.leasePool, ANY_DUE_SQL, 1],
      ['record of deliveries pushed without a row', store.recordPool, WRITE_CLAIMED_SQL, 26],
    ] as const) {
      const deliveries = reads(await genericPlan(pool, sql, params), 'deliveries').filter(
        (path) => !path.startsWith('ModifyTable'),
      );
      assert.ok(deliveries.length > 0, name);
      assert.ok(
        deliveries.every((path) => path.startsWith('Index')),
        `${name} reads deliveries by index only: ${deliveries}`,
      );
    }
    // the claims (postgres-rowless-sql.ts): counted through outbox_claims, given back by the outbox's key
    for (const [name, pool, sql, params] of [
      ['fan-out capacity', store.leasePool, ENDPOINT_CAPACITY_SQL, 4],
      ['record of deliveries pushed without a row', store.recordPool, WRITE_CLAIMED_SQL, 26],
    ] as const) {
      const outbox = reads(await genericPlan(pool, sql, params), 'outbox').filter(
        (path) => !path.startsWith('ModifyTable'),
      );
      assert.ok(outbox.length > 0, name);
      assert.ok(
        outbox.every((path) => path.startsWith('Index')),
        `${name} reads the outbox by index only: ${outbox}`,
      );
    }
  });

  test('leases run on a connection without bitmap scans, the other queries on one with them', async () => {
    const store = t.runtime.store as PostgresStore;
    const setting = async (p: PostgresStore['pool']) =>
      (await p.query<{ enable_bitmapscan: string }>('SHOW enable_bitmapscan')).rows[0]?.enable_bitmapscan;
    assert.equal(await setting(store.leasePool), 'off');
    assert.equal(await setting(store.pool), 'on');
  });

  test('no statement of the dispatch connections is compiled by JIT, whatever a disabled path prices it at', async () => {
    const store = t.runtime.store as PostgresStore;
    for (const p of [store.leasePool, store.recordPool]) {
      assert.equal((await p.query<{ jit: string }>('SHOW jit')).rows[0]?.jit, 'off');
    }
  });
});
