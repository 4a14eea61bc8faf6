import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_TOKEN,
  dropBackends,
  fakeClock,
  startTestApp,
  type TestApp,
  testBackends,
} from '../helpers/test-runtime.js';

const backends = await testBackends();
after(() => dropBackends(backends));

/** Every route a portal session must not call, with a body that would otherwise be valid. */
const FORBIDDEN: Array<{ method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: object; access: string }> =
  [
    { method: 'POST', url: '/v1/api-keys', payload: { name: 'x' }, access: 'endpoints' },
    { method: 'GET', url: '/v1/api-keys', access: 'endpoints' },
    { method: 'DELETE', url: '/v1/api-keys/KEYID', access: 'endpoints' },
    { method: 'POST', url: '/v1/portal-links', payload: {}, access: 'endpoints' },
    { method: 'POST', url: '/v1/subjects', payload: { workflow: 'fit-case', id: 'new-case' }, access: 'endpoints' },
    { method: 'PATCH', url: '/v1/subjects/case-a', payload: { attributes: {} }, access: 'endpoints' },
    { method: 'POST', url: '/v1/subjects/case-a/events', payload: { type: 'x' }, access: 'endpoints' },
    { method: 'POST', url: '/v1/subjects/case-a/erase', access: 'endpoints' },
    { method: 'POST', url: '/v1/streams', payload: { name: 's' }, access: 'endpoints' },
    { method: 'POST', url: '/v1/endpoints', payload: { url: 'http://127.0.0.1:9/h' }, access: 'read' },
    { method: 'PATCH', url: '/v1/endpoints/EPID', payload: { enabled: false }, access: 'read' },
    { method: 'DELETE', url: '/v1/endpoints/EPID', access: 'read' },
    { method: 'POST', url: '/v1/endpoints/EPID/reveal-secret', access: 'read' },
    { method: 'POST', url: '/v1/endpoints/EPID/rotate-secret', payload: {}, access: 'read' },
    { method: 'POST', url: '/v1/endpoints/EPID/replay', payload: { since: '2026-01-01T00:00:00Z' }, access: 'read' },
  ];

/** Operator routes: the admin token only; a portal session is not one. */
const OPERATOR = [
  { method: 'GET' as const, url: '/v1/tenants' },
  { method: 'POST' as const, url: '/v1/tenants', payload: { name: 'Evil' } },
  { method: 'GET' as const, url: '/v1/signing-keys' },
  { method: 'POST' as const, url: '/v1/signing-keys/rotate', payload: {} },
];

for (const backend of backends) {
  describe(`console portal links (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<TestApp['tenant']>>;
    let b: Awaited<ReturnType<TestApp['tenant']>>;
    const clock = fakeClock(new Date().toISOString());
    let keyId = '';
    let endpointId = '';
    const sessions: Record<string, string> = {};
    before(async () => {
      t = await startTestApp(backend.env, { clock: clock.now });
      a = await t.tenant('Tenant A');
      b = await t.tenant('Tenant B');
      for (const [who, id] of [
        [a, 'case-a'],
        [b, 'case-b'],
      ] as const) {
        const res = await inject('POST', '/v1/subjects', who.auth, { workflow: 'fit-case', id });
        assert.equal(res.statusCode, 201);
      }
      keyId = (await inject('GET', '/v1/api-keys', a.auth)).json().apiKeys[0].id;
      endpointId = (await inject('POST', '/v1/endpoints', a.auth, { url: 'http://127.0.0.1:9/h' })).json().id;
      for (const access of ['read', 'endpoints']) sessions[access] = await session(a.auth, access);
    });
    after(() => t.close());

    function inject(method: string, url: string, headers: Record<string, string> = {}, payload?: object) {
      return t.runtime.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
    }
    async function session(auth: Record<string, string>, access: string, ttlSeconds = 3600) {
      const link = await inject('POST', '/v1/portal-links', auth, { access, ttlSeconds });
      assert.equal(link.statusCode, 201, link.body);
      const exchanged = await inject('POST', '/v1/portal-sessions', {}, { token: link.json().token });
      assert.equal(exchanged.statusCode, 200, exchanged.body);
      return exchanged.json().sessionToken as string;
    }
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    test('a portal link carries its token in the fragment, never in the path or query', async () => {
      const res = await inject('POST', '/v1/portal-links', a.auth, {});
      const body = res.json();
      const url = new URL(body.url);
      assert.equal(url.pathname, '/console/portal');
      assert.equal(url.search, '');
      assert.equal(url.hash, `#token=${body.token}`);
      assert.equal(body.access, 'read');
    });

    test('a session reads its own tenant: subjects, history, endpoints', async () => {
      for (const url of ['/v1/subjects/case-a', '/v1/subjects/case-a/history', '/v1/endpoints', '/v1/events']) {
        const res = await inject('GET', url, bearer(sessions.read ?? ''));
        assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      }
      const list = await inject('GET', '/v1/subjects', bearer(sessions.read ?? ''));
      assert.deepEqual(
        list.json().subjects.map((s: { id: string }) => s.id),
        ['case-a'],
      );
    });

    test("a session cannot see another tenant's subject", async () => {
      const res = await inject('GET', '/v1/subjects/case-b', bearer(sessions.endpoints ?? ''));
      assert.equal(res.statusCode, 404);
      const history = await inject('GET', '/v1/subjects/case-b/history', bearer(sessions.endpoints ?? ''));
      assert.equal(history.statusCode, 404);
    });

    for (const route of FORBIDDEN) {
      test(`a ${route.access} session is refused ${route.method} ${route.url}`, async () => {
        const url = route.url.replace('KEYID', keyId).replace('EPID', endpointId);
        const res = await inject(route.method, url, bearer(sessions[route.access] ?? ''), route.payload);
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().code, 'forbidden');
      });
    }

    for (const route of OPERATOR) {
      test(`a portal session is refused the operator route ${route.method} ${route.url}`, async () => {
        const res = await inject(route.method, route.url, bearer(sessions.endpoints ?? ''), route.payload);
        assert.equal(res.statusCode, 401, res.body);
      });
    }

    test('an endpoints session manages endpoints and nothing was changed by the refused calls', async () => {
      const res = await inject('PATCH', `/v1/endpoints/${endpointId}`, bearer(sessions.endpoints ?? ''), {
        description: 'set from the portal',
      });
      assert.equal(res.statusCode, 200, res.body);
      const keys = (await inject('GET', '/v1/api-keys', a.auth)).json().apiKeys;
      assert.equal(keys.length, 1);
      const tenants = (await inject('GET', '/v1/tenants', { authorization: `Bearer ${ADMIN_TOKEN}` })).json().tenants;
      assert.equal(tenants.length, 2);
    });

    test('a link token is not a session and a session token is not a link', async () => {
      const link = (await inject('POST', '/v1/portal-links', a.auth, {})).json().token;
      assert.equal((await inject('GET', '/v1/subjects', bearer(link))).statusCode, 401);
      const again = await inject('POST', '/v1/portal-sessions', {}, { token: sessions.read });
      assert.equal(again.statusCode, 401);
    });

    test('a link is exchanged once: a second exchange is 409 portal_link_used, also when two race', async () => {
      const token = (await inject('POST', '/v1/portal-links', a.auth, {})).json().token;
      const first = await inject('POST', '/v1/portal-sessions', {}, { token });
      assert.equal(first.statusCode, 200, first.body);
      const again = await inject('POST', '/v1/portal-sessions', {}, { token });
      assert.equal(again.statusCode, 409, again.body);
      assert.equal(again.json().code, 'portal_link_used');
      assert.equal(again.json().target, 'token');
      const other = (await inject('POST', '/v1/portal-links', a.auth, {})).json().token;
      const raced = await Promise.all([1, 2, 3].map(() => inject('POST', '/v1/portal-sessions', {}, { token: other })));
      assert.deepEqual(raced.map((r) => r.statusCode).sort(), [200, 409, 409]);
      // The session of the first exchange still works: only the link is spent.
      const sessionToken = first.json().sessionToken;
      assert.equal((await inject('GET', '/v1/subjects', bearer(sessionToken))).statusCode, 200);
    });

    test("a session stays short-lived and single-tenant: its expiry is the link's and its claims name one tenant", async () => {
      const link = (await inject('POST', '/v1/portal-links', a.auth, { ttlSeconds: 120 })).json();
      const exchanged = (await inject('POST', '/v1/portal-sessions', {}, { token: link.token })).json();
      assert.equal(exchanged.expiresAt, link.expiresAt);
      assert.equal(exchanged.tenantId, a.id);
      const claims = JSON.parse(Buffer.from(exchanged.sessionToken.split('.')[1], 'base64url').toString());
      assert.equal(claims.sub, a.id);
      assert.ok(claims.exp - claims.iat <= 120, JSON.stringify(claims));
    });

    test('a forged or altered token is refused', async () => {
      const token = sessions.read ?? '';
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: b.id })).toString('base64url')}.${s}`;
      assert.equal((await inject('GET', '/v1/subjects', bearer(forged))).statusCode, 401);
    });

    test('links and sessions expire', async () => {
      const link = (await inject('POST', '/v1/portal-links', a.auth, { ttlSeconds: 60 })).json().token;
      const short = await session(a.auth, 'read', 60);
      clock.advance(61_000);
      assert.equal((await inject('GET', '/v1/subjects', bearer(short))).statusCode, 401);
      assert.equal((await inject('POST', '/v1/portal-sessions', {}, { token: link })).statusCode, 401);
    });

    test('bad link requests are 400 and change nothing', async () => {
      for (const payload of [{ access: 'admin' }, { ttlSeconds: 5 }, { ttlSeconds: 90_000 }, { extra: 1 }]) {
        const res = await inject('POST', '/v1/portal-links', a.auth, payload);
        assert.equal(res.statusCode, 400, JSON.stringify(payload));
        assert.equal(res.json().code, 'validation');
      }
      assert.equal((await inject('POST', '/v1/portal-sessions', {}, {})).statusCode, 400);
    });

    test('a read key cannot create portal links', async () => {
      const key = await inject('POST', '/v1/api-keys', a.auth, { name: 'ro', scopes: ['read'] });
      const res = await inject('POST', '/v1/portal-links', bearer(key.json().apiKey), {});
      assert.equal(res.statusCode, 403);
    });
  });

  describe(`subject history and signing keys (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<TestApp['tenant']>>;
    before(async () => {
      t = await startTestApp(backend.env);
      a = await t.tenant();
    });
    after(() => t.close());
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

    test('history gives each event with from/to and its native, vendor and SET renderings', async () => {
      const app = t.runtime.app;
      await app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: a.auth,
        payload: { workflow: 'videoid-request', id: 'r1' },
      });
      await app.inject({
        method: 'POST',
        url: '/v1/subjects/r1/events',
        headers: a.auth,
        payload: { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' },
      });
      const res = await app.inject({ method: 'GET', url: '/v1/subjects/r1/history', headers: a.auth });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.totalCount, 2);
      const [first, second] = body.events;
      assert.equal(first.from, null);
      assert.equal(first.to, 'VIDEOPENDING');
      assert.equal(second.from, 'VIDEOPENDING');
      assert.equal(second.to, 'VIDEOREVIEW');
      assert.equal(second.renderings.native.specversion, '1.0');
      assert.equal(second.renderings.vendor.event_type, 'VIDEOID_UPDATED');
      assert.equal(second.renderings.set.split('.').length, 3);
      const page = await app.inject({
        method: 'GET',
        url: '/v1/subjects/r1/history?offset=1&limit=1',
        headers: a.auth,
      });
      assert.equal(page.json().events[0].type, 'VIDEOID_UPDATED');
      // The path is the whole subject's, whatever page of the timeline was asked for.
      const firstOnly = await app.inject({ method: 'GET', url: '/v1/subjects/r1/history?limit=1', headers: a.auth });
      assert.equal(firstOnly.json().events.length, 1);
      assert.deepEqual(firstOnly.json().path, [
        { from: null, to: 'VIDEOPENDING', type: 'REQUEST_CREATED', count: 1 },
        { from: 'VIDEOPENDING', to: 'VIDEOREVIEW', type: 'VIDEOID_UPDATED', count: 1 },
      ]);
    });

    test('history of an unknown subject is 404; a bad limit is 400', async () => {
      const app = t.runtime.app;
      assert.equal(
        (await app.inject({ method: 'GET', url: '/v1/subjects/nope/history', headers: a.auth })).statusCode,
        404,
      );
      const bad = await app.inject({ method: 'GET', url: '/v1/subjects/r1/history?limit=0', headers: a.auth });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'validation');
    });

    test('signing keys list ages and rotate with the admin token only', async () => {
      const app = t.runtime.app;
      assert.equal((await app.inject({ method: 'GET', url: '/v1/signing-keys', headers: a.auth })).statusCode, 401);
      const rotated = await app.inject({
        method: 'POST',
        url: '/v1/signing-keys/rotate',
        headers: admin,
        payload: { purpose: 'default' },
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      assert.equal(rotated.json().keys[0].purpose, 'default');
      const list = (await app.inject({ method: 'GET', url: '/v1/signing-keys', headers: admin })).json().keys;
      assert.ok(list.some((k: { kid: string; rotatedAt: string | null }) => k.rotatedAt === null));
      const bad = await app.inject({
        method: 'POST',
        url: '/v1/signing-keys/rotate',
        headers: admin,
        payload: { purpose: 'x' },
      });
      assert.equal(bad.statusCode, 400);
    });
  });
}

describe('console serving', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ TIDINGS_CONSOLE_FRAME_ORIGINS: 'https://portal.example.com' });
  });
  after(() => t.close());

  test('/ redirects to the console, whose pages carry a strict CSP', async () => {
    const root = await t.runtime.app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/console/');
    for (const url of ['/console/', '/console/subjects/anything']) {
      const res = await t.runtime.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /<script type="module" crossorigin src="\/console\/assets\//);
      assert.doesNotMatch(res.body, /<script>/);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors https:\/\/portal\.example\.com/);
      assert.equal(res.headers['x-frame-options'], undefined);
    }
  });

  test('without configured origins the console refuses framing', async () => {
    const other = await startTestApp();
    try {
      const res = await other.runtime.app.inject({ method: 'GET', url: '/console/' });
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(res.headers['x-frame-options'], 'DENY');
    } finally {
      await other.close();
    }
  });

  test('a frame origin that is not a bare origin stops the start', async () => {
    await assert.rejects(
      startTestApp({ TIDINGS_CONSOLE_FRAME_ORIGINS: "https://a.example; script-src 'unsafe-inline'" }),
      /consoleFrameOrigins/,
    );
  });
});
