import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AttemptRecord, DeliveryRecord } from '../../src/delivery/delivery.js';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import type { LeaseRequest } from '../../src/delivery/storage/delivery-store.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * The deliveries and attempts listings' `eventId` and `deliveryId` filters, on
 * both backends: "what happened to event X at this endpoint?" in one call.
 * No dispatcher runs; attempts are recorded through the store as a push would.
 */
const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`delivery listings by event and delivery (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: { authorization: string };
    let endpointA: string;
    let endpointB: string;
    const deliveries = new Map<string, DeliveryRecord>(); // `${endpointId} ${eventId}` → delivery
    const NOW = Date.parse('2030-01-01T00:00:00Z');
    const get = async (url: string) => {
      const res = await t.runtime.app.inject({ method: 'GET', url, headers: auth });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const record = async (d: DeliveryRecord, attempt: number, ok: boolean, at: number) => {
      const row: AttemptRecord = {
        tenantId: d.tenantId,
        endpointId: d.endpointId,
        deliveryId: d.id,
        eventId: d.eventId,
        attempt,
        startedAt: at,
        outcome: ok ? 'succeeded' : 'failed',
        httpStatus: ok ? 200 : 500,
        latencyMs: 1,
        responseExcerpt: '',
        errorClass: ok ? null : 'http',
        errorMessage: null,
      };
      const update = ok
        ? { status: 'succeeded' as const, lastError: null }
        : { status: 'pending' as const, lastError: 'HTTP 500', nextAttemptAt: at };
      assert.equal(await t.runtime.push.deliveries.recordAttempt(row, d.leaseToken ?? '', update, at), true);
    };
    const lease = (nowMs: number): Promise<DeliveryRecord[]> => {
      const request: LeaseRequest = { nowMs, limit: 100, leaseMs: 1_000, perEndpointCap: 100, minBatch: 1 };
      return t.runtime.push.deliveries.lease(request);
    };
    let events: string[] = [];

    before(async () => {
      t = await startTestApp(backend.env);
      ({ auth } = await t.tenant());
      const created = async (url: string, payload: object) => {
        const res = await t.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
        assert.equal(res.statusCode, 201, res.body);
        return res.json().id as string;
      };
      endpointA = await created('/v1/endpoints', { url: 'http://127.0.0.1:9/a' });
      endpointB = await created('/v1/endpoints', { url: 'http://127.0.0.1:9/b' });
      for (const id of ['s1', 's2', 's3']) await created('/v1/subjects', { workflow: 'videoid-request', id });
      while ((await t.runtime.push.deliveries.fanOut(100, matchEndpoints, NOW)) > 0);
      const first = await lease(NOW);
      assert.equal(first.length, 6, 'three events to two endpoints');
      for (const d of first) deliveries.set(`${d.endpointId} ${d.eventId}`, d);
      events = [...new Set(first.map((d) => d.eventId))];
      // Event 2 fails once at A and then succeeds; every other delivery succeeds at once.
      for (const d of first) await record(d, 1, !(d.endpointId === endpointA && d.eventId === events[1]), NOW);
      const retry = await lease(NOW + 10);
      assert.equal(retry.length, 1);
      await record(retry[0] as DeliveryRecord, 2, true, NOW + 10);
    });
    after(() => t?.close());

    test("deliveries?eventId= is that event's one delivery to the endpoint", async () => {
      const page = await get(`/v1/endpoints/${endpointA}/deliveries?eventId=${events[1]}`);
      assert.deepEqual(
        page.deliveries.map((d: { id: string }) => d.id),
        [deliveries.get(`${endpointA} ${events[1]}`)?.id],
      );
      assert.equal(page.deliveries[0].attempts, 2);
      assert.equal(page.nextCursor, null);
      const none = await get(`/v1/endpoints/${endpointA}/deliveries?eventId=evt_not_there`);
      assert.deepEqual(none.deliveries, []);
    });

    test('attempts?eventId= and ?deliveryId= are its attempts, newest first, and page', async () => {
      const delivery = deliveries.get(`${endpointA} ${events[1]}`) as DeliveryRecord;
      const byEvent = await get(`/v1/endpoints/${endpointA}/attempts?eventId=${events[1]}`);
      assert.deepEqual(
        byEvent.attempts.map((a: { attempt: number; outcome: string }) => [a.attempt, a.outcome]),
        [
          [2, 'succeeded'],
          [1, 'failed'],
        ],
      );
      assert.ok(byEvent.attempts.every((a: { deliveryId: string }) => a.deliveryId === delivery.id));
      const byDelivery = await get(`/v1/endpoints/${endpointA}/attempts?deliveryId=${delivery.id}`);
      assert.deepEqual(byDelivery, byEvent);
      const failed = await get(`/v1/endpoints/${endpointA}/attempts?eventId=${events[1]}&status=failed`);
      assert.deepEqual(
        failed.attempts.map((a: { attempt: number }) => a.attempt),
        [1],
      );
      const page1 = await get(`/v1/endpoints/${endpointA}/attempts?deliveryId=${delivery.id}&limit=1`);
      const page2 = await get(
        `/v1/endpoints/${endpointA}/attempts?deliveryId=${delivery.id}&limit=1&cursor=${page1.nextCursor}`,
      );
      assert.deepEqual(
        [...page1.attempts, ...page2.attempts].map((a: { attempt: number }) => a.attempt),
        [2, 1],
      );
    });

    test("GET /v1/deliveries/{id} is one delivery, and another tenant's is 404", async () => {
      const delivery = deliveries.get(`${endpointA} ${events[1]}`) as DeliveryRecord;
      const one = await get(`/v1/deliveries/${delivery.id}`);
      assert.equal(one.id, delivery.id);
      assert.equal(one.endpointId, endpointA);
      assert.equal(one.eventId, events[1]);
      assert.equal(one.status, 'succeeded');
      assert.equal(one.attempts, 2);
      const other = await t.tenant('Other');
      const hidden = await t.runtime.app.inject({
        method: 'GET',
        url: `/v1/deliveries/${delivery.id}`,
        headers: other.auth,
      });
      assert.equal(hidden.statusCode, 404, hidden.body);
      assert.equal(hidden.json().code, 'not_found');
      const unknown = await t.runtime.app.inject({ method: 'GET', url: '/v1/deliveries/dlv_nope', headers: auth });
      assert.equal(unknown.statusCode, 404);
    });

    test("the filters stay within the endpoint: another endpoint's delivery, an unknown event", async () => {
      const atB = deliveries.get(`${endpointB} ${events[1]}`) as DeliveryRecord;
      const crossed = await get(`/v1/endpoints/${endpointA}/attempts?deliveryId=${atB.id}`);
      assert.deepEqual(crossed.attempts, []);
      const atBByEvent = await get(`/v1/endpoints/${endpointB}/attempts?eventId=${events[1]}`);
      assert.deepEqual(
        atBByEvent.attempts.map((a: { deliveryId: string }) => a.deliveryId),
        [atB.id],
      );
      assert.deepEqual((await get(`/v1/endpoints/${endpointA}/attempts?eventId=nope`)).attempts, []);
      const tooLong = await t.runtime.app.inject({
        method: 'GET',
        url: `/v1/endpoints/${endpointA}/attempts?eventId=${'x'.repeat(201)}`,
        headers: auth,
      });
      assert.equal(tooLong.statusCode, 400, tooLong.body);
      assert.equal(tooLong.json().code, 'validation');
    });
  });
}
