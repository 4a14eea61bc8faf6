import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

/**
 * Only a checkpoint writes to the database file itself in WAL mode, and the
 * main connection checkpoints by itself only past `SAFETY_NET_PAGES`: so the
 * file growing while the store is open, after a few hundred pages of
 * commits, is the checkpoint thread's work.
 */
async function fileGrowth(backgroundCheckpoints: boolean): Promise<{ grew: boolean; walLeft: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-checkpoints-'));
  const path = join(dir, 'tidings.db');
  const errors: string[] = [];
  const store = new SqliteStore({ path, backgroundCheckpoints, onCheckpointError: (m) => errors.push(m) });
  try {
    await store.migrate();
    store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); // start from an empty WAL
    const before = statSync(path).size;
    store.db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = store.db.prepare('INSERT INTO filler (body) VALUES (?)');
    for (let i = 0; i < 300; i++) insert.run('x'.repeat(4000)); // ~300 pages, well under the safety net
    const deadline = Date.now() + 1_500; // the thread looks every 200 ms
    while (statSync(path).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const grew = statSync(path).size > before;
    await store.close();
    assert.deepEqual(errors, []);
    return { grew, walLeft: existsSync(`${path}-wal`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SQLite background checkpoints', () => {
  test('a thread copies committed pages into the database file while the store is open', async () => {
    const { grew, walLeft } = await fileGrowth(true);
    assert.equal(grew, true);
    assert.equal(walLeft, false, 'a clean close still removes the WAL (the main connection closes last)');
  });

  test('without the thread, nothing is copied below the safety net (the control for the test above)', async () => {
    const { grew } = await fileGrowth(false);
    assert.equal(grew, false);
  });
});
