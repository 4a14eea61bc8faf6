import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { PostgresStore } from '../storage/postgres/postgres-store.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';

/** SQLite under `dataDir` by default (its fsync as `sqliteFsync` says); PostgreSQL when `DATABASE_URL` is set. */
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
  return new SqliteStore({ path: join(config.dataDir, 'tidings.sqlite'), fsync: config.sqliteFsync });
}
