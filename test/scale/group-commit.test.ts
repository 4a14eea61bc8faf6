import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { Change } from '../../src/workflows/engine.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { moveParcel, newTenant, openParcel, patchParcel, subjectOf, testClock } from '../storage/parcel-workflow.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

const tick = testClock();
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sequences = async (store: PostgresStore, tenantId: string) =>
  (await store.listEvents(tenantId, { limit: 1000 })).map((e) => e.sequence);
const outcome = (r: PromiseSettledResult<{ ok: boolean; reason?: string }>) =>
  r.status === 'rejected' ? 'error' : r.value.ok ? 'ok' : r.value.reason;

/**
 * What PostgreSQL group commit must keep: every change of a batch gets its own
 * answer, as if it had committed alone. The contract suite covers the rest.
 */
describe('PostgreSQL group commit', { skip: pgdb.skip }, () => {
  test('one batch of two tenants: refusals and failures answer only their own change, sequences stay gap-free', async () => {
    const store = new PostgresStore({ connectionString: pgdb.url!, poolSize: 4 });
    await store.migrate();
    try {
      const a = (await newTenant(store)).tenant.id;
      const b = (await newTenant(store)).tenant.id;
      const opened = openParcel(tick(), a);
      await store.commit(a, opened);
      await store.commit(a, moveParcel(tick(), subjectOf(opened), 'parcel-shipped'));
      await store.commit(a, openParcel(tick(), a, { id: 'dup' }));
      const other = openParcel(tick(), b);
      await store.commit(b, other);
      const both = (x: Change, y: Change): Change => ({
        subjects: [...x.subjects, ...y.subjects],
        events: [...x.events, ...y.events],
      });
      // issued in one turn: one batch
      const results = await Promise.allSettled([
        store.commit(a, openParcel(tick(), a)),
        store.commit(a, moveParcel(tick(), subjectOf(opened), 'parcel-packed', { items: [{}] })),
        store.commit(b, moveParcel(tick(), subjectOf(other), 'parcel-shipped')),
        store.commit(a, openParcel(tick(), a, { id: 'dup' })),
        store.commit(a, both(openParcel(tick(), a), openParcel(tick(), a, { id: 'dup' }))),
        store.commit('ten_missing', openParcel(tick(), 'ten_missing')),
        store.commit(b, openParcel(tick(), b)),
      ]);
      assert.deepEqual(results.map(outcome), [
        'ok',
        'version_conflict',
        'ok',
        'subject_exists',
        'subject_exists',
        'error',
        'ok',
      ]);
      assert.deepEqual(await sequences(store, a), [1, 2, 3, 4]);
      assert.deepEqual(await sequences(store, b), [1, 2, 3]);
    } finally {
      await store.close();
    }
  });

  test('single-subject changes written together: a second move of one subject, replayed keys and timers answer as if alone', async () => {
    const store = new PostgresStore({ connectionString: pgdb.url!, poolSize: 4 });
    await store.migrate();
    try {
      const tenant = (await newTenant(store)).tenant.id;
      const [p, q, r] = [openParcel(tick(), tenant), openParcel(tick(), tenant), openParcel(tick(), tenant)];
      for (const c of [p, q, r]) await store.commit(tenant, c);
      const shippedR = moveParcel(tick(), subjectOf(r), 'parcel-shipped');
      await store.commit(tenant, shippedR); // arms r's timer
      const answered = { status: 201, body: { first: true } };
      const key = (k: string) => ({
        key: k,
        requestHash: 'h',
        createdAt: tick().now.toISOString(),
        respond: () => answered,
      });
      assert.ok((await store.commit(tenant, openParcel(tick(), tenant), key('used'))).ok);
      // issued in one turn: one batch
      const results = await Promise.allSettled([
        store.commit(tenant, moveParcel(tick(), subjectOf(p), 'parcel-shipped')), // arms p's timer
        store.commit(tenant, moveParcel(tick(), subjectOf(p), 'parcel-packed')), // same subject, same version
        store.commit(tenant, openParcel(tick(), tenant, { id: 'twice' })),
        store.commit(tenant, openParcel(tick(), tenant, { id: 'twice' })),
        store.commit(tenant, openParcel(tick(), tenant), key('used')), // replayed
        store.commit(tenant, moveParcel(tick(), subjectOf(q), 'parcel-shipped'), key('fresh')),
        store.commit(tenant, moveParcel(tick(), subjectOf(shippedR), 'parcel-delivered')), // disarms r's timer
      ]);
      assert.deepEqual(results.map(outcome), [
        'ok',
        'version_conflict',
        'ok',
        'subject_exists',
        'idempotency_replay',
        'ok',
        'ok',
      ]);
      const replay = results[4];
      assert.ok(replay?.status === 'fulfilled' && !replay.value.ok && replay.value.reason === 'idempotency_replay');
      assert.deepEqual(replay.value.record.body, { first: true });
      assert.equal((await store.getSubject(tenant, subjectOf(p).id))?.status, 'shipped');
      assert.equal((await store.getSubject(tenant, subjectOf(p).id))?.version, 2);
      assert.equal((await store.getIdempotency(tenant, 'fresh'))?.status, 201);
      const timers = (await store.dueTimers('2100-01-01T00:00:00.000Z', 100)).filter((t) => t.tenantId === tenant);
      assert.deepEqual(timers.map((t) => t.subjectId).sort(), [subjectOf(p).id, subjectOf(q).id].sort());
      for (const t of timers) assert.equal(t.subjectVersion, 2);
      assert.deepEqual(
        await sequences(store, tenant),
        Array.from({ length: 9 }, (_, i) => i + 1),
      );
    } finally {
      await store.close();
    }
  });

  test('two batches writing two subjects in opposite orders: each subject changes once, nothing fails', async () => {
    const store = new PostgresStore({ connectionString: pgdb.url!, poolSize: 4, commitParallel: 2 });
    await store.migrate();
    try {
      const tenant = (await newTenant(store)).tenant.id;
      for (let round = 0; round < 3; round++) {
        const x = openParcel(tick(), tenant);
        const y = openParcel(tick(), tenant);
        await Promise.all([store.commit(tenant, x), store.commit(tenant, y)]);
        const first = [
          store.commit(tenant, patchParcel(tick(), subjectOf(x), { by: 'first' })),
          store.commit(tenant, patchParcel(tick(), subjectOf(y), { by: 'first' })),
        ];
        await nextTurn();
        await nextTurn();
        const second = [
          store.commit(tenant, patchParcel(tick(), subjectOf(y), { by: 'second' })),
          store.commit(tenant, patchParcel(tick(), subjectOf(x), { by: 'second' })),
        ];
        const results = (await Promise.allSettled([...first, ...second])).map(outcome);
        assert.ok(!results.includes('error'), results.join());
        // per subject: exactly one of its two writes won
        assert.equal([results[0], results[3]].filter((r) => r === 'ok').length, 1, results.join());
        assert.equal([results[1], results[2]].filter((r) => r === 'ok').length, 1, results.join());
        for (const s of [x, y]) assert.equal((await store.getSubject(tenant, subjectOf(s).id))?.version, 2);
      }
    } finally {
      await store.close();
    }
  });

  test('a batch the server aborts as a deadlock victim is retried change by change', async () => {
    const store = new PostgresStore({ connectionString: pgdb.url!, poolSize: 4 });
    await store.migrate();
    const other = new pg.Client({ connectionString: pgdb.url! });
    await other.connect();
    // The backend whose deadlock_timeout fires first aborts itself. Usually the batch's, which waits
    // first, but on a loaded machine the other's check could run first (seen once in a full run):
    // give it a long timeout, so the batch is always the victim.
    await other.query("SET deadlock_timeout = '30s'");
    try {
      const tenant = (await newTenant(store)).tenant.id;
      const x = openParcel(tick(), tenant);
      const y = openParcel(tick(), tenant);
      await Promise.all([store.commit(tenant, x), store.commit(tenant, y)]);
      const touch = (s: Change) => ({
        text: 'UPDATE subjects SET updated_at = updated_at WHERE tenant_id = $1 AND id = $2',
        values: [tenant, subjectOf(s).id],
      });
      await other.query('BEGIN');
      await other.query(touch(y));
      // one batch: writes x, then waits for y, which the other transaction holds
      const batch = [
        store.commit(tenant, patchParcel(tick(), subjectOf(x), { n: 1 })),
        store.commit(tenant, patchParcel(tick(), subjectOf(y), { n: 1 })),
      ];
      const blocked = async () => {
        const { rows } = await store.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        return Number(rows[0]?.n);
      };
      while ((await blocked()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // now the other transaction wants x: a cycle; after deadlock_timeout (1 s)
      // the server aborts the batch, which started waiting first
      const otherWaits = other.query(touch(x));
      await otherWaits;
      await other.query('COMMIT');
      const results = await Promise.allSettled(batch);
      assert.deepEqual(results.map(outcome), ['ok', 'ok']);
      for (const s of [x, y]) assert.equal((await store.getSubject(tenant, subjectOf(s).id))?.version, 2);
      assert.deepEqual(await sequences(store, tenant), [1, 2]);
    } finally {
      await other.end();
      await store.close();
    }
  });

  test('two processes writing one tenant at once: sequences 1..n, each as answered', async () => {
    const stores = [0, 1].map(() => new PostgresStore({ connectionString: pgdb.url!, poolSize: 4 }));
    await Promise.all(stores.map((s) => s.migrate()));
    try {
      const [first, second] = stores as [PostgresStore, PostgresStore];
      const tenant = (await newTenant(first)).tenant.id;
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? first : second).commit(tenant, openParcel(tick(), tenant))),
      );
      const given = new Map<string, number>();
      for (const r of answers) {
        assert.ok(r.ok);
        for (const e of r.events) given.set(e.id, e.sequence);
      }
      const log = await first.listEvents(tenant, { limit: 1000 });
      assert.deepEqual(
        log.map((e) => e.sequence),
        log.map((_, i) => i + 1),
      );
      assert.equal(log.length, 200);
      for (const e of log) assert.equal(given.get(e.id), e.sequence);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('close waits for commits in flight and refuses later ones', async () => {
    const store = new PostgresStore({ connectionString: pgdb.url! });
    await store.migrate();
    const tenant = (await newTenant(store)).tenant.id;
    const pending = Array.from({ length: 20 }, () => store.commit(tenant, openParcel(tick(), tenant)));
    await store.close();
    assert.deepEqual(
      (await Promise.all(pending)).map((r) => r.ok),
      pending.map(() => true),
    );
    await assert.rejects(store.commit(tenant, openParcel(tick(), tenant)), /closed/);
  });
});
