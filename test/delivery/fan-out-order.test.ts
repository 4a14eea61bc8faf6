import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import { SqliteDeliveryStore } from '../../src/delivery/storage/sqlite-delivery-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { registry, ticketEndpoint } from './delivery-kit.js';

/**
 * SQLite fans out to healthy endpoints first: when an event also goes to a
 * failing endpoint, the healthy endpoints' deliveries are committed by one
 * call and the rest, with the outbox delete, by the next (no dispatcher runs
 * here; the calls are made directly).
 */
describe('SQLite fan-out: healthy endpoints first', () => {
  let app: TestApp;
  let store: SqliteStore;
  let auth: { authorization: string };
  let healthy: string;
  let failing: string;
  const NOW = Date.parse('2030-01-01T00:00:00Z');
  const count = (sql: string) => (store.db.prepare(sql).pluck().get() as number) ?? 0;
  const deliveriesTo = (id: string) => count(`SELECT count(*) FROM deliveries WHERE endpoint_id = '${id}'`);
  const outbox = () => count('SELECT count(*) FROM outbox');
  /** The second endpoint's health: a failure makes it failing, a success healthy again. */
  const health = (ok: boolean) =>
    app.runtime.push.deliveries.recordHealth(failing, { ok, nowMs: NOW, disableAfterMs: 86_400_000, probeAfter: null });

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-fan-out-'));
    store = new SqliteStore({ path: join(dir, 'tidings.db') });
    app = await startTestApp({}, { registry, store }, dir);
    ({ auth } = await app.tenant());
    healthy = await ticketEndpoint(app, auth);
    failing = await ticketEndpoint(app, auth);
    await health(false);
  });
  after(() => app.close());

  const openTicket = async (id: string) => {
    const res = await app.runtime.app.inject({
      method: 'POST',
      url: '/v1/subjects',
      headers: auth,
      payload: { workflow: 'ticket', id },
    });
    assert.equal(res.statusCode, 201, res.body);
  };

  test('the healthy endpoint gets its delivery one call before the failing one; the outbox row goes last', async () => {
    await openTicket('fan-1');
    const deliveries = app.runtime.push.deliveries;
    assert.equal(await deliveries.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [1, 0, 1]);
    assert.equal(await deliveries.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [1, 1, 0]);
    assert.equal(await deliveries.fanOut(100, matchEndpoints, NOW), 0);
  });

  test('a crash between the two calls loses nothing and duplicates nothing', async () => {
    await openTicket('fan-2');
    assert.equal(await app.runtime.push.deliveries.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [2, 1, 1]);
    // A new process: the store's memory of the half-done batch is gone, the outbox row is not.
    const restarted = new SqliteDeliveryStore(store.db);
    assert.equal(await restarted.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [2, 1, 1], 'not twice');
    assert.equal(await restarted.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [2, 2, 0]);
    // The first store's own second half, run late, finds everything there.
    assert.equal(await app.runtime.push.deliveries.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [2, 2, 0]);
  });

  test('with every endpoint healthy, one call does it all', async () => {
    await health(true);
    await openTicket('fan-3');
    assert.equal(await app.runtime.push.deliveries.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [3, 3, 0]);
  });

  test('an endpoint deleted between the two calls gets no delivery', async () => {
    await health(false);
    await openTicket('fan-4');
    assert.equal(await app.runtime.push.deliveries.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [4, 3, 1]);
    const removed = await app.runtime.app.inject({ method: 'DELETE', url: `/v1/endpoints/${failing}`, headers: auth });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal(await app.runtime.push.deliveries.fanOut(100, matchEndpoints, NOW), 1);
    assert.deepEqual([deliveriesTo(healthy), deliveriesTo(failing), outbox()], [4, 0, 0]);
  });
});
