import assert from 'node:assert/strict';
import { fdatasync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import { SqliteDeliveryStore } from '../../src/delivery/storage/sqlite-delivery-store.js';
import { SqliteFeedStorage } from '../../src/feeds/storage/sqlite-feed-storage.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { DataSync } from '../../src/storage/sqlite/wal-sync.js';
import type { Change } from '../../src/workflows/engine.js';
import { moveParcel, newTenant, openParcel, subjectOf, testClock } from './parcel-workflow.js';

const dir = mkdtempSync(join(tmpdir(), 'tidings-sqlite-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const tick = testClock();
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};
const outcome = (r: PromiseSettledResult<{ ok: boolean; reason?: string }>) =>
  r.status === 'rejected' ? 'error' : r.value.ok ? 'ok' : r.value.reason;

/** The real `fdatasync`, held until the test lets each call go (or fails it). */
function heldSync() {
  const held: Array<{ fd: number; done: (error: NodeJS.ErrnoException | null) => void }> = [];
  const sync: DataSync = (fd, done) => {
    held.push({ fd, done });
  };
  return {
    sync,
    waiting: () => held.length,
    release: () => {
      const next = held.shift();
      assert.ok(next, 'no fsync is waiting');
      fdatasync(next.fd, next.done);
    },
    fail: (error: NodeJS.ErrnoException) => {
      const next = held.shift();
      assert.ok(next, 'no fsync is waiting');
      next.done(error);
    },
  };
}

let files = 0;
async function openStore(walDataSync?: DataSync) {
  const store = new SqliteStore({
    path: join(dir, `store-${files++}.sqlite`),
    backgroundCheckpoints: false,
    ...(walDataSync ? { walDataSync } : {}),
  });
  await store.migrate();
  return store;
}

function settled<T>(promise: Promise<T>) {
  const state = { done: false };
  promise.then(
    () => {
      state.done = true;
    },
    () => {
      state.done = true;
    },
  );
  return state;
}

/**
 * SQLite group commit: a batch commits with `synchronous = NORMAL` and its
 * fsync runs off the event loop (`wal-sync.ts`). What it must keep: each
 * change its own answer, none before the fsync, nothing pushed or listed
 * that is not yet durable, and gap-free sequences.
 */
describe('SQLite group commit', () => {
  test('every batch, not only the first, runs with synchronous = NORMAL, and FULL is back after it', async () => {
    // Without the switch a batch would also make SQLite's own fsync inside COMMIT, which no other test sees: the
    // answers are the same, only slower. Read back as SQLite reports it, batch after batch.
    const store = await openStore();
    try {
      const level = () => store.db.pragma('synchronous', { simple: true });
      const batch = (store as unknown as { withoutFsync<T>(write: () => T): T }).withoutFsync.bind(store);
      for (let i = 0; i < 3; i++) {
        assert.equal(batch(level), 1, `batch ${i + 1} commits with NORMAL`);
        assert.equal(level(), 2, `FULL again after batch ${i + 1}`);
      }
    } finally {
      await store.close();
    }
  });

  test('one batch of two tenants: refusals and failures answer only their own change, sequences stay gap-free', async () => {
    const store = await openStore();
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
      const sequences = async (tenantId: string) =>
        (await store.listEvents(tenantId, { limit: 1000 })).map((e) => e.sequence);
      assert.deepEqual(await sequences(a), [1, 2, 3, 4]);
      assert.deepEqual(await sequences(b), [1, 2, 3]);
    } finally {
      await store.close();
    }
  });

  test('no change is answered, fanned out or listed before its fsync ends; commits meanwhile share the next one', async () => {
    const fsync = heldSync();
    const store = await openStore(fsync.sync);
    const deliveries = new SqliteDeliveryStore(store.db, () => store.outboxBelow());
    const feed = new SqliteFeedStorage(store.db, (t) => store.sequenceBelow(t));
    try {
      const tenantId = (await newTenant(store)).tenant.id; // createTenant is not a grouped commit
      const first = store.commit(tenantId, openParcel(tick(), tenantId));
      const firstState = settled(first);
      await turns();
      assert.equal(fsync.waiting(), 1, 'the batch waits for its fsync');
      assert.equal(firstState.done, false, 'answered before its fsync');
      // committed in the file, yet invisible to the fan-out and the listings
      assert.equal(await store.countOutbox(), 1);
      assert.equal(await deliveries.fanOut(100, matchEndpoints, Date.now()), 0);
      assert.deepEqual(await store.listEvents(tenantId, { limit: 10 }), []);
      assert.deepEqual(await feed.listFeedEvents(tenantId, { afterSequence: 0, limit: 10 }), []);

      // three commits while the fsync runs: no second fsync starts, they wait as one batch
      const later = [1, 2, 3].map(() => store.commit(tenantId, openParcel(tick(), tenantId)));
      const laterStates = later.map(settled);
      await turns();
      assert.equal(fsync.waiting(), 1, 'a second fsync started while one ran');

      fsync.release();
      assert.equal(((await first) as { ok: boolean }).ok, true);
      assert.deepEqual(
        (await store.listEvents(tenantId, { limit: 10 })).map((e) => e.sequence),
        [1],
      );
      assert.equal(await deliveries.fanOut(100, matchEndpoints, Date.now()), 1);
      await turns();
      assert.equal(fsync.waiting(), 1, 'the three commits share one fsync');
      assert.deepEqual(
        laterStates.map((s) => s.done),
        [false, false, false],
      );
      assert.equal(await deliveries.fanOut(100, matchEndpoints, Date.now()), 0);

      fsync.release();
      const results = await Promise.all(later);
      assert.deepEqual(
        results.map((r) => (r.ok ? r.events.map((e) => e.sequence) : r.reason)),
        [[2], [3], [4]],
      );
      assert.equal(await deliveries.fanOut(100, matchEndpoints, Date.now()), 3);
    } finally {
      while (fsync.waiting() > 0) fsync.release();
      await store.close();
    }
  });

  test('a failed fsync answers every change of its batch with the error; the next batch commits and is answered', async () => {
    const fsync = heldSync();
    const store = await openStore(fsync.sync);
    try {
      const tenantId = (await newTenant(store)).tenant.id;
      const batch = [1, 2].map(() => store.commit(tenantId, openParcel(tick(), tenantId)));
      await turns();
      const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      fsync.fail(eio);
      const results = await Promise.allSettled(batch);
      assert.deepEqual(
        results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'answered')),
        ['EIO', 'EIO'],
      );
      const next = store.commit(tenantId, openParcel(tick(), tenantId));
      await turns();
      fsync.release();
      const answered = await next;
      assert.equal(answered.ok, true);
      // the failed batch's rows were committed (as after a failed fsync in PostgreSQL's COMMIT, not known durable):
      // sequences stay gap-free and unique
      assert.deepEqual(answered.ok ? answered.events.map((e) => e.sequence) : [], [3]);
    } finally {
      while (fsync.waiting() > 0) fsync.release();
      await store.close();
    }
  });

  test('close() waits for the batch in its fsync and answers it', async () => {
    const fsync = heldSync();
    const store = await openStore(fsync.sync);
    const tenantId = (await newTenant(store)).tenant.id;
    const pending = store.commit(tenantId, openParcel(tick(), tenantId));
    await turns();
    const closing = store.close();
    await turns();
    fsync.release();
    await closing;
    assert.equal((await pending).ok, true);
  });
});
