import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AttemptRecord } from '../../src/delivery/delivery.js';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import type { FanOutLeaseRequest, LeasedDelivery } from '../../src/delivery/storage/delivery-store.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { recordSuccess, registry, ticketEndpoint } from './delivery-kit.js';

/**
 * PostgreSQL's deliveries pushed without a row (`postgres-rowless.ts`), off
 * the happy path: an event for two endpoints, a failed push, a rate-limited
 * one, an endpoint deleted in flight. The store is called directly (no
 * dispatcher runs); each test has a tenant of its own.
 */
const backends = (await testBackends()).filter((b) => b.name === 'postgres');
after(() => dropBackends(backends));

for (const backend of backends) {
  describe('deliveries pushed without a row (postgres)', { skip: backend.skip }, () => {
    let app: TestApp;
    const NOW = Date.parse('2030-01-01T00:00:00Z');
    const store = () => app.runtime.push.deliveries;
    const outbox = () => app.runtime.store.countOutbox();

    before(async () => {
      app = await startTestApp(backend.env, { registry });
    });
    after(() => app.close());

    /** A tenant with `endpoints` ticket endpoints and one new subject: one event in the outbox, leased without rows. */
    async function leasedWithoutRows(endpoints: number) {
      const { id: tenantId, auth } = await app.tenant();
      const ids: string[] = [];
      for (let i = 0; i < endpoints; i++) ids.push(await ticketEndpoint(app, auth));
      const created = await app.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'ticket', id: 'one' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const request: FanOutLeaseRequest = {
        nowMs: NOW,
        limit: 100,
        leaseMs: 60_000,
        perEndpointCap: 4,
        minBatch: 1,
        keepsUp: new Set(ids),
      };
      const { consumed, leased } = await store().fanOutLeased(100, matchEndpoints, request);
      assert.equal(consumed, 1);
      assert.equal(leased.length, endpoints);
      for (const d of leased) assert.equal(await store().getDelivery(tenantId, d.id), null, 'no row in flight');
      assert.equal(await outbox(), 1, 'the outbox row stays, claimed');
      return { tenantId, auth, endpoints: ids, leased };
    }

    function failedAttempt(d: LeasedDelivery): AttemptRecord {
      return {
        tenantId: d.tenantId,
        endpointId: d.endpointId,
        deliveryId: d.id,
        eventId: d.eventId,
        attempt: 1,
        startedAt: NOW,
        outcome: 'failed',
        httpStatus: 503,
        latencyMs: 3,
        responseExcerpt: 'busy',
        errorClass: 'http',
        errorMessage: 'HTTP 503',
      };
    }

    test('an event for two endpoints: its outbox row goes with the last of its deliveries recorded', async () => {
      const { tenantId, leased } = await leasedWithoutRows(2);
      const [a, b] = leased;
      assert.ok(a && b);
      assert.equal(await recordSuccess(store(), a, NOW + 5), true);
      assert.equal(await outbox(), 1, 'one delivery still in flight');
      assert.equal((await store().tenantQueueStats(tenantId)).pending, 1);
      assert.equal(await recordSuccess(store(), b, NOW + 6), true);
      assert.equal(await outbox(), 0);
      for (const d of [a, b]) assert.equal((await store().getDelivery(tenantId, d.id))?.status, 'succeeded');
      assert.equal((await store().tenantQueueStats(tenantId)).pending, 0);
    });

    test('a failed push gets its row, pending for its retry, with its attempt', async () => {
      const { tenantId, leased } = await leasedWithoutRows(1);
      const [d] = leased;
      assert.ok(d);
      const moved = await store().recordAttempt(
        failedAttempt(d),
        d.leaseToken ?? '',
        {
          status: 'pending',
          lastError: 'HTTP 503',
          nextAttemptAt: NOW + 5_000,
        },
        NOW + 10,
      );
      assert.equal(moved, true);
      const row = await store().getDelivery(tenantId, d.id);
      assert.deepEqual(
        {
          status: row?.status,
          attempts: row?.attempts,
          next: row?.nextAttemptAt,
          lease: row?.leaseToken,
          error: row?.lastError,
        },
        { status: 'pending', attempts: 1, next: NOW + 5_000, lease: null, error: 'HTTP 503' },
      );
      const attempts = await store().listAttempts(tenantId, d.endpointId, { deliveryId: d.id, limit: 10 });
      assert.deepEqual(
        attempts.map((t) => [t.attempt, t.outcome, t.httpStatus]),
        [[1, 'failed', 503]],
      );
      assert.equal(await outbox(), 0);
      const retry = await store().lease({
        nowMs: NOW + 5_000,
        limit: 10,
        leaseMs: 60_000,
        perEndpointCap: 4,
        minBatch: 1,
      });
      assert.deepEqual(
        retry.map((r) => [r.id, r.attempts]),
        [[d.id, 1]],
        'the lease takes it when due',
      );
    });

    test('a rate-limited push gets its row, released to its time', async () => {
      const { tenantId, leased } = await leasedWithoutRows(1);
      const [d] = leased;
      assert.ok(d);
      await store().release(d.id, d.leaseToken ?? '', NOW + 1_000);
      const row = await store().getDelivery(tenantId, d.id);
      assert.deepEqual(
        { status: row?.status, attempts: row?.attempts, next: row?.nextAttemptAt, lease: row?.leaseToken },
        { status: 'pending', attempts: 0, next: NOW + 1_000, lease: null },
      );
      assert.equal(await outbox(), 0);
    });

    test('an endpoint deleted in flight: the record writes nothing and gives the claim back', async () => {
      const { tenantId, auth, endpoints, leased } = await leasedWithoutRows(1);
      const [d] = leased;
      assert.ok(d);
      const deleted = await app.runtime.app.inject({
        method: 'DELETE',
        url: `/v1/endpoints/${endpoints[0]}`,
        headers: auth,
      });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal(await recordSuccess(store(), d, NOW + 5), false);
      assert.equal(await store().getDelivery(tenantId, d.id), null);
      assert.equal(await outbox(), 0);
    });
  });
}
