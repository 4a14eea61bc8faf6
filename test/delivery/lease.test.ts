import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DeliveryRecord } from '../../src/delivery/delivery.js';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import type { LeaseRequest } from '../../src/delivery/storage/delivery-store.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { recordSuccess, registry, ticketEndpointAndSubjects } from './delivery-kit.js';

/**
 * The delivery store's lease, called directly on both backends (no
 * dispatcher runs): per-endpoint cap, refill groups (`minBatch`), expiry,
 * answered deliveries, and the lease token that records and releases need.
 */
const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`delivery lease (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let auth: { authorization: string };
    const NOW = Date.parse('2030-01-01T00:00:00Z'); // every delivery below is due
    const request = (over: Partial<LeaseRequest> = {}): LeaseRequest => ({
      nowMs: NOW,
      limit: 100,
      leaseMs: 60_000,
      perEndpointCap: 8,
      minBatch: 4,
      ...over,
    });
    const store = () => app.runtime.push.deliveries;
    const succeed = (d: DeliveryRecord) => recordSuccess(store(), d, NOW);

    before(async () => {
      app = await startTestApp(backend.env, { registry });
      ({ auth } = await app.tenant());
      await ticketEndpointAndSubjects(app, auth, 20, 'lease');
      while ((await store().fanOut(100, matchEndpoints, NOW - 1)) > 0);
    });
    after(() => app.close());

    test('an endpoint gets its cap, then more only once minBatch slots are free; an expired lease is retaken', async () => {
      const first = await store().lease(request());
      assert.equal(first.length, 8, 'the cap');
      assert.equal(new Set(first.map((d) => d.id)).size, 8);
      assert.ok(first.every((d) => d.leaseToken && d.leaseUntil === NOW + 60_000));

      assert.equal(await succeed(first[0] as DeliveryRecord), true);
      assert.equal(await succeed(first[1] as DeliveryRecord), true);
      assert.equal(await succeed(first[1] as DeliveryRecord), false, 'a finished lease records nothing more');
      assert.deepEqual(await store().lease(request()), [], '2 free of 8, minBatch 4: wait');
      assert.equal((await store().lease(request({ minBatch: 2 }))).length, 2, 'minBatch 2: refilled');

      for (const d of first.slice(2, 6)) assert.equal(await succeed(d), true);
      const refill = await store().lease(request());
      assert.equal(refill.length, 4, '4 free: a group of 4');
      const leasedNow = new Set([...first.slice(6), ...refill].map((d) => d.id));
      assert.equal(leasedNow.size, 6);

      // Past its lease, a delivery is free again (its pusher is presumed dead).
      const later = await store().lease(request({ nowMs: NOW + 60_001, perEndpointCap: 100 }));
      assert.equal(later.length, 20 - 6, 'every unfinished delivery, the expired leases included');
      assert.ok([...leasedNow].every((id) => later.some((d) => d.id === id)));
      assert.equal(await succeed(refill[0] as DeliveryRecord), false, 'the old token no longer records');
    });

    test("an endpoint's deliveries page newest event first, the cursor continuing where a page ended", async () => {
      const endpoints = await app.runtime.app.inject({ method: 'GET', url: '/v1/endpoints', headers: auth });
      const endpointId = (endpoints.json() as { endpoints: Array<{ id: string }> }).endpoints[0]?.id;
      const seen: Array<{ id: string; eventSequence: number }> = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/endpoints/${endpointId}/deliveries?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await app.runtime.app.inject({ method: 'GET', url, headers: auth });
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json() as {
          deliveries: Array<{ id: string; eventSequence: number }>;
          nextCursor: string | null;
        };
        seen.push(...page.deliveries);
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 20);
      assert.equal(new Set(seen.map((d) => d.id)).size, 20);
      const sequences = seen.map((d) => d.eventSequence);
      assert.deepEqual(
        sequences,
        [...sequences].sort((a, b) => b - a),
      );
    });

    test('circuit breaker: one probe while failing, none while paused; a success, a replay or a change ends it', async () => {
      const T = NOW + 3_600_000; // every earlier lease has expired
      const at = (ms: number) => request({ nowMs: T + ms, leaseMs: 1_000 }); // each lease below expires before the next
      const endpointId = ((await store().lease(at(0)))[0] as DeliveryRecord).endpointId;
      const health = (ms: number, ok: boolean, probeAfter: number | null = null) =>
        store().recordHealth(endpointId, { ok, nowMs: T + ms, disableAfterMs: 86_400_000, probeAfter });
      const pausedUntil = async () => {
        const res = await app.runtime.app.inject({ method: 'GET', url: `/v1/endpoints/${endpointId}`, headers: auth });
        return (res.json() as { pausedUntil: string | null }).pausedUntil;
      };

      await health(1_500, false); // the first failure: failing, no pause yet
      assert.equal((await store().lease(at(2_000))).length, 1, 'half-open: a single probe');
      await health(2_500, false, T + 10_000);
      assert.deepEqual(await store().lease(at(5_000)), [], 'open: nothing until probe_after');
      assert.equal(await pausedUntil(), new Date(T + 10_000).toISOString());
      assert.equal((await store().lease(at(10_000))).length, 1, 'the pause is over: the next probe');

      await health(10_500, false, T + 60_000);
      assert.deepEqual(await store().lease(at(12_000)), []);
      const replay = await app.runtime.app.inject({
        method: 'POST',
        url: `/v1/endpoints/${endpointId}/replay`,
        headers: auth,
        payload: { since: '2000-01-01T00:00:00Z' },
      });
      assert.equal(replay.statusCode, 202, replay.body);
      assert.equal((await store().lease(at(13_000))).length, 1, 'a replay ends the pause');

      await health(13_500, false, T + 60_000);
      const patched = await app.runtime.app.inject({
        method: 'PATCH',
        url: `/v1/endpoints/${endpointId}`,
        headers: auth,
        payload: { description: 'fixed' },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(await pausedUntil(), null, 'a change ends the pause');
      assert.equal((await store().lease(at(15_000))).length, 1, 'still failing: one probe');

      await health(15_500, true);
      assert.equal((await store().lease(at(17_000))).length, 8, 'closed: the whole cap');
      assert.equal(await pausedUntil(), null);
    });

    test('answered deliveries awaiting their record free their slots on PostgreSQL, and count on SQLite', async () => {
      const at = request({ nowMs: NOW + 7_200_000 }); // every earlier lease has expired
      const full = await store().lease(at);
      assert.equal(full.length, 8);
      assert.deepEqual(await store().lease(at), [], 'the cap is taken');
      const answered = new Set(full.slice(0, 4).map((d) => d.id));
      const more = await store().lease({ ...at, answered });
      if (backend.name === 'postgres') {
        assert.equal(more.length, 4, '4 requests open of 8: a group of 4');
        assert.ok(
          more.every((d) => !full.some((f) => f.id === d.id)),
          'the answered ones stay leased',
        );
      } else {
        assert.deepEqual(more, [], 'SQLite counts them until recorded');
      }
    });

    test('records that finish together commit as one batch, each with its own answer; a stale lease moves nothing, its attempt is kept', async () => {
      const at = request({ nowMs: NOW + 14_400_000, perEndpointCap: 3, minBatch: 1 }); // earlier leases expired
      const leased = await store().lease(at);
      assert.equal(leased.length, 3);
      const [a, b, c] = leased as [DeliveryRecord, DeliveryRecord, DeliveryRecord];
      const attempts = async (d: DeliveryRecord) =>
        (await store().listAttempts(d.tenantId, d.endpointId, { deliveryId: d.id, limit: 100 })).length;
      const before = await Promise.all([a, b, c].map(attempts));
      // issued in one turn: one group-committed batch (one statement on PostgreSQL)
      const results = await Promise.all([succeed(a), succeed({ ...c, leaseToken: 'not-the-lease' }), succeed(b)]);
      assert.deepEqual(results, [true, false, true]);
      assert.deepEqual(
        await Promise.all([a, b, c].map(attempts)),
        before.map((n) => n + 1),
        'every attempt is kept, the stale one too',
      );
      const status = async (d: DeliveryRecord) => (await store().getDelivery(d.tenantId, d.id))?.status;
      assert.deepEqual(await Promise.all([a, b, c].map(status)), ['succeeded', 'succeeded', 'pending']);
    });

    // PostgreSQL asks whether anything is due before the lease that follows an empty one (`ANY_DUE_SQL`):
    // whatever the lease would take must answer yes.
    test('after an empty lease, what falls due is leased: a retry whose time came, a lease that expired', async () => {
      const T = NOW + 21_600_000; // every earlier lease has expired
      const at = (ms: number, over: Partial<LeaseRequest> = {}) =>
        request({ nowMs: T + ms, limit: 1, perEndpointCap: 100, minBatch: 1, leaseMs: 10_000, ...over });
      const [retried] = await store().lease(at(0));
      assert.ok(retried);
      const failed = await store().recordAttempt(
        {
          tenantId: retried.tenantId,
          endpointId: retried.endpointId,
          deliveryId: retried.id,
          eventId: retried.eventId,
          attempt: retried.attempts + 1,
          startedAt: T,
          outcome: 'failed',
          httpStatus: 503,
          latencyMs: 1,
          responseExcerpt: '',
          errorClass: 'http',
          errorMessage: null,
        },
        retried.leaseToken ?? '',
        { status: 'pending', lastError: 'HTTP 503', nextAttemptAt: T + 5_000 },
        T,
      );
      assert.equal(failed, true);
      // Lease the rest, so nothing else is due until the retry's time or these leases' expiry.
      const rest = await store().lease(at(1, { limit: 100 }));
      assert.ok(rest.length > 0 && !rest.some((d) => d.id === retried.id));
      assert.deepEqual(await store().lease(at(2)), [], 'nothing due');
      assert.deepEqual(await store().lease(at(3)), [], 'still nothing due');
      assert.deepEqual(
        (await store().lease(at(5_000))).map((d) => d.id),
        [retried.id],
        'the retry, at its time',
      );
      assert.deepEqual(await store().lease(at(5_001)), [], 'nothing due again');
      const expired = await store().lease(at(10_002, { limit: 100 }));
      assert.deepEqual(expired.map((d) => d.id).sort(), rest.map((d) => d.id).sort(), 'the expired leases, retaken');
    });
  });
}
