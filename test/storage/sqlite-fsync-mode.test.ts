import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/server/open-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { DataSync } from '../../src/storage/sqlite/wal-sync.js';
import { newTenant, openParcel, testClock } from './parcel-workflow.js';

const dir = mkdtempSync(join(tmpdir(), 'tidings-fsync-mode-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const tick = testClock();

/** `TIDINGS_SQLITE_FSYNC`: the off-loop fsync is `sqlite-group-commit.test.ts`'s subject; here, the other mode. */
describe('SQLite fsync mode', () => {
  test('with the fsync inside COMMIT a change is answered at COMMIT, and the off-loop fsync never runs', async () => {
    let offLoopSyncs = 0;
    const neverAnswered: DataSync = () => {
      offLoopSyncs += 1;
    };
    const store = new SqliteStore({
      path: join(dir, 'commit.sqlite'),
      backgroundCheckpoints: false,
      fsync: 'commit',
      walDataSync: neverAnswered,
    });
    try {
      await store.migrate();
      assert.equal(store.fsync, 'commit');
      const tenantId = (await newTenant(store)).tenant.id;
      const results = await Promise.all([1, 2, 3].map(() => store.commit(tenantId, openParcel(tick(), tenantId))));
      assert.deepEqual(
        results.map((r) => (r.ok ? r.events.map((e) => e.sequence) : r.reason)),
        [[1], [2], [3]],
      );
      assert.equal(offLoopSyncs, 0);
      assert.deepEqual(
        (await store.listEvents(tenantId, { limit: 10 })).map((e) => e.sequence),
        [1, 2, 3],
      );
    } finally {
      await store.close();
    }
  });

  test('the store says which fsync it makes: off the loop by default, none in memory', async () => {
    const onFile = new SqliteStore({ path: join(dir, 'default.sqlite'), backgroundCheckpoints: false });
    const inMemory = new SqliteStore({ path: ':memory:' });
    try {
      assert.equal(onFile.fsync, 'off-loop');
      assert.equal(inMemory.fsync, null);
    } finally {
      await onFile.close();
      await inMemory.close();
    }
  });

  test('the service opens its store with the configured mode', async () => {
    const configured = openStore(loadConfig({ TIDINGS_DATA_DIR: join(dir, 'commit'), TIDINGS_SQLITE_FSYNC: 'commit' }));
    const byDefault = openStore(loadConfig({ TIDINGS_DATA_DIR: join(dir, 'default') }));
    try {
      assert.ok(configured instanceof SqliteStore && byDefault instanceof SqliteStore);
      assert.equal(configured.fsync, 'commit');
      assert.equal(byDefault.fsync, 'off-loop');
    } finally {
      await configured.close();
      await byDefault.close();
    }
  });
});
