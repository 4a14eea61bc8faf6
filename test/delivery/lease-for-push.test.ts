import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import type { LeaseRequest } from '../../src/delivery/storage/delivery-store.js';
import type { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { recordSuccess, registry, ticketEndpointAndSubjects } from './delivery-kit.js';

/**
 * The lease brings what a push reads, called directly on both backends (no
 * dispatcher runs): each leased delivery with its event as the store reads it
 * and its endpoint's version, which moves when the endpoint changes.
 */
const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`the lease brings what a push reads (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let tenantId: string;
    const NOW = Date.parse('2030-01-01T00:00:00Z'); // every delivery below is due
    const request = (over: Partial<LeaseRequest> = {}): LeaseRequest => ({
      nowMs: NOW,
      limit: 100,
      leaseMs: 60_000,
      perEndpointCap: 8,
      minBatch: 1,
      ...over,
    });
    const store = () => app.runtime.push.deliveries;
    const deleteEvent = async (id: string) => {
      const s = app.runtime.store;
      if (s.kind === 'sqlite') (s as SqliteStore).db.prepare('DELETE FROM events WHERE id = ?').run(id);
      else await (s as PostgresStore).pool.query('DELETE FROM events WHERE id = $1', [id]);
    };

    before(async () => {
      app = await startTestApp(backend.env, { registry });
      const tenant = await app.tenant();
      tenantId = tenant.id;
      await ticketEndpointAndSubjects(app, tenant.auth, 3, 'push');
      while ((await store().fanOut(100, matchEndpoints, NOW - 1)) > 0);
    });
    after(() => app.close());

    test('each leased delivery comes with its event as the store reads it, and its endpoint version', async () => {
      const leased = await store().lease(request());
      assert.equal(leased.length, 3);
      for (const delivery of leased) {
        const { event } = delivery;
        assert.ok(delivery.leaseToken && delivery.leaseUntil === NOW + 60_000, 'leased');
        assert.deepEqual(event, await app.runtime.store.getEvent(tenantId, delivery.eventId));
        assert.equal(event?.sequence, delivery.eventSequence);
        assert.ok(event?.snapshot, 'with its render snapshot');
        assert.equal(typeof delivery.endpointVersion, 'string');
      }
      assert.equal(new Set(leased.map((l) => l.endpointVersion)).size, 1, 'one endpoint, one version');
      assert.deepEqual(await store().lease(request()), [], 'leased: not leased again');
      const first = leased[0];
      assert.ok(first);
      const recorded = await recordSuccess(store(), first, NOW);
      assert.equal(recorded, true, "the lease's token records");
    });

    test("a changed endpoint has another version; a deleted event comes as null, its delivery's lease as usual", async () => {
      const later = NOW + 120_000; // the leases above have expired
      const again = await store().lease(request({ nowMs: later, leaseMs: 1_000 }));
      assert.equal(again.length, 2, 'the two unfinished deliveries again');
      const [a, b] = again;
      assert.ok(a && b);
      await store().recordHealth(a.endpointId, {
        ok: false,
        nowMs: later,
        disableAfterMs: 86_400_000,
        probeAfter: null,
      });
      await deleteEvent(b.eventId);
      const probe = await store().lease(request({ nowMs: later + 2_000 }));
      assert.equal(probe.length, 1, 'failing: one probe');
      assert.notEqual(probe[0]?.endpointVersion, a.endpointVersion, 'failing_since moved the version');
      await store().recordHealth(a.endpointId, {
        ok: true,
        nowMs: later,
        disableAfterMs: 0,
        probeAfter: null,
      });
      const rest = await store().lease(request({ nowMs: later + 4_000 }));
      const gone = [...probe, ...rest].find((l) => l.id === b.id);
      assert.ok(gone, 'the delivery of the deleted event is leased');
      assert.equal(gone.event, null);
      assert.equal(gone.eventId, b.eventId);
    });
  });
}
