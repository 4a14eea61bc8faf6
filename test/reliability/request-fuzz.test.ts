import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ADMIN_TOKEN, dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * ≥ 10,000 generated requests per backend across every route: deep nesting,
 * NUL, sizes, unicode, numbers at the edges, bad paths and bad headers. No
 * answer may be a 5xx, every refusal has the documented body, a sample of
 * refused writes is checked to change nothing, and both accepted and refused
 * answers must be reached (a generator that only produces garbage proves little).
 * Every operation of `openapi.json` must be generated: a new route that the
 * generator does not know fails this file until it is added below.
 */
const REQUESTS = 10_000;

/** `METHOD /path/{param}` of every documented operation. */
function documentedOperations(): string[] {
  const doc = JSON.parse(readFileSync('openapi.json', 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
}

/** mulberry32: a seeded generator, so a failure names a seed that replays it. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

const deep = (depth: number) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;

const NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 2 ** 31, -(2 ** 31), 100_000_000];
const STRINGS = [
  '',
  'a',
  'x'.repeat(129),
  'x'.repeat(5000),
  'a\u0000b',
  '\u0000',
  'é✓🎉',
  '\ud800',
  '\u202e\u200b',
  '../../etc/passwd',
  '<script>',
  "' OR 1=1 --",
  '2026-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
];
const WORKFLOWS = ['fit-case', 'videoid-request', 'idv-transaction', 'image-check', 'nope', 'fit-submission'];
const EVENT_TYPES = ['REQUEST_CANCELED', 'VIDEOID_UPDATED', 'submit-submission', 'nope'];

function generator(seed: number, ids: { subject: string; tenant: string }) {
  const r = rng(seed);
  const scalar = (): unknown =>
    r.pick<() => unknown>([
      () => r.pick(NUMBERS),
      () => r.pick(STRINGS),
      () => null,
      () => r.next() < 0.5,
      () => [r.pick(STRINGS)],
      () => ({ [r.pick(STRINGS)]: r.pick(NUMBERS) }),
    ])();
  const pathId = () =>
    r.pick([ids.subject, 'ghost', 'a%00b', '%ff', '%00%ff', 'z'.repeat(150), '%C3%A9', '..%2F..', '%20', 'x%E2%80%AE']);
  const bodies: Array<() => string> = [
    () => JSON.stringify({ workflow: r.pick(WORKFLOWS), attributes: { note: r.pick(STRINGS) } }),
    () => JSON.stringify({ workflow: 'fit-case' }),
    () => JSON.stringify({ workflow: 'idv-transaction', attributes: { expiry_period: r.pick(NUMBERS) } }),
    () => JSON.stringify({ type: r.pick(EVENT_TYPES), data: { x: scalar() }, expectedVersion: r.pick(NUMBERS) }),
    () => JSON.stringify({ attributes: { k: scalar() } }),
    () => JSON.stringify({ name: r.pick(STRINGS), scopes: [r.pick(['subjects:read', 'root', '\u0000'])] }),
    () => JSON.stringify({ url: r.pick(['https://[2002:7f00:1::1]/', 'http://127.0.0.1:9/x', r.pick(STRINGS)]) }),
    () => `{"workflow":"fit-case","attributes":${deep(Math.floor(r.next() * 60))}}`,
    () => deep(2500),
    () => r.pick(['', 'null', '[]', '{', '"x"', '{"a":1}{', '\u0000']),
    () => JSON.stringify({ limit: r.pick(NUMBERS), cursor: r.pick(STRINGS) }),
    () => JSON.stringify({ access: r.pick(['read', 'endpoints', 'root', '\u0000']), ttlSeconds: r.pick(NUMBERS) }),
    () => JSON.stringify({ token: r.pick(STRINGS) }),
    () => JSON.stringify({ purpose: r.pick(['fit', 'default', 'é', '\u0000']) }),
    () => JSON.stringify({ settings: { defaultExpiryPeriodDays: r.pick(NUMBERS) } }),
    () => JSON.stringify({}),
    () =>
      JSON.stringify({
        stream_id: r.pick(['ssf_ghost', r.pick(STRINGS)]),
        delivery: {
          method: r.pick(['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936', r.pick(STRINGS)]),
          endpoint_url: r.pick(['http://127.0.0.1:9/x', 'https://[2002:7f00:1::1]/', r.pick(STRINGS)]),
          ...(r.next() < 0.5 ? { authorization_header: r.pick(STRINGS) } : {}),
        },
        events_requested: [r.pick(['http://127.0.0.1:8080/events/image-check/image-accepted', r.pick(STRINGS)])],
        status: r.pick(['enabled', 'paused', 'disabled', r.pick(STRINGS)]),
        state: scalar(),
      }),
  ];
  const query = () =>
    r.pick([
      '',
      `?limit=${r.pick(NUMBERS)}`,
      `?offset=${r.pick(NUMBERS)}`,
      `?count=${r.pick(NUMBERS)}`,
      `?afterEventId=${r.pick(['', 'x', '%00', '00000000-0000-0000-0000-000000000000'])}`,
      '?workflow=fit%00case',
      '?cursor=%ff',
      '?type=é',
      '?x=1',
    ]);
  /** Each route under the operation it exercises (`METHOD /path/{param}`, as in openapi.json). */
  const routes: Array<{ operation: string; make: () => InjectOptions }> = [];
  const add = (method: InjectOptions['method'], path: () => string, withBody = false, operation?: string) => {
    const template = operation ?? `${method} ${path().split('?')[0]}`;
    routes.push({
      operation: template,
      make: () => ({ method, url: path(), ...(withBody ? { payload: r.pick(bodies)() } : {}) }),
    });
  };
  const op = (method: string, template: string) => `${method} ${template}`;
  add('POST', () => '/v1/subjects', true);
  add('GET', () => `/v1/subjects${query()}`);
  add('GET', () => `/v1/subjects/${pathId()}`, false, op('GET', '/v1/subjects/{id}'));
  add('PATCH', () => `/v1/subjects/${pathId()}`, true, op('PATCH', '/v1/subjects/{id}'));
  add('POST', () => `/v1/subjects/${pathId()}/events`, true, op('POST', '/v1/subjects/{id}/events'));
  add('GET', () => `/v1/subjects/${pathId()}/events${query()}`, false, op('GET', '/v1/subjects/{id}/events'));
  add('GET', () => `/v1/subjects/${pathId()}/history${query()}`, false, op('GET', '/v1/subjects/{id}/history'));
  add('GET', () => `/v1/subjects/${pathId()}/consent-text`, false, op('GET', '/v1/subjects/{id}/consent-text'));
  add('POST', () => `/v1/subjects/${pathId()}/erase`, true, op('POST', '/v1/subjects/{id}/erase'));
  add('GET', () => `/v1/events${query()}`);
  add('GET', () => `/v1/events/latest${r.pick([query(), `?beforeEventId=${pathId()}`])}`);
  add(
    'GET',
    () =>
      `/v1/stats/deliveries${r.pick([query(), `?windowMinutes=${r.pick(NUMBERS)}&bucketSeconds=${r.pick(NUMBERS)}`])}`,
  );
  add('GET', () => `/v1/destinations/${pathId()}/keys`, false, op('GET', '/v1/destinations/{destinationId}/keys'));
  add(
    'GET',
    () => `/v1/destinations/${pathId()}/keys/${pathId()}`,
    false,
    op('GET', '/v1/destinations/{destinationId}/keys/{kid}'),
  );
  add(
    'POST',
    () => `/v1/destinations/${pathId()}/keys/rotate`,
    true,
    op('POST', '/v1/destinations/{destinationId}/keys/rotate'),
  );
  add('GET', () => `/realty/crypto/v2/events${query()}`);
  add('GET', () => `/v1/cases/${pathId()}/events`, false, op('GET', '/v1/cases/{id}/events'));
  add('GET', () => `/v1/submissions/${pathId()}/events`, false, op('GET', '/v1/submissions/{id}/events'));
  add('GET', () => `/v1/replies/${pathId()}/events`, false, op('GET', '/v1/replies/{id}/events'));
  add('GET', () => `/v1/workflows/${r.pick([...WORKFLOWS, 'x%00'])}`, false, op('GET', '/v1/workflows/{name}'));
  add('GET', () => '/v1/workflows');
  add('POST', () => '/v1/api-keys', true);
  add('GET', () => '/v1/api-keys');
  add('DELETE', () => `/v1/api-keys/${pathId()}`, false, op('DELETE', '/v1/api-keys/{id}'));
  add('POST', () => '/v1/endpoints', true);
  add('GET', () => `/v1/endpoints${query()}`);
  add('GET', () => `/v1/endpoints/${pathId()}`, false, op('GET', '/v1/endpoints/{id}'));
  add('PATCH', () => `/v1/endpoints/${pathId()}`, true, op('PATCH', '/v1/endpoints/{id}'));
  add('DELETE', () => `/v1/endpoints/${pathId()}`, false, op('DELETE', '/v1/endpoints/{id}'));
  for (const action of ['replay', 'rotate-secret', 'reveal-secret', 'test'])
    add('POST', () => `/v1/endpoints/${pathId()}/${action}`, true, op('POST', `/v1/endpoints/{id}/${action}`));
  for (const list of ['deliveries', 'attempts'])
    add('GET', () => `/v1/endpoints/${pathId()}/${list}${query()}`, false, op('GET', `/v1/endpoints/{id}/${list}`));
  add('GET', () => `/v1/deliveries/${pathId()}`, false, op('GET', '/v1/deliveries/{id}'));
  add('POST', () => `/v1/deliveries/${pathId()}/retry`, true, op('POST', '/v1/deliveries/{id}/retry'));
  add('POST', () => '/v1/streams', true);
  add('GET', () => '/v1/streams');
  add('GET', () => `/v1/streams/${pathId()}`, false, op('GET', '/v1/streams/{id}'));
  add('GET', () => `/v1/streams/${pathId()}/set-errors${query()}`, false, op('GET', '/v1/streams/{id}/set-errors'));
  add('DELETE', () => `/v1/streams/${pathId()}`, false, op('DELETE', '/v1/streams/{id}'));
  add('POST', () => `/v1/streams/${pathId()}/poll`, true, op('POST', '/v1/streams/{id}/poll'));
  add('POST', () => '/v1/ssf/streams', true);
  add('GET', () => `/v1/ssf/streams?stream_id=${pathId()}`);
  add('PATCH', () => '/v1/ssf/streams', true);
  add('PUT', () => '/v1/ssf/streams', true);
  add('DELETE', () => `/v1/ssf/streams?stream_id=${pathId()}`);
  add('GET', () => `/v1/ssf/status?stream_id=${pathId()}`);
  add('POST', () => '/v1/ssf/status', true);
  add('POST', () => '/v1/ssf/verify', true);
  add('POST', () => `/v1/ssf/poll/${pathId()}`, true, op('POST', '/v1/ssf/poll/{streamId}'));
  add('POST', () => '/v1/tenants', true);
  add('GET', () => '/v1/tenants');
  add('GET', () => `/v1/tenants/${pathId()}`, false, op('GET', '/v1/tenants/{id}'));
  add('PATCH', () => `/v1/tenants/${pathId()}`, true, op('PATCH', '/v1/tenants/{id}'));
  add('POST', () => '/v1/portal-links', true);
  add('POST', () => '/v1/portal-sessions', true);
  add('GET', () => '/v1/signing-keys');
  add(
    'GET',
    () =>
      `/v1/operational-events${r.pick([
        query(),
        `?tenantId=${r.pick([ids.tenant, ids.tenant, pathId()])}`,
        `?type=${r.pick(['endpoint.failing', 'delivery.dead-lettered', 'endpoint.recovered', ...EVENT_TYPES, '%ff'])}`,
        `?tenantId=${ids.tenant}&type=endpoint.disabled&limit=${r.pick(NUMBERS)}`,
      ])}`,
  );
  add('POST', () => '/v1/signing-keys/rotate', true);
  for (const path of ['/healthz', '/readyz', '/.well-known/jwks.json', '/.well-known/ssf-configuration'])
    add('GET', () => path);
  add('GET', () => r.pick(['/v1/nothing', '/%ff', `/v1/${'y'.repeat(3000)}`]), false, 'no route');
  const headers = (auth: Record<string, string>): Record<string, string> =>
    r.pick<() => Record<string, string>>([
      () => ({ ...auth, 'content-type': 'application/json' }),
      () => ({ ...auth, 'content-type': 'application/json' }),
      () => ({ ...auth, 'content-type': 'application/json', 'idempotency-key': r.pick(['k1', 'k'.repeat(300), 'é']) }),
      () => ({
        ...auth,
        'content-type': r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']),
      }),
      () => ({
        authorization: r.pick([
          'Bearer nope',
          'Basic x',
          `Bearer ${ADMIN_TOKEN}`,
          'ReestroAuth apiKey=x&portal.orgid=y',
          `ReestroAuth apiKey=${auth.authorization?.slice('Bearer '.length)}&portal.orgid=${ids.tenant}`,
        ]),
        'content-type': 'application/json',
      }),
      () => ({}),
    ])();
  return {
    operations: new Set(routes.map((route) => route.operation)),
    request(auth: Record<string, string>) {
      const route = r.pick(routes);
      return { operation: route.operation, options: { ...route.make(), headers: headers(auth) } };
    },
  };
}

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`request fuzz: ${REQUESTS} generated requests, no 5xx (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let tenant: Awaited<ReturnType<TestApp['tenant']>>;
    before(async () => {
      t = await startTestApp(backend.env);
      tenant = await t.tenant();
      await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: tenant.auth,
        payload: { workflow: 'videoid-request', id: 'req-fuzz' },
      });
    });
    after(() => t.close());

    const snapshot = async () => {
      const store = t.runtime.store;
      const tenants = await store.listTenants();
      const subjects = await store.listSubjects(tenant.id, { limit: 10_000 });
      const events = await store.listEvents(tenant.id, { limit: 10_000 });
      return JSON.stringify({
        tenants: tenants.length,
        subjects,
        events: events.length,
        outbox: await store.countOutbox(),
      });
    };

    test('no 5xx, refusals in the documented body, refused writes change nothing', async () => {
      const seed = 14_000 + (backend.name === 'sqlite' ? 1 : 2);
      const gen = generator(seed, { subject: 'req-fuzz', tenant: tenant.id });
      const missing = documentedOperations().filter((operation) => !gen.operations.has(operation));
      assert.deepEqual(missing, [], 'every documented operation has a generator');
      const generated = new Map<string, number>();
      const byStatus = new Map<number, number>();
      let checkedRefusals = 0;
      const started = Date.now();
      for (let i = 0; i < REQUESTS; i++) {
        const { operation, options: req } = gen.request(tenant.auth);
        generated.set(operation, (generated.get(operation) ?? 0) + 1);
        const write = req.method !== 'GET' && req.method !== 'HEAD';
        const check = write && i % 25 === 0;
        const before = check ? await snapshot() : '';
        const res = await t.runtime.app.inject(req);
        byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
        const where = `seed ${seed} #${i}: ${req.method} ${String(req.url).slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
        assert.ok(res.statusCode < 500, where);
        if (res.statusCode >= 400) {
          const body = res.json() as Record<string, unknown>;
          assert.deepEqual(Object.keys(body).sort(), ['code', 'errors', 'message', 'target'], where);
          if (check) {
            assert.equal(await snapshot(), before, `refusal changed the store: ${where}`);
            checkedRefusals++;
          }
        }
      }
      const ms = Date.now() - started;
      const accepted = [...byStatus].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
      const refused = [...byStatus].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
      console.log(
        `# request fuzz (${backend.name}): ${REQUESTS} requests in ${ms} ms; accepted ${accepted}, refused ${refused}; ` +
          `refusals checked against the store ${checkedRefusals}; ${generated.size} operations, ` +
          `fewest requests per operation ${Math.min(...generated.values())}; by status ${JSON.stringify(Object.fromEntries(byStatus))}`,
      );
      const fewest = Math.min(...generated.values());
      assert.equal(generated.size, gen.operations.size, 'every operation was generated');
      assert.ok(fewest >= 100, `every operation got at least 100 requests (fewest ${fewest})`);
      assert.ok(accepted >= 200, `accepted paths reached (${accepted})`);
      assert.ok(refused >= 2_000, `refused paths reached (${refused})`);
      assert.ok(checkedRefusals >= 50, `refusals checked (${checkedRefusals})`);
      for (const status of [400, 401, 404, 414]) assert.ok(byStatus.has(status), `status ${status} reached`);
    });
  });
}
