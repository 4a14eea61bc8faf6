import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { eventually, FAST_DISPATCH } from '../delivery/delivery-kit.js';
import { startReceiver } from '../delivery/receiver.js';
import { ADMIN_TOKEN, dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * `GET /v1/operational-events` (admin token): the operational events of every
 * tenant, newest first, recorded for real (a receiver answering 500 until the
 * schedule gives up, another answering 410), filtered by type and tenant;
 * bad input is a documented 4xx, a tenant's credentials are refused; on both
 * backends.
 */
const backends = await testBackends();
after(() => dropBackends(backends));

type OpEvent = {
  tenantId: string;
  tenantName: string;
  id: string;
  subjectId: string;
  workflow: string;
  type: string;
  from: string | null;
  to: string;
  occurredAt: string;
  data: Record<string, unknown>;
};
type Answer = { events: OpEvent[]; types: string[] };

for (const backend of backends) {
  describe(`operational events across tenants (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let acme: Awaited<ReturnType<TestApp['tenant']>>;
    let beta: Awaited<ReturnType<TestApp['tenant']>>;
    const ids: Record<string, string> = {};
    const receivers: Array<{ close(): Promise<void> }> = [];
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

    const get = (url: string, headers: Record<string, string> = admin) =>
      t.runtime.app.inject({ method: 'GET', url, headers });
    const list = async (q = '') => {
      const res = await get(`/v1/operational-events${q}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Answer;
    };

    before(async () => {
      t = await startTestApp(
        { ...backend.env, TIDINGS_ENDPOINT_FAILING_AFTER: '0s', TIDINGS_RETRY_SCHEDULE: '10ms,10ms' },
        { delivery: FAST_DISPATCH },
      );
      t.runtime.startWorkers();
      acme = await t.tenant('Acme Trust');
      beta = await t.tenant('Beta Signing');
      const down = await startReceiver((_req, res) => res.writeHead(500).end('down'));
      const gone = await startReceiver((_req, res) => res.writeHead(410).end());
      receivers.push(down, gone);
      const endpoint = async (who: typeof acme, url: string) => {
        const res = await t.runtime.app.inject({
          method: 'POST',
          url: '/v1/endpoints',
          headers: who.auth,
          payload: { url, workflows: ['videoid-request'] },
        });
        assert.equal(res.statusCode, 201, res.body);
        return (res.json() as { id: string }).id;
      };
      ids.acme = await endpoint(acme, down.url);
      ids.beta = await endpoint(beta, gone.url);
      for (const [who, id] of [
        [acme, 'req-a'],
        [beta, 'req-b'],
      ] as const) {
        const res = await t.runtime.app.inject({
          method: 'POST',
          url: '/v1/subjects',
          headers: who.auth,
          payload: { workflow: 'videoid-request', id },
        });
        assert.equal(res.statusCode, 201, res.body);
      }
      // acme: endpoint.failing at the first 500, delivery.dead-lettered after the third; beta: the dead letter of the
      // delivery that got the 410, and endpoint.disabled.
      await eventually(async () => {
        const types = (await list()).events.map((e) => `${e.tenantId === acme.id ? 'acme' : 'beta'} ${e.type}`);
        return ['acme delivery.dead-lettered', 'beta endpoint.disabled', 'beta delivery.dead-lettered'].every((t) =>
          types.includes(t),
        );
      }, 30_000);
    });
    after(async () => {
      await Promise.all(receivers.map((r) => r.close()));
      await t?.close();
    });

    test("every tenant's operational events, newest first, with the tenant's name and the workflow's types", async () => {
      const { events, types } = await list();
      const workflow = (await get('/v1/workflows/operational', acme.auth)).json() as { eventTypes: string[] };
      assert.deepEqual([...types].sort(), [...workflow.eventTypes].sort());
      const times = events.map((e) => e.occurredAt);
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
      const of = (tenant: string) =>
        events
          .filter((e) => e.tenantId === tenant)
          .map((e) => e.type)
          .reverse();
      assert.deepEqual(of(acme.id), ['endpoint.failing', 'delivery.dead-lettered']);
      // 410: the dead letter, then endpoint.disabled; a loaded machine may time a try out first (endpoint.failing)
      assert.deepEqual(
        of(beta.id).filter((type) => type !== 'endpoint.failing'),
        ['delivery.dead-lettered', 'endpoint.disabled'],
      );
      for (const e of events) {
        const tenant = e.tenantId === acme.id ? 'acme' : 'beta';
        assert.equal(e.tenantName, tenant === 'acme' ? 'Acme Trust' : 'Beta Signing');
        assert.equal(e.workflow, 'operational');
        assert.equal(e.subjectId, `endpoint.${ids[tenant]}`);
        assert.equal(e.data.endpointId, ids[tenant]);
      }
      const disabled = events.find((e) => e.type === 'endpoint.disabled');
      assert.equal(disabled?.data.reason, 'endpoint answered 410 Gone');
    });

    test('filtered by type, by tenant, both, and cut at limit', async () => {
      const byType = await list('?type=endpoint.disabled');
      assert.deepEqual(
        byType.events.map((e) => [e.tenantId, e.type]),
        [[beta.id, 'endpoint.disabled']],
      );
      const byTenant = await list(`?tenantId=${acme.id}`);
      assert.deepEqual(
        byTenant.events.map((e) => e.type),
        ['delivery.dead-lettered', 'endpoint.failing'],
      );
      assert.deepEqual((await list(`?tenantId=${acme.id}&type=endpoint.disabled`)).events, []);
      const all = await list();
      const one = await list('?limit=1');
      assert.deepEqual(one.events, all.events.slice(0, 1));
    });

    test("the same events are the tenant's own: its endpoint subject's history, another tenant's key gets 404", async () => {
      const history = await get(`/v1/subjects/endpoint.${ids.acme}/history`, acme.auth);
      assert.equal(history.statusCode, 200, history.body);
      const mine = (await list(`?tenantId=${acme.id}`)).events.map((e) => e.id).reverse();
      assert.deepEqual(
        (history.json() as { events: Array<{ id: string }> }).events.map((e) => e.id),
        mine,
      );
      assert.equal((await get(`/v1/subjects/endpoint.${ids.acme}/history`, beta.auth)).statusCode, 404);
    });

    test("docs/operational-events.md's query answers what it says", async () => {
      const page = readFileSync('docs/operational-events.md', 'utf8');
      const block = page.slice(page.indexOf('<!-- snippet: operator-query'));
      const url = /localhost:8080(\/v1\/operational-events[^"\s]*)/.exec(block)?.[1];
      assert.ok(url, 'the page has the query');
      const answer = await list(url.slice('/v1/operational-events'.length));
      assert.deepEqual(
        answer.events.map((e) => e.type),
        ['endpoint.disabled'],
      );
    });

    test('bad input is a 4xx in the documented error body and names the field', async () => {
      const cases: Array<[string, number, string, string]> = [
        ['?type=endpoint.exploded', 400, 'validation', 'type'],
        ['?type=REQUEST_CREATED', 400, 'validation', 'type'],
        ['?limit=0', 400, 'validation', 'limit'],
        ['?limit=201', 400, 'validation', 'limit'],
        ['?limit=ten', 400, 'validation', 'limit'],
        ['?tenantId=', 400, 'validation', 'tenantId'],
        ['?unknown=1', 400, 'validation', 'unknown'],
        [`?tenantId=${'t'.repeat(201)}`, 400, 'validation', 'tenantId'],
        ['?tenantId=no-such-tenant', 404, 'not_found', 'tenantId'],
      ];
      for (const [q, status, code, field] of cases) {
        const res = await get(`/v1/operational-events${q}`);
        const where = `${q} → ${res.statusCode} ${res.body}`;
        assert.equal(res.statusCode, status, where);
        const body = res.json() as { code: string; target: string; errors: Array<{ target: string }> };
        assert.deepEqual(Object.keys(body).sort(), ['code', 'errors', 'message', 'target'], where);
        assert.equal(body.code, code, where);
        const targets = [body.target, ...body.errors.map((e) => e.target)].join(' ');
        assert.ok(targets.includes(field), `${where}: names ${field}`);
      }
    });

    test("a tenant's API key, ReestroAuth or no credentials are refused", async () => {
      for (const headers of [
        acme.auth,
        { authorization: `ReestroAuth apiKey=${acme.apiKey}&portal.orgid=${acme.id}` },
        {},
      ]) {
        const res = await get('/v1/operational-events', headers);
        assert.equal(res.statusCode, 401, res.body);
        assert.equal((res.json() as { code: string }).code, 'unauthorized');
        assert.ok(!res.body.includes(ids.acme ?? '-'), 'names no endpoint');
      }
    });
  });
}
