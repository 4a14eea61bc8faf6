import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RetentionJob } from '../../src/feeds/retention-job.js';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { operational } from '../../src/workflows/builtin/operational.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';
import { ADMIN_TOKEN, dropBackends, testBackends } from '../helpers/test-runtime.js';
import { eventually, type Harness, harness, ticket } from './delivery-kit.js';
import { startReceiver } from './receiver.js';

/**
 * The `operational` workflow: Tidings records its endpoints' health and dead
 * letters, signing key rotations and retention runs as ordinary events of the
 * tenant, pushed to the endpoints that ask for them and readable in the feed,
 * on both backends.
 */
const backends = await testBackends();
after(() => dropBackends(backends));
const registry = createWorkflowRegistry([...BUILTIN_WORKFLOWS, operational, ticket]);

type CloudEvent = { subject: string; eventtype: string; workflow: string; data: { data: Record<string, unknown> } };
const DAY = 86_400_000;

for (const backend of backends) {
  describe(`operational events (${backend.name})`, { skip: backend.skip }, () => {
    let h: Harness;
    const closers: Array<{ close(): Promise<void> }> = [];
    before(async () => {
      // endpoint.failing at the first failure, so the test need not wait an hour
      h = await harness({ ...backend.env, TIDINGS_ENDPOINT_FAILING_AFTER: '0s' }, { registry });
    });
    after(async () => {
      await Promise.all(closers.map((c) => c.close()));
      await h?.close();
    });
    const listen = async (...args: Parameters<typeof startReceiver>) => {
      const r = await startReceiver(...args);
      closers.push(r);
      return r;
    };
    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
      h.inject({ method, url, headers: h.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    const unique = (p: string) => `${p}-${backend.name}-${Math.random().toString(36).slice(2, 8)}`;

    test('failing, dead letter and recovery reach the operator endpoint, the feed and the subject; others get none', async () => {
      let healthy = false;
      const flaky = await listen((_req, res) => res.writeHead(healthy ? 204 : 500).end());
      const ops = await listen();
      const everything = await listen();
      const failing = await h.createEndpoint({
        url: flaky.url,
        workflows: ['ticket'],
        retrySchedule: ['10ms', '10ms'],
      });
      await h.createEndpoint({ url: ops.url, workflows: ['operational'] });
      await h.createEndpoint({ url: everything.url });

      await h.openTicket(unique('o'));
      const types = () => ops.received.map((r) => (JSON.parse(r.body) as CloudEvent).eventtype);
      await eventually(() => types().includes('delivery.dead-lettered'), 20_000);
      assert.deepEqual(types(), ['endpoint.failing', 'delivery.dead-lettered']);
      const [failingEvent, deadLetter] = ops.received.map((r) => JSON.parse(r.body) as CloudEvent);
      assert.equal(failingEvent?.subject, `endpoint.${failing.id}`);
      assert.equal(failingEvent?.workflow, 'operational');
      assert.equal(failingEvent?.data.data.endpointId, failing.id);
      assert.equal(deadLetter?.data.data.attempts, 3);
      assert.match(String(deadLetter?.data.data.lastError), /HTTP 500; gave up after 3 attempts/);

      healthy = true;
      await h.openTicket(unique('o2'));
      await eventually(() => types().includes('endpoint.recovered'), 20_000);
      assert.deepEqual(types(), ['endpoint.failing', 'delivery.dead-lettered', 'endpoint.recovered']);

      const subject = (await call('GET', `/v1/subjects/endpoint.${failing.id}`)).json() as { status: string };
      assert.equal(subject.status, 'healthy');
      const feed = (await call('GET', '/v1/events?count=100')).json() as {
        events: Array<{ workflow?: string; type?: string; eventType?: string }>;
      };
      assert.ok(JSON.stringify(feed).includes('endpoint.recovered'), 'the feed carries them like any event');
      const everythingTypes = everything.received.map((r) => (JSON.parse(r.body) as CloudEvent).workflow);
      assert.ok(everythingTypes.length >= 2);
      assert.ok(!everythingTypes.includes('operational'), 'an endpoint that did not ask gets none');
    });

    test('410 disables the endpoint and records endpoint.disabled; enabling it again records endpoint.recovered', async () => {
      const gone = await listen((_req, res) => res.writeHead(410).end());
      const ops = await listen();
      const ep = await h.createEndpoint({ url: gone.url, eventTypes: ['ticket-opened'] });
      await h.createEndpoint({ url: ops.url, eventTypes: ['endpoint.disabled', 'endpoint.recovered'] });
      await h.openTicket(unique('g'));
      const types = () => ops.received.map((r) => (JSON.parse(r.body) as CloudEvent).eventtype);
      await eventually(() => types().includes('endpoint.disabled'), 20_000);
      const disabled = JSON.parse(ops.received[0]?.body ?? '{}') as CloudEvent;
      assert.equal(disabled.data.data.reason, 'endpoint answered 410 Gone');
      assert.equal(((await call('GET', `/v1/endpoints/${ep.id}`)).json() as { enabled: boolean }).enabled, false);
      assert.equal((await call('PATCH', `/v1/endpoints/${ep.id}`, { enabled: true })).statusCode, 200);
      await eventually(() => types().includes('endpoint.recovered'), 20_000);
      const recovered = JSON.parse(ops.received.at(-1)?.body ?? '{}') as CloudEvent;
      assert.equal(recovered.data.data.how, 'enabled');
    });

    test('a tenant cannot write operational subjects through the API', async () => {
      const res = await call('POST', '/v1/subjects', {
        workflow: 'operational',
        id: 'endpoint.ep_fake',
        type: 'endpoint.failing',
      });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal((res.json() as { code: string }).code, 'forbidden');
      const list = (await call('GET', '/v1/subjects?workflow=operational&limit=100')).json() as {
        subjects: Array<{ id: string }>;
      };
      assert.ok(!list.subjects.some((s) => s.id === 'endpoint.ep_fake'));
      const existing = list.subjects[0];
      assert.ok(existing, 'the earlier tests recorded some');
      const moved = await call('POST', `/v1/subjects/${existing.id}/events`, { type: 'endpoint.recovered' });
      assert.equal(moved.statusCode, 403);
    });

    test('a signing key rotation is recorded in every tenant and pushed to the endpoints that ask', async () => {
      const ops = await listen();
      await h.createEndpoint({ url: ops.url, workflows: ['operational'] });
      const other = await h.app.tenant(unique('second'));
      const retired = (await h.app.runtime.pull.keys.activeKey('default')).kid;
      const res = await h.inject({
        method: 'POST',
        url: '/v1/signing-keys/rotate',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { purpose: 'default' },
      });
      assert.equal(res.statusCode, 200, res.body);
      const kid = (res.json() as { keys: Array<{ kid: string }> }).keys[0]?.kid;
      const pushed = () =>
        ops.received.map((r) => JSON.parse(r.body) as CloudEvent).find((e) => e.eventtype === 'signing-key.rotated');
      await eventually(() => pushed() !== undefined, 20_000);
      const event = pushed();
      assert.equal(event?.subject, 'signing-key.default');
      assert.equal(event?.workflow, 'operational');
      assert.equal(event?.data.data.kid, kid);
      assert.equal(event?.data.data.retiredKid, retired);
      assert.equal(event?.data.data.purpose, 'default');
      assert.ok(Date.parse(String(event?.data.data.retiredKeyLeavesJwksAt)) > Date.now() + 6 * DAY);

      // the other tenant has it too, in its feed
      await eventually(async () => {
        const feed = await h.inject({ method: 'GET', url: '/v1/events?count=100', headers: other.auth });
        return feed.body.includes('signing-key.rotated') && feed.body.includes(String(kid));
      }, 20_000);
      const subject = await h.inject({ method: 'GET', url: '/v1/subjects/signing-key.default', headers: other.auth });
      assert.equal((subject.json() as { status: string }).status, 'rotated');
    });

    test("a retention run records retention.completed in each tenant with what it deleted of that tenant's data", async () => {
      const ops = await listen();
      await h.createEndpoint({ url: ops.url, eventTypes: ['retention.completed'] });
      const events = (await h.app.runtime.store.listEvents(h.tenantId, { limit: 10_000 })).length;
      const job = new RetentionJob({
        store: h.app.runtime.store,
        storage: h.app.runtime.pull.storage.feed,
        deliveries: h.app.runtime.push.deliveries,
        keys: h.app.runtime.pull.keys,
        clock: () => new Date(Date.now() + 400 * DAY), // everything so far is past the window
        retentionDays: 90,
        onCompleted: (cutoff, byTenant) => h.app.runtime.push.operational.retentionCompleted(cutoff, byTenant),
      });
      const run = await job.runOnce();
      const tally = run.byTenant.get(h.tenantId);
      assert.ok(tally && tally.events >= events && tally.deliveries > 0 && tally.attempts > 0, JSON.stringify(tally));
      const types = () => ops.received.map((r) => (JSON.parse(r.body) as CloudEvent).eventtype);
      await eventually(() => types().includes('retention.completed'), 20_000);
      assert.deepEqual(types(), ['retention.completed'], 'one per run');
      const completed = JSON.parse(ops.received[0]?.body ?? '{}') as CloudEvent;
      assert.equal(completed.subject, 'retention');
      assert.deepEqual(completed.data.data, { cutoff: completed.data.data.cutoff, ...tally });
      assert.equal(completed.data.data.cutoff, new Date(Date.parse(String(completed.data.data.cutoff))).toISOString());
      const feed = await call('GET', '/v1/events?count=100');
      assert.ok(feed.body.includes('retention.completed'), 'in the feed');
    });
  });
}
