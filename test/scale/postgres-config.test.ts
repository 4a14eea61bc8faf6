import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { startTestApp } from '../helpers/test-runtime.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

describe('PostgreSQL settings from the configuration reach the pool', { skip: pgdb.skip }, () => {
  test('TIDINGS_DB_POOL_SIZE bounds the pool; TIDINGS_DB_STATEMENT_TIMEOUT makes the server cancel', async () => {
    const t = await startTestApp({
      DATABASE_URL: pgdb.url!,
      TIDINGS_DB_POOL_SIZE: '3',
      TIDINGS_DB_STATEMENT_TIMEOUT: '200ms',
    });
    try {
      const store = t.runtime.store;
      assert.ok(store instanceof PostgresStore);
      // reads and group commits share the configured connections
      assert.equal(store.pool.options.max + store.commitPool.options.max, 3);
      const { rows } = await store.pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
      assert.equal(rows[0]?.statement_timeout, '200ms');
      await assert.rejects(store.pool.query('SELECT pg_sleep(2)'), { code: '57014' });
      // five slow statements on three connections: never more than three sessions
      const sessions = store.pool.query<{ n: string }>({
        text: "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tidings'",
      });
      const slow = Array.from({ length: 5 }, () => store.pool.query('SELECT pg_sleep(0.05)'));
      await Promise.all(slow);
      assert.ok(Number((await sessions).rows[0]?.n) <= 3);
      assert.ok(store.pool.totalCount + store.commitPool.totalCount <= 3);
      assert.equal((await t.runtime.app.inject({ url: '/readyz' })).statusCode, 200);
    } finally {
      await t.close();
    }
  });
});
