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

/**
 * The pooled connections' TCP keepalive (`TIDINGS_DB_KEEPALIVE_DELAY`), read
 * where the kernel keeps it: an idle socket with keepalive on has its
 * keepalive timer armed (`tr` 2 in /proc/net/tcp) for at most the delay; with
 * 0 it has no timer. The client port comes from the server
 * (`inet_client_port()`), so the row is the pool's own connection.
 */
const PROC_TCP = '/proc/net/tcp';
const hasProcTcp = await import('node:fs').then((fs) => fs.existsSync(PROC_TCP));

async function keepaliveTimer(pool: PostgresStore['pool']): Promise<{ timer: number; seconds: number }> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ port: number }>('SELECT inet_client_port() AS port');
    const port = Number(rows[0]?.port).toString(16).toUpperCase().padStart(4, '0');
    const { readFileSync } = await import('node:fs');
    // columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when ...
    const row = readFileSync(PROC_TCP, 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((cols) => cols[1]?.endsWith(`:${port}`) && cols[3] === '01');
    assert.ok(row, `the pool's socket (local port ${port}) is in ${PROC_TCP}`);
    const [timer, when] = (row[5] ?? '').split(':');
    // `when` is in clock ticks (USER_HZ, 100 on Linux)
    return { timer: Number.parseInt(timer ?? '', 16), seconds: Number.parseInt(when ?? '', 16) / 100 };
  } finally {
    client.release();
  }
}

describe('TIDINGS_DB_KEEPALIVE_DELAY arms TCP keepalive on the pooled connections', {
  skip: pgdb.skip || (!hasProcTcp && `${PROC_TCP} not readable: not Linux`),
}, () => {
  test('30s: an idle pooled connection has its keepalive timer armed for at most 30 s', async () => {
    const t = await startTestApp({ DATABASE_URL: pgdb.url!, TIDINGS_DB_KEEPALIVE_DELAY: '30s' });
    try {
      const store = t.runtime.store as PostgresStore;
      for (const pool of [store.pool, store.commitPool]) {
        const { timer, seconds } = await keepaliveTimer(pool);
        assert.equal(timer, 2, 'the keepalive timer is armed');
        assert.ok(seconds > 0 && seconds <= 30, `due in ${seconds} s`);
      }
    } finally {
      await t.close();
    }
  });

  test('0: keepalive off, no timer on an idle connection', async () => {
    const t = await startTestApp({ DATABASE_URL: pgdb.url!, TIDINGS_DB_KEEPALIVE_DELAY: '0' });
    try {
      const { timer } = await keepaliveTimer((t.runtime.store as PostgresStore).pool);
      assert.equal(timer, 0);
    } finally {
      await t.close();
    }
  });
});
