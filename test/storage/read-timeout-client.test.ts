import { strict as assert } from 'node:assert';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { isConnectionLost } from '../../src/storage/postgres/pg-errors.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { READ_TIMEOUT_MESSAGE, readTimeoutClient } from '../../src/storage/postgres/read-timeout-client.js';
import { postgresTestDatabase } from '../helpers/postgres.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

/** A pool of `readTimeoutClient(timeoutMs)` on the test database. */
function poolOf(timeoutMs: number, max = 2): pg.Pool {
  return new pg.Pool({
    connectionString: pgdb.url!,
    max,
    Client: readTimeoutClient(timeoutMs) as unknown as pg.PoolConfig['Client'],
  });
}

describe('readTimeoutClient', { skip: pgdb.skip }, () => {
  test('answers as pg does: promises, callbacks, values, named statements, checked-out clients', async () => {
    const pool = poolOf(5_000);
    try {
      const named = { name: 'rtc_add', text: 'SELECT $1::int + $2::int AS sum', values: [2, 3] };
      assert.equal((await pool.query(named)).rows[0].sum, 5);
      assert.equal((await pool.query(named)).rows[0].sum, 5, 'the prepared statement again');
      assert.equal((await pool.query('SELECT $1::text AS t', ['x'])).rows[0].t, 'x');
      const viaCallback = await new Promise<pg.QueryResult>((resolve, reject) =>
        pool.query('SELECT 7 AS n', (error, result) => (error ? reject(error) : resolve(result))),
      );
      assert.equal(viaCallback.rows[0].n, 7);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        assert.deepEqual((await client.query({ text: 'SELECT 1 AS one', rowMode: 'array' })).rows, [[1]]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      // A Query object keeps its own machinery: pg's events, no callback added.
      const rows: unknown[] = [];
      const query = new pg.Query('SELECT generate_series(1, 3) AS n');
      query.on('row', (row: unknown) => rows.push(row));
      const client2 = await pool.connect();
      try {
        await new Promise((resolve, reject) => {
          query.on('end', resolve);
          query.on('error', reject);
          client2.query(query);
        });
      } finally {
        client2.release();
      }
      assert.equal(rows.length, 3);
    } finally {
      await pool.end();
    }
  });

  test('a server error reaches the caller once, with its SQLSTATE and a stack that names the caller', async () => {
    const pool = poolOf(5_000);
    try {
      await assert.rejects(pool.query('SELECT 1/0'), { code: '22012' });
      const client = await pool.connect();
      try {
        async function divideByZero() {
          return await client.query('SELECT 1/0');
        }
        await assert.rejects(divideByZero(), (error: unknown) => {
          assert.equal((error as { code?: string }).code, '22012');
          assert.match(String((error as Error).stack), /divideByZero/);
          return true;
        });
      } finally {
        client.release();
      }
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  });

  test("a silent answer fails after the timeout with pg's message, read as a lost connection; the pool carries on", async () => {
    const pool = poolOf(300);
    try {
      const started = performance.now();
      await assert.rejects(pool.query('SELECT pg_sleep(3)'), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.equal(error.message, READ_TIMEOUT_MESSAGE);
        assert.ok(isConnectionLost(error));
        return true;
      });
      const waited = performance.now() - started;
      assert.ok(waited >= 250 && waited < 2_000, `gave up after ${Math.round(waited)} ms`);
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  });

  test('0 never times out', async () => {
    const pool = poolOf(0);
    try {
      assert.equal((await pool.query('SELECT pg_sleep(0.2), 1 AS one')).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  });

  test("the store's connections carry no pg query_timeout (it would put back pg's per-query closures)", async () => {
    const store = new PostgresStore({ connectionString: pgdb.url!, queryTimeoutMs: 300, poolSize: 3 });
    try {
      for (const pool of [store.pool, store.commitPool, store.leasePool, store.recordPool]) {
        const client = await pool.connect();
        try {
          const params = (client as unknown as { connectionParameters: { query_timeout?: unknown } })
            .connectionParameters;
          assert.ok(!params.query_timeout, 'no query_timeout on the connection');
          await assert.rejects(client.query('SELECT pg_sleep(3)'), { message: READ_TIMEOUT_MESSAGE });
        } finally {
          client.release(new Error('timed out'));
        }
      }
    } finally {
      await store.close();
    }
  });
});
