import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { PostgresStore } from '../storage/postgres/postgres-store.js';
import { chooseFsync, probeFsyncMs } from '../storage/sqlite/fsync-choice.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';

/**
 * SQLite under `dataDir` by default, its fsync made where this disk makes it
 * cheapest (`sqliteFsync`, `fsync-choice.ts`); PostgreSQL when `DATABASE_URL` is set.
 */
export function openStore(config: Config): Store {
  if (config.databaseUrl) {
    return new PostgresStore({
      connectionString: config.databaseUrl,
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      queryTimeoutMs: config.dbQueryTimeoutMs,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      keepAliveDelayMs: config.dbKeepAliveDelayMs,
    });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const fsync = chooseFsync(config.sqliteFsync, () => probeFsyncMs(config.dataDir));
  return new SqliteStore({ path: join(config.dataDir, 'tidings.sqlite'), fsync });
}
