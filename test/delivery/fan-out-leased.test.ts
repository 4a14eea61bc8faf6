import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KEEPS_UP_MS } from '../../src/delivery/fan-out-admission.js';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import type { FanOutLeaseRequest, LeasedDelivery } from '../../src/delivery/storage/delivery-store.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { recordSuccess, registry, ticketEndpointAndSubjects } from './delivery-kit.js';

/**
 * `fanOutLeased` called directly on both backends (no dispatcher runs).
 * PostgreSQL leases the caller the deliveries an endpoint has slots for, with
 * what a push reads, and leaves the rest of a backlog in the outbox while the
 * endpoint keeps up; those of this healthy, unordered endpoint go out without
 * a row, their outbox rows claimed, until their record writes the row
 * (`postgres-rowless.ts`). SQLite fans out and leases none (its lease right
 * after takes them).
 */
const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`the fan-out leases what can go out now (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let tenantId: string;
    let endpointId: string;
    const NOW = Date.parse('2030-01-01T00:00:00Z');
    const request = (over: Partial<FanOutLeaseRequest> = {}): FanOutLeaseRequest => ({
      nowMs: NOW,
      limit: 100,
      leaseMs: 60_000,
      perEndpointCap: 2,
      minBatch: 1,
      keepsUp: new Set([endpointId]),
      ...over,
    });
    const store = () => app.runtime.push.deliveries;
    const rows = async () => (await store().listDeliveries(tenantId, endpointId, { limit: 50 })).length;

    before(async () => {
      app = await startTestApp(backend.env, { registry });
      const tenant = await app.tenant();
      tenantId = tenant.id;
      endpointId = await ticketEndpointAndSubjects(app, tenant.auth, 5, 'fan');
    });
    after(() => app.close());

    if (backend.name === 'sqlite') {
      test('SQLite fans everything out and leases nothing: the lease after it takes the deliveries', async () => {
        const { consumed, leased } = await store().fanOutLeased(100, matchEndpoints, request());
        assert.equal(consumed, 5);
        assert.deepEqual(leased, []);
        assert.equal((await store().lease(request({ perEndpointCap: 10 }))).length, 5);
      });
      return;
    }

    /** Set by the first test: its deliveries pushed without a row, and the one after the record. */
    let first: LeasedDelivery[] = [];
    let next: LeasedDelivery[] = [];

    test('an endpoint keeping up gets its free slots leased; the rest of the backlog waits in the outbox', async () => {
      const fanned = await store().fanOutLeased(100, matchEndpoints, request());
      assert.equal(fanned.consumed, 2, 'two events: the endpoint has two slots');
      first = fanned.leased;
      assert.equal(first.length, 2);
      for (const delivery of first) {
        assert.equal(delivery.status, 'pending');
        assert.equal(delivery.leaseUntil, NOW + 60_000);
        assert.ok(delivery.leaseToken);
        assert.deepEqual(delivery.event, await app.runtime.store.getEvent(tenantId, delivery.eventId));
        assert.ok(delivery.event?.snapshot, 'with its render snapshot');
        assert.equal(await store().getDelivery(tenantId, delivery.id), null, 'no row until its record');
      }
      const [a, b] = first.map((d) => d.endpointVersion);
      assert.equal(typeof a, 'string');
      assert.equal(a, b);
      assert.deepEqual(await store().lease(request({ perEndpointCap: 10 })), [], 'nothing for the lease to take');
      assert.equal(await rows(), 0, 'no row for the claimed deliveries nor for the events still in the outbox');
      const queue = await store().tenantQueueStats(tenantId);
      assert.equal(queue.pending, 2, 'the claimed deliveries count as pending');
      assert.equal(typeof queue.oldestCreatedAt, 'number', 'since their events were committed');

      const full = await store().fanOutLeased(100, matchEndpoints, request());
      assert.deepEqual(full, { consumed: 0, leased: [] }, 'no free slot: the claims count, and the outbox waits');

      const [done] = first;
      assert.ok(done);
      const recorded = await recordSuccess(store(), done, NOW);
      assert.equal(recorded, true, "the fan-out's lease token records");
      const row = await store().getDelivery(tenantId, done.id);
      assert.deepEqual(
        { status: row?.status, attempts: row?.attempts, leaseToken: row?.leaseToken, createdAt: row?.createdAt },
        { status: 'succeeded', attempts: 1, leaseToken: null, createdAt: NOW },
        'the record writes the row, final',
      );
      const attempts = await store().listAttempts(tenantId, endpointId, { deliveryId: done.id, limit: 10 });
      assert.deepEqual(
        attempts.map((t) => [t.deliveryId, t.attempt, t.outcome]),
        [[done.id, 1, 'succeeded']],
      );
      assert.equal(await recordSuccess(store(), done, NOW), false, 'recorded once');

      const after = await store().fanOutLeased(100, matchEndpoints, request());
      assert.equal(after.consumed, 1, 'a slot freed: one more event');
      next = after.leased;
      assert.equal(next.length, 1);
    });

    test('an endpoint leased to a moment ago keeps up whoever leased it; past KEEPS_UP_MS, its deliveries are written pending', async () => {
      // A process that never heard from the endpoint (another worker's fan-out) sees its leases of a moment ago.
      const stranger = request({ keepsUp: new Set(), nowMs: NOW + KEEPS_UP_MS });
      assert.deepEqual(await store().fanOutLeased(100, matchEndpoints, stranger), { consumed: 0, leased: [] });
      // Not leased to, not answering: it holds nobody up.
      const late = request({ keepsUp: new Set(), nowMs: NOW + KEEPS_UP_MS + 1 });
      // (the outbox is read about as far as the last call consumed: the wait above read one row)
      const rest = [await store().fanOutLeased(100, matchEndpoints, late)];
      rest.push(await store().fanOutLeased(100, matchEndpoints, late));
      assert.deepEqual(
        rest.map((r) => ({ consumed: r.consumed, leased: r.leased.length })),
        [
          { consumed: 1, leased: 0 },
          { consumed: 1, leased: 0 },
        ],
      );
      assert.equal(await rows(), 3, 'a row for every event but the two still claimed');
      // The claims run out (their worker died): the next fan-out reads their outbox rows again, through rows.
      const later = request({ nowMs: NOW + 120_000, perEndpointCap: 10 });
      const leased = await store().lease(later);
      assert.equal(leased.length, 2, 'the two pending');
      const again = await store().fanOutLeased(100, matchEndpoints, later);
      assert.equal(again.consumed, 2);
      assert.equal(again.leased.length, 2, 'and the two whose claims ran out');
      for (const d of again.leased) {
        assert.equal((await store().getDelivery(tenantId, d.id))?.leaseToken, d.leaseToken, 'written leased');
      }
      assert.equal(await rows(), 5, 'every event has its delivery');
    });

    test("a claim that ran out: its worker's late record keeps the attempt on the row written since", async () => {
      const [late] = first.filter((d) => d.id !== first[0]?.id);
      assert.ok(late);
      assert.equal(await recordSuccess(store(), late, NOW + 121_000), false, 'not moved: the lease is not its');
      const [row] = await store().listDeliveries(tenantId, endpointId, { eventId: late.eventId, limit: 1 });
      assert.ok(row);
      assert.notEqual(row.id, late.id);
      assert.equal(row.status, 'pending', 'left to the worker that holds it now');
      const attempts = await store().listAttempts(tenantId, endpointId, { eventId: late.eventId, limit: 10 });
      assert.deepEqual(
        attempts.map((t) => t.deliveryId),
        [row.id],
        'the attempt is kept, on the row',
      );
    });
  });
}
