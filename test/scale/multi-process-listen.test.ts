import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { eventually, FAST, FAST_DISPATCH, registry } from '../delivery/delivery-kit.js';
import { startReceiver } from '../delivery/receiver.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { startTestApp } from '../helpers/test-runtime.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

/**
 * Workers wake on LISTEN/NOTIFY (`src/storage/postgres/outbox-notifier.ts`):
 * an `api` runtime commits, a separate `worker` runtime on the same database
 * pushes. The worker's poll is set to 5 s (25 s while listening), so only the
 * notification can make a push arrive within the 2.5 s these checks allow.
 */
describe('LISTEN/NOTIFY wakes the workers', { skip: pgdb.skip }, () => {
  test('a commit in another process wakes the worker; after its LISTEN connection is killed it reconnects', async () => {
    const env = { ...FAST, DATABASE_URL: String(pgdb.url) };
    const api = await startTestApp({ ...env, TIDINGS_ROLE: 'api' }, { registry });
    const worker = await startTestApp(
      { ...env, TIDINGS_ROLE: 'worker' },
      { registry, delivery: { ...FAST_DISPATCH, pollIntervalMs: 5_000 } },
    );
    const receiver = await startReceiver();
    const admin = new pg.Client({ connectionString: String(pgdb.url) });
    await admin.connect();
    try {
      const { auth } = await api.tenant();
      const post = async (url: string, payload: object) => {
        const res = await api.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
        assert.equal(res.statusCode, 201, res.body);
      };
      await post('/v1/endpoints', { url: receiver.url, format: 'native' });
      worker.runtime.startWorkers();
      const listener = worker.runtime.outboxListener;
      assert.ok(listener, 'a PostgreSQL worker listens');
      await eventually(() => listener.listening, 5_000);
      await new Promise((r) => setTimeout(r, 300)); // let the start-up ticks pass; the next poll is 25 s away

      const pushedWithin = async (id: string, ms: number) => {
        const before = receiver.received.length;
        const t0 = Date.now();
        await post('/v1/subjects', { workflow: 'ticket', id });
        await receiver.waitFor(before + 1, ms);
        return Date.now() - t0;
      };
      const first = await pushedWithin('listen-1', 2_500);

      // The server ends the LISTEN session (as a restart or failover would).
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'tidings-listen'`,
      );
      assert.equal(killed.rowCount, 1, 'one LISTEN connection per worker process');
      await eventually(() => !listener.listening, 5_000);
      // Reconnects with backoff (250 ms first), then notifications wake it again.
      await eventually(() => listener.listening, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      const second = await pushedWithin('listen-2', 2_500);
      assert.equal(receiver.received.length, 2);
      // the pool's working connections are not used for LISTEN
      const listeners = await admin.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'tidings-listen'`,
      );
      assert.equal(listeners.rows[0]?.n, 1);
      assert.ok(first < 2_500 && second < 2_500, `pushed after ${first} ms and ${second} ms`);
    } finally {
      await admin.end();
      await receiver.close();
      await worker.close();
      await api.close();
    }
  });

  test('while not listening the dispatcher polls at pollIntervalMs; while listening at the longer fallback', async () => {
    const env = { ...FAST, DATABASE_URL: String(pgdb.url), TIDINGS_ROLE: 'worker' };
    const worker = await startTestApp(env, { registry, delivery: { ...FAST_DISPATCH, pollIntervalMs: 40 } });
    const ticks: number[] = [];
    const deliveries = worker.runtime.push.deliveries;
    const lease = deliveries.lease.bind(deliveries);
    deliveries.lease = (request) => {
      ticks.push(Date.now());
      return lease(request);
    };
    try {
      worker.runtime.startWorkers();
      await eventually(() => worker.runtime.outboxListener?.listening === true, 5_000);
      await new Promise((r) => setTimeout(r, 200));
      ticks.length = 0;
      await new Promise((r) => setTimeout(r, 1_000));
      const listening = ticks.length; // every 200 ms: ~5
      worker.runtime.push.dispatcher.setListening(false);
      await new Promise((r) => setTimeout(r, 250));
      ticks.length = 0;
      await new Promise((r) => setTimeout(r, 1_000));
      const polling = ticks.length; // every 40 ms: ~25 (fewer on a loaded machine)
      assert.ok(listening <= 7, `${listening} polls/s while listening`);
      assert.ok(polling > listening, `${polling} polls/s while not listening, ${listening} while listening`);
    } finally {
      await worker.close();
    }
  });
});
