import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/server/open-store.js';
import { COMMIT_FSYNC_BELOW_MS, chooseFsync, probeFsyncMs } from '../../src/storage/sqlite/fsync-choice.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { DataSync } from '../../src/storage/sqlite/wal-sync.js';
import { newTenant, openParcel, testClock } from './parcel-workflow.js';

const dir = mkdtempSync(join(tmpdir(), 'tidings-fsync-choice-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const tick = testClock();

describe('SQLite fsync choice', () => {
  test('a configured mode is taken as is, without probing the disk', () => {
    const probe = () => assert.fail('probed although the mode was configured');
    assert.deepEqual(chooseFsync('commit', probe), { mode: 'commit', probeMs: null });
    assert.deepEqual(chooseFsync('off-loop', probe), { mode: 'off-loop', probeMs: null });
  });

  test('auto: inside COMMIT on a disk that syncs fast, off the loop on a slow one, by the median', () => {
    const fast = COMMIT_FSYNC_BELOW_MS / 10;
    const slow = COMMIT_FSYNC_BELOW_MS * 3;
    assert.deepEqual(
      chooseFsync('auto', () => [fast, fast, fast]),
      { mode: 'commit', probeMs: fast },
    );
    assert.deepEqual(
      chooseFsync('auto', () => [slow, slow, slow]),
      { mode: 'off-loop', probeMs: slow },
    );
    // one stall does not make a fast disk slow, nor one lucky sync a slow disk fast
    assert.equal(chooseFsync('auto', () => [fast, 50, fast, fast, fast]).mode, 'commit');
    assert.equal(chooseFsync('auto', () => [slow, fast, slow, slow, slow]).mode, 'off-loop');
  });

  test('the probe times real fsyncs in the folder and leaves nothing behind', () => {
    const times = probeFsyncMs(dir, 5);
    assert.equal(times.length, 5);
    for (const t of times) assert.ok(t >= 0 && Number.isFinite(t), `a probe time of ${t} ms`);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('with the fsync inside COMMIT a change is answered at COMMIT, and the off-loop fsync never runs', async () => {
    let offLoopSyncs = 0;
    const neverAnswered: DataSync = () => {
      offLoopSyncs += 1;
    };
    const store = new SqliteStore({
      path: join(dir, 'commit.sqlite'),
      backgroundCheckpoints: false,
      fsync: { mode: 'commit', probeMs: 0.1 },
      walDataSync: neverAnswered,
    });
    try {
      await store.migrate();
      assert.deepEqual(store.fsync, { mode: 'commit', probeMs: 0.1 });
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
      assert.deepEqual(onFile.fsync, { mode: 'off-loop', probeMs: null });
      assert.equal(inMemory.fsync, null);
    } finally {
      await onFile.close();
      await inMemory.close();
    }
  });

  test('the service opens its store with the configured mode, or the one its probe chose', async () => {
    const configured = openStore(
      loadConfig({ TIDINGS_DATA_DIR: join(dir, 'configured'), TIDINGS_SQLITE_FSYNC: 'commit' }),
    );
    const probed = openStore(loadConfig({ TIDINGS_DATA_DIR: join(dir, 'probed') }));
    try {
      assert.ok(configured instanceof SqliteStore && probed instanceof SqliteStore);
      assert.deepEqual(configured.fsync, { mode: 'commit', probeMs: null });
      const chosen = probed.fsync;
      assert.ok(chosen && typeof chosen.probeMs === 'number', 'auto measured the disk');
      assert.equal(chosen.mode, chosen.probeMs < COMMIT_FSYNC_BELOW_MS ? 'commit' : 'off-loop');
      assert.deepEqual(readdirSync(join(dir, 'probed')), ['tidings.sqlite'], 'the probe file is gone');
    } finally {
      await configured.close();
      await probed.close();
    }
  });
});
