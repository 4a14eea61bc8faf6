import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-sqlite-store-'));
  const store = new SqliteStore({ path: join(dir, 'tidings.db') });
  await store.migrate();
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async injectEventInsertFailure() {
      store.db.exec(
        `CREATE TRIGGER fail_event_insert BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected'); END`,
      );
    },
  };
});
