import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AttemptRecord, DeliveryRecord } from '../../src/delivery/delivery.js';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import {
  newIntent,
  type OperationalIntent,
  type OperationalType,
  type StoredIntent,
} from '../../src/delivery/operational-intent.js';
import { RetentionJob } from '../../src/feeds/retention-job.js';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { operational } from '../../src/workflows/builtin/operational.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { ticket } from './delivery-kit.js';

/**
 * The operational events' outbox on both backends, through the stores
 * directly (no dispatcher, no drain runs by itself): each cause writes its
 * intent in its own transaction, and only when the cause happened; the drain
 * records each intent once, also when it is redone after a crash between
 * the event's commit and the intent's delete.
 */
const backends = await testBackends();
after(() => dropBackends(backends));
const registry = createWorkflowRegistry([...BUILTIN_WORKFLOWS, operational, ticket]);

for (const backend of backends) {
  describe(`operational intents (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let tenantId: string;
    let auth: { authorization: string };
    let plain: string;
    let ordered: string;
    const NOW = Date.parse('2030-01-01T00:00:00Z');
    const store = () => t.runtime.push.deliveries;
    const intents = () => t.runtime.pull.storage.intents;
    const keys = async () => (await intents().oldest(1_000)).map((i: StoredIntent) => i.key);
    const intent = (type: OperationalType, endpointId: string, data: Record<string, unknown> = {}) =>
      newIntent(tenantId, type, { endpointId, url: 'http://127.0.0.1:9/', ...data }, NOW);
    const failedAttempt = (d: DeliveryRecord): AttemptRecord => ({
      tenantId: d.tenantId,
      endpointId: d.endpointId,
      deliveryId: d.id,
      eventId: d.eventId,
      attempt: 1,
      startedAt: NOW,
      outcome: 'failed',
      httpStatus: 500,
      latencyMs: 1,
      responseExcerpt: '',
      errorClass: 'http',
      errorMessage: null,
    });
    const typesOf = async () => (await t.runtime.store.listEvents(tenantId, { limit: 1_000 })).map((e) => e.type);

    before(async () => {
      t = await startTestApp(backend.env, { registry });
      ({ id: tenantId, auth } = await t.tenant());
      const create = async (payload: object) => {
        const res = await t.runtime.app.inject({ method: 'POST', url: '/v1/endpoints', headers: auth, payload });
        assert.equal(res.statusCode, 201, res.body);
        return (res.json() as { id: string }).id;
      };
      plain = await create({ url: 'http://127.0.0.1:9/a', workflows: ['ticket'] });
      // subject ordering takes PostgreSQL's other record path (`recordBatchOrdered`)
      ordered = await create({ url: 'http://127.0.0.1:9/b', workflows: ['ticket'], ordering: 'subject' });
      for (let i = 0; i < 3; i++) {
        const res = await t.runtime.app.inject({
          method: 'POST',
          url: '/v1/subjects',
          headers: auth,
          payload: { workflow: 'ticket', id: `intent-${i}` },
        });
        assert.equal(res.statusCode, 201, res.body);
      }
      while ((await store().fanOut(100, matchEndpoints, NOW - 1)) > 0);
    });
    after(() => t.close());

    test('an attempt record writes its dead letter only when it moves the delivery (the lease still held)', async () => {
      const leased = await store().lease({ nowMs: NOW, limit: 100, leaseMs: 60_000, perEndpointCap: 1, minBatch: 1 });
      for (const endpointId of [plain, ordered]) {
        const d = leased.find((l) => l.endpointId === endpointId);
        assert.ok(d, `a delivery of ${endpointId} is leased`);
        const dead = { status: 'failed' as const, lastError: 'HTTP 500; gave up' };
        const dl = { deliveryId: d.id, eventId: d.eventId, attempts: 1, lastError: dead.lastError };
        const first = intent('delivery.dead-lettered', endpointId, dl);
        const again = intent('delivery.dead-lettered', endpointId, dl);
        assert.equal(await store().recordAttempt(failedAttempt(d), d.leaseToken ?? '', dead, NOW, first), true);
        assert.equal(await store().recordAttempt(failedAttempt(d), d.leaseToken ?? '', dead, NOW, again), false);
        const written = await keys();
        assert.ok(written.includes(first.key), 'written with the record that moved the delivery');
        assert.ok(!written.includes(again.key), 'not written by a record that moved nothing');
      }
    });

    test("an endpoint's disabling, health reports and update write their intents with them, never for a missing endpoint", async () => {
      const disabled = intent('endpoint.disabled', plain, { reason: '410' });
      const missing = intent('endpoint.disabled', 'ep_missing', { reason: '410' });
      await store().disableEndpoint(tenantId, plain, 'endpoint answered 410 Gone', NOW, disabled);
      await store().disableEndpoint(tenantId, 'ep_missing', 'endpoint answered 410 Gone', NOW, missing);

      const failing = intent('endpoint.failing', ordered, { failingSince: new Date(NOW).toISOString() });
      const notYet = intent('endpoint.disabled', ordered, { reason: 'too long' });
      const report = { ok: false, nowMs: NOW, disableAfterMs: 86_400_000, probeAfter: null };
      assert.equal(
        await store().recordHealth(ordered, { ...report, intents: { always: [failing], ifDisabled: notYet } }),
        false,
      );
      const nowDisabled = intent('endpoint.disabled', ordered, { reason: 'too long' });
      const later = { ...report, nowMs: NOW + 2 * 86_400_000 };
      assert.equal(
        await store().recordHealth(ordered, { ...later, intents: { always: [], ifDisabled: nowDisabled } }),
        true,
      );

      const recovered = intent('endpoint.recovered', ordered, { how: 'succeeded' });
      const nobody = intent('endpoint.recovered', 'ep_missing', { how: 'succeeded' });
      const ok = { ok: true, nowMs: NOW, disableAfterMs: 86_400_000, probeAfter: null };
      await store().recordHealth(ordered, { ...ok, intents: { always: [recovered], ifDisabled: null } });
      await store().recordHealth('ep_missing', { ...ok, intents: { always: [nobody], ifDisabled: null } });

      const endpoint = await store().getEndpoint(tenantId, plain);
      assert.ok(endpoint);
      const enabled = intent('endpoint.recovered', plain, { how: 'enabled' });
      const ghost = intent('endpoint.recovered', 'ep_missing', { how: 'enabled' });
      assert.equal(await store().updateEndpoint({ ...endpoint, enabled: true, updatedAt: NOW + 1 }, enabled), true);
      assert.equal(await store().updateEndpoint({ ...endpoint, id: 'ep_missing' }, ghost), false);

      const written = await keys();
      for (const i of [disabled, failing, nowDisabled, recovered, enabled]) assert.ok(written.includes(i.key));
      for (const i of [missing, notYet, nobody, ghost]) assert.ok(!written.includes(i.key));
    });

    test('a signing key rotation writes signing-key.rotated for every tenant in its transaction', async () => {
      const ring = t.runtime.pull.keys;
      const previous = await ring.activeKey('default');
      const [rotated] = await ring.rotate(['default']);
      assert.ok(rotated);
      const stored = (await intents().oldest(1_000)).filter((i) => i.type === 'signing-key.rotated');
      assert.equal(stored.length, 1);
      const [one] = stored;
      assert.equal(one?.tenantId, null);
      const data = one?.data as Record<string, string>;
      assert.equal(data.purpose, 'default');
      assert.equal(data.kid, rotated.kid);
      assert.equal(data.retiredKid, previous.kid);
      const at = Date.parse(data.rotatedAt ?? '');
      assert.equal(Date.parse(data.retiredKeyLeavesJwksAt ?? ''), at + 7 * 86_400_000, 'the 7-day overlap');
      assert.equal(Date.parse(data.signsFrom ?? ''), Date.parse(rotated.createdAt) + 3_600_000, 'the 1 h lead');
    });

    test('the drain records each intent once in its tenant; redone after a crash it records nothing twice', async () => {
      const pending = await intents().oldest(1_000);
      assert.equal(pending.length, 8, 'two dead letters, five endpoint changes, one rotation');
      assert.equal(await t.runtime.push.operational.drain(), 8);
      assert.deepEqual(await intents().oldest(1_000), []);
      const types = await typesOf();
      const count = (list: string[], type: string) => list.filter((x) => x === type).length;
      assert.equal(count(types, 'signing-key.rotated'), 1);
      assert.equal(count(types, 'delivery.dead-lettered'), 2);
      assert.equal(count(types, 'endpoint.disabled'), 2);
      assert.equal(count(types, 'endpoint.failing'), 1);
      assert.equal(count(types, 'endpoint.recovered'), 2);
      for (const id of [plain, ordered]) {
        assert.equal((await t.runtime.store.getSubject(tenantId, `endpoint.${id}`))?.status, 'healthy');
      }
      const key = await t.runtime.store.getSubject(tenantId, 'signing-key.default');
      assert.equal(key?.status, 'rotated');
      assert.equal(key?.workflow, 'operational');

      // A crash after the events' commits and before the intents' deletes leaves them: put them back.
      const rotation = pending.find((i) => i.type === 'signing-key.rotated');
      assert.ok(rotation);
      const deadLetter = newIntent(tenantId, 'delivery.dead-lettered', { endpointId: plain, eventId: 'x' }, NOW);
      await intents().add([rotation, deadLetter]);
      assert.equal(await t.runtime.push.operational.drain(), 2);
      await intents().add([deadLetter]);
      assert.equal(await t.runtime.push.operational.drain(), 1);
      const redone = await typesOf();
      assert.equal(count(redone, 'signing-key.rotated'), 1, 'the rotation is not recorded again');
      assert.equal(count(redone, 'delivery.dead-lettered'), 3, 'the new dead letter once');
    });

    test("a retention run writes retention.completed with what it deleted of each tenant's data", async () => {
      const events = (await t.runtime.store.listEvents(tenantId, { limit: 1_000 })).length;
      let reported: OperationalIntent[] = [];
      const job = new RetentionJob({
        store: t.runtime.store,
        storage: t.runtime.pull.storage.feed,
        deliveries: store(),
        keys: t.runtime.pull.keys,
        clock: () => new Date(NOW + 400 * 86_400_000), // everything is past the window, the deliveries of NOW too
        retentionDays: 90,
        batchSize: 2,
        onCompleted: async (cutoff, byTenant) => {
          await t.runtime.push.operational.retentionCompleted(cutoff, byTenant);
          reported = await intents().oldest(1_000);
        },
      });
      const run = await job.runOnce();
      const tally = run.byTenant.get(tenantId);
      assert.equal(tally?.events, events);
      assert.equal(tally?.deliveries, 2, 'the two dead letters; the pending ones stay');
      assert.equal(tally?.attempts, 4, 'each record kept its attempt, the one that moved nothing too');
      assert.equal(reported.length, 1);
      const [completed] = reported;
      assert.equal(completed?.type, 'retention.completed');
      assert.equal(completed?.tenantId, tenantId);
      assert.deepEqual(completed?.data, { cutoff: completed?.data.cutoff, ...tally });
      assert.equal(await t.runtime.push.operational.drain(), 1);
      const recorded = await t.runtime.store.listEvents(tenantId, { limit: 1_000 });
      assert.deepEqual(
        recorded.map((e) => [e.type, e.subjectId]),
        [['retention.completed', 'retention']],
      );
    });
  });
}
