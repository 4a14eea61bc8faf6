import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-runtime.js';

/**
 * Every route of the OpenAPI document, called with a console portal session of
 * tenant A (the most capable kind: endpoint management) and with path
 * parameters naming tenant B's resources. The route list is openapi.json (a
 * drift test keeps it equal to the server's), so a route added later gets its
 * test without anyone listing it.
 *
 * Per route: operator routes are 401, credential routes 403, and any route the
 * session may call either answers 404 for B's resources or, when it answers
 * 2xx, names none of B's identifiers. Afterwards B is unchanged.
 */
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Routes only the admin token opens. */
const OPERATOR = /^\/v1\/(tenants|signing-keys|operational-events)(\/|$)/;
/** Routes that hold other credentials: refused to every portal session. */
const CREDENTIALS = /^\/v1\/(api-keys|portal-links)(\/|$)/;
/** Routes without authentication (health, discovery, the exchange itself). */
const PUBLIC = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /.well-known/jwks.json',
  'GET /.well-known/ssf-configuration',
  'POST /v1/portal-sessions',
]);

const doc = JSON.parse(readFileSync('openapi.json', 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
  Object.keys(operations)
    .filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
    .map((m) => ({ method: m.toUpperCase() as Method, path })),
);

describe('a portal session against every route', () => {
  let t: TestApp;
  let session = '';
  const other: Record<string, string> = {};
  let before_: { subject: string; endpoint: string; keys: string; streams: string } | undefined;

  const inject = (method: Method, url: string, headers: Record<string, string>, payload?: object) =>
    t.runtime.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });

  /** B's state as its own key reads it. */
  async function stateOfB(auth: Record<string, string>) {
    return {
      subject: (await inject('GET', '/v1/subjects/case-b', auth)).body,
      endpoint: (await inject('GET', `/v1/endpoints/${other.endpoint}`, auth)).body,
      keys: (await inject('GET', '/v1/api-keys', auth)).body,
      streams: (await inject('GET', '/v1/streams', auth)).body,
    };
  }

  let authB: Record<string, string> = {};
  before(async () => {
    t = await startTestApp();
    const a = await t.tenant('Tenant A');
    const b = await t.tenant('Tenant B');
    authB = b.auth;
    other.tenant = b.id;
    for (const [who, id] of [
      [a, 'case-a'],
      [b, 'case-b'],
    ] as const) {
      const res = await inject('POST', '/v1/subjects', who.auth, { workflow: 'fit-case', id });
      assert.equal(res.statusCode, 201, res.body);
    }
    other.endpoint = (await inject('POST', '/v1/endpoints', b.auth, { url: 'http://127.0.0.1:9/b' })).json().id;
    await inject('POST', '/v1/endpoints', a.auth, { url: 'http://127.0.0.1:9/a' });
    const stream = await inject('POST', '/v1/streams', b.auth, { name: 'b-stream' });
    other.stream = stream.json().id ?? stream.json().stream_id ?? '';
    other.key = (await inject('GET', '/v1/api-keys', b.auth)).json().apiKeys[0].id;
    const link = (await inject('POST', '/v1/portal-links', a.auth, { access: 'endpoints' })).json().token;
    session = (await inject('POST', '/v1/portal-sessions', {}, { token: link })).json().sessionToken;
    before_ = await stateOfB(b.auth);
  });
  after(() => t?.close());

  /** The concrete URL of a route, every parameter naming one of B's resources. */
  function urlOf(path: string): string {
    return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (path.startsWith('/v1/subjects/')) return 'case-b';
      if (path.startsWith('/v1/endpoints/')) return other.endpoint ?? '';
      if (path.startsWith('/v1/streams/')) return other.stream ?? '';
      if (path.startsWith('/v1/api-keys/')) return other.key ?? '';
      if (path.startsWith('/v1/deliveries/')) return `dlv_${other.tenant}`;
      if (path.startsWith('/v1/workflows/')) return 'fit-case';
      return `${name}-of-${other.tenant}`;
    });
  }

  test('the route list is the whole API', () => {
    assert.ok(routes.length >= 35, `only ${routes.length} routes in openapi.json`);
    assert.ok(routes.some((r) => r.path === '/v1/tenants'));
  });

  for (const { method, path } of routes) {
    const key = `${method} ${path}`;
    if (PUBLIC.has(key)) continue;
    test(`${key}: refused, or answers without revealing tenant B`, async () => {
      const res = await inject(
        method,
        urlOf(path),
        { authorization: `Bearer ${session}` },
        method === 'GET' ? undefined : {},
      );
      const where = `${key} → ${res.statusCode} ${res.body.slice(0, 200)}`;
      assert.notEqual(res.statusCode, 500, where);
      if (OPERATOR.test(path)) return assert.equal(res.statusCode, 401, where);
      if (CREDENTIALS.test(path)) return assert.equal(res.statusCode, 403, where);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        for (const [what, id] of Object.entries(other))
          assert.ok(!res.body.includes(id), `${where}: names B's ${what}`);
        assert.ok(!res.body.includes('case-b'), `${where}: names tenant B's subject`);
      } else {
        assert.ok([400, 403, 404].includes(res.statusCode), where);
      }
    });
  }

  test('tenant B is unchanged and the operator still sees two tenants', async () => {
    assert.deepEqual(await stateOfB(authB), before_);
    const tenants = await inject('GET', '/v1/tenants', { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(tenants.json().tenants.length, 2);
  });
});
