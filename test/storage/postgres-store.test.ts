import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import { isConnectionLost } from '../../src/storage/postgres/pg-errors.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { runStoreContract } from './store-contract.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

/** The file's database is shared by all tests: each test opens its own store (and pool) on it. */
runStoreContract(
  'PostgreSQL',
  async () => {
    const store = new PostgresStore({ connectionString: pgdb.url!, poolSize: 8 });
    await store.migrate();
    let injected = false;
    return {
      store,
      async cleanup() {
        if (injected) await store.pool.query('DROP TRIGGER fail_event_insert ON events');
        await store.close();
      },
      async injectEventInsertFailure() {
        injected = true;
        await store.pool.query(`
          CREATE OR REPLACE FUNCTION fail_event_insert() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
          CREATE TRIGGER fail_event_insert BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail_event_insert();`);
      },
    };
  },
  { skip: pgdb.skip },
);

describe('PostgresStore operations', { skip: pgdb.skip }, () => {
  test('statementTimeoutMs makes the server cancel long statements', async () => {
    const store = new PostgresStore({ connectionString: pgdb.url!, statementTimeoutMs: 50 });
    try {
      await assert.rejects(store.pool.query('SELECT pg_sleep(1)'), { code: '57014' });
      await store.ping();
    } finally {
      await store.close();
    }
  });

  test('queryTimeoutMs: the client stops waiting for a silent answer, drops the connection, and the pool carries on', async () => {
    // pg_sleep stands in for a server that does not answer; the server's own
    // statement timeout is longer, so only the client's limit can end the wait.
    const store = new PostgresStore({
      connectionString: pgdb.url!,
      queryTimeoutMs: 300,
      statementTimeoutMs: 10_000,
      poolSize: 3,
    });
    try {
      const started = performance.now();
      await assert.rejects(store.pool.query('SELECT pg_sleep(3)'), (error: unknown) => isConnectionLost(error));
      const waited = performance.now() - started;
      assert.ok(waited < 2_000, `gave up after ${Math.round(waited)} ms`);
      assert.equal((await store.pool.query('SELECT 1 AS one')).rows[0].one, 1);
      await store.ping();
    } finally {
      await store.close();
    }
  });

  test('ping fails while the server is unreachable', async () => {
    const url = new URL(pgdb.url!);
    url.port = '1';
    const store = new PostgresStore({ connectionString: url.toString(), connectTimeoutMs: 1_000 });
    try {
      await assert.rejects(store.ping());
    } finally {
      await store.close();
    }
  });

  test('close can be called twice', async () => {
    const store = new PostgresStore({ connectionString: pgdb.url! });
    await store.close();
    await store.close();
  });
});
