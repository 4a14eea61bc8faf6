import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KEEPS_UP_MS } from '../../src/delivery/fan-out-admission.js';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import type { FanOutLeaseRequest } from '../../src/delivery/storage/delivery-store.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { recordSuccess, registry, ticketEndpointAndSubjects } from './delivery-kit.js';

/**
 * `fanOutLeased` called directly on both backends (no dispatcher runs).
 * PostgreSQL writes the deliveries an endpoint has slots for already leased
 * to the caller, with what a push reads, and leaves the rest of a backlog in
 * the outbox while the endpoint keeps up; SQLite fans out and leases none
 * (its lease right after takes them).
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

    test('an endpoint keeping up gets its free slots leased; the rest of the backlog waits in the outbox', async () => {
      const first = await store().fanOutLeased(100, matchEndpoints, request());
      assert.equal(first.consumed, 2, 'two events: the endpoint has two slots');
      assert.equal(first.leased.length, 2);
      for (const delivery of first.leased) {
        assert.equal(delivery.status, 'pending');
        assert.equal(delivery.leaseUntil, NOW + 60_000);
        assert.ok(delivery.leaseToken);
        assert.deepEqual(delivery.event, await app.runtime.store.getEvent(tenantId, delivery.eventId));
        assert.ok(delivery.event?.snapshot, 'with its render snapshot');
        const stored = await store().getDelivery(tenantId, delivery.id);
        assert.equal(stored?.leaseToken, delivery.leaseToken, 'written leased');
      }
      const [a, b] = first.leased.map((d) => d.endpointVersion);
      assert.equal(typeof a, 'string');
      assert.equal(a, b);
      assert.deepEqual(await store().lease(request({ perEndpointCap: 10 })), [], 'leased once: the lease skips them');
      assert.equal(await rows(), 2, 'no row for the events still in the outbox');

      const full = await store().fanOutLeased(100, matchEndpoints, request());
      assert.deepEqual(full, { consumed: 0, leased: [] }, 'no free slot: the outbox waits');

      const [done] = first.leased;
      assert.ok(done);
      const recorded = await recordSuccess(store(), done, NOW);
      assert.equal(recorded, true, "the fan-out's lease token records");
      const next = await store().fanOutLeased(100, matchEndpoints, request());
      assert.equal(next.consumed, 1, 'a slot freed: one more event');
      assert.equal(next.leased.length, 1);
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
      assert.equal(await rows(), 5, 'every event has its delivery');
      const later = await store().lease(request({ nowMs: NOW + 120_000, perEndpointCap: 10 }));
      assert.equal(later.length, 4, 'the two pending and, their leases expired, the two still leased');
    });
  });
}
