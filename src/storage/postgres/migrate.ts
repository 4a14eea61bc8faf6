import type pg from 'pg';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { transaction } from './transaction.js';

/**
 * Key of the advisory lock that serialises migrations. Any constant works as
 * long as every Tidings process uses the same one ("tidings" in ASCII).
 */
const MIGRATION_LOCK_KEY = '32766977284925299';

/**
 * The pool's client-side `query_timeout` is for requests too; pg reads 0 as
 * "the pool's", so the longest timer node allows (~24.8 days) stands for none.
 */
const UNBOUNDED = 2 ** 31 - 1;

/**
 * Applies the pending migrations in one transaction, under a transaction-scoped
 * advisory lock: when several processes start together, the first migrates
 * and the others wait on the lock, then find every version applied and do
 * nothing. PostgreSQL DDL is transactional, so a failed migration leaves the
 * schema as it was, and the lock is released with the transaction even if the
 * process dies.
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  await transaction(pool, async (client) => {
    // The pool's statement timeout is for requests; a migration (and the wait
    // for another process's migration) may take as long as it takes.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query({
      text: 'SELECT pg_advisory_xact_lock($1::bigint)',
      values: [MIGRATION_LOCK_KEY],
      query_timeout: UNBOUNDED,
    } as pg.QueryConfig);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
    );
    const applied = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(applied.rows.map((r) => r.version));
    for (const m of POSTGRES_MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query({ text: m.sql, query_timeout: UNBOUNDED } as pg.QueryConfig);
      await client.query({
        text: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())',
        values: [m.version, m.name],
      });
    }
  });
}
