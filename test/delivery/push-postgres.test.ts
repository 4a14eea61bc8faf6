import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { startTestApp } from '../helpers/test-runtime.js';
import { eventually, FAST, FAST_DISPATCH, type Harness, harness, registry } from './delivery-kit.js';
import { orderingSwitchedOn, orderingSwitchHandler } from './ordering-switch.js';
import { type Receiver, startReceiver } from './receiver.js';

const pgdb = await postgresTestDatabase();

/** The core delivery paths again, on PostgreSQL (FOR UPDATE SKIP LOCKED leases, advisory-locked fan-out). */
describe('push delivery on PostgreSQL', { skip: pgdb.skip }, () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  before(async () => {
    h = await harness({}, { store: new PostgresStore({ connectionString: String(pgdb.url) }) });
  });
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await h?.close();
    await pgdb.drop();
  });

  test('a signed push is delivered; a 5xx is retried until a 2xx', async () => {
    const r = await startReceiver((_req, res, n) => res.writeHead(n === 1 ? 500 : 200).end());
    receivers.push(r);
    const endpoint = await h.createEndpoint({ url: r.url });
    await h.openTicket('pg-1');
    const [first, second] = await r.waitFor(2);
    assert.equal(first?.headers['webhook-id'], second?.headers['webhook-id']);
    assert.ok(
      new Webhook(endpoint.secret).verify(second?.body ?? '', {
        'webhook-id': String(second?.headers['webhook-id']),
        'webhook-timestamp': String(second?.headers['webhook-timestamp']),
        'webhook-signature': String(second?.headers['webhook-signature']),
      }),
    );
    await eventually(async () => {
      const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/deliveries`, headers: h.auth });
      return (res.json() as { deliveries: Array<{ status: string }> }).deliveries[0]?.status === 'succeeded';
    });
    await h.inject({ method: 'DELETE', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth });
  });

  test('ordering switched on: deliveries created from then on are ordered; an older unordered one does not hold them', async () => {
    const r = await startReceiver(orderingSwitchHandler());
    receivers.push(r);
    await orderingSwitchedOn(h, r);
  });

  test('ordering subject holds under failures', async () => {
    const r = await startReceiver((_req, res) =>
      setTimeout(() => res.writeHead(Math.random() < 0.35 ? 503 : 200).end(), Math.random() * 20),
    );
    receivers.push(r);
    await h.createEndpoint({ url: r.url, ordering: 'subject' });
    const EVENTS = 6;
    await Promise.all(
      [0, 1, 2].map(async (s) => {
        await h.openTicket(`pg-ord-${s}`);
        for (let n = 1; n <= EVENTS; n++) await h.note(`pg-ord-${s}`, n);
      }),
    );
    await eventually(() => new Set(r.received.map((p) => p.body)).size === 3 * (EVENTS + 1), 20_000);
    for (const s of [0, 1, 2]) {
      const ns = r.received
        .map((p) => JSON.parse(p.body) as { subject: string; data: { data: { n?: number } } })
        .filter((e) => e.subject === `pg-ord-${s}`)
        .map((e) => e.data.data.n ?? 0);
      for (let i = 1; i < ns.length; i++) assert.ok((ns[i] ?? 0) >= (ns[i - 1] ?? 0), ns.join(','));
    }
  });

  test('two worker processes share the queue (SKIP LOCKED): every event is pushed exactly once', async () => {
    const worker = await startTestApp(
      { ...FAST, TIDINGS_ROLE: 'worker' },
      { registry, delivery: FAST_DISPATCH, store: new PostgresStore({ connectionString: String(pgdb.url) }) },
    );
    worker.runtime.startWorkers();
    const r = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end(), Math.random() * 10));
    receivers.push(r);
    try {
      await h.createEndpoint({ url: r.url, workflows: ['ticket'] });
      const COUNT = 60;
      await Promise.all(Array.from({ length: COUNT }, (_, i) => h.openTicket(`pg-two-${i}`)));
      await r.waitFor(COUNT, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ids = r.received.map((p) => String(p.headers['webhook-id']));
      assert.equal(ids.length, COUNT);
      assert.equal(new Set(ids).size, COUNT);
    } finally {
      await worker.close();
    }
  });
});
