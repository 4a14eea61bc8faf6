import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
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
