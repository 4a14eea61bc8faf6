import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`authentication and tenant isolation (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<TestApp['tenant']>>;
    let b: Awaited<ReturnType<TestApp['tenant']>>;
    before(async () => {
      t = await startTestApp(backend.env);
      a = await t.tenant('Tenant A');
      b = await t.tenant('Tenant B');
      const res = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: a.auth,
        payload: { workflow: 'fit-case', id: 'case-a' },
      });
      assert.equal(res.statusCode, 201);
    });
    after(() => t.close());
    const get = (url: string, headers: Record<string, string> = {}) =>
      t.runtime.app.inject({ method: 'GET', url, headers });

    test('POST /v1/tenants answers {id, name, apiKey}, with createdAt and the effective settings', async () => {
      const res = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/tenants',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { name: 'Registration desk' },
      });
      assert.equal(res.statusCode, 201);
      assert.deepEqual(Object.keys(res.json()).sort(), ['apiKey', 'createdAt', 'id', 'name', 'settings']);
      assert.deepEqual(res.json().settings, { defaultExpiryPeriodDays: 30 });
    });

    test('no Authorization header is 401 with the error body and a WWW-Authenticate challenge', async () => {
      const res = await get('/v1/subjects/case-a');
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'unauthorized');
      assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'errors', 'message', 'target']);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    });

    test('a wrong or malformed key is 401, and the message does not echo it', async () => {
      const wrong = `${a.apiKey.slice(0, -4)}AAAA`;
      for (const header of [`Bearer ${wrong}`, 'Bearer nonsense', 'Basic dXNlcjpwYXNz', 'Bearer']) {
        const res = await get('/v1/subjects/case-a', { authorization: header });
        assert.equal(res.statusCode, 401, header);
        assert.ok(!res.body.includes(wrong));
      }
    });

    test('ReestroAuth apiKey=..&portal.orgid=.. works; another org is 403', async () => {
      const ok = await get('/v1/subjects/case-a', {
        authorization: `ReestroAuth apiKey=${a.apiKey}&portal.orgid=${a.id}`,
      });
      assert.equal(ok.statusCode, 200);
      const other = await get('/v1/subjects/case-a', {
        authorization: `ReestroAuth apiKey=${a.apiKey}&portal.orgid=${b.id}`,
      });
      assert.equal(other.statusCode, 403);
      assert.equal(other.json().code, 'forbidden');
      assert.equal(other.json().target, 'portal.orgid');
    });

    test("another tenant's subject is 404, for reads and writes", async () => {
      assert.equal((await get('/v1/subjects/case-a', b.auth)).statusCode, 404);
      const write = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects/case-a/events',
        headers: b.auth,
        payload: { type: 'close-case' },
      });
      assert.equal(write.statusCode, 404);
      const list = await get('/v1/subjects', b.auth);
      assert.deepEqual(list.json().subjects, []);
    });

    test('admin routes need the admin token; a tenant key is not one', async () => {
      const post = (headers: Record<string, string>) =>
        t.runtime.app.inject({ method: 'POST', url: '/v1/tenants', headers, payload: { name: 'x' } });
      assert.equal((await post({})).statusCode, 401);
      assert.equal((await post({ authorization: 'Bearer not-the-token' })).statusCode, 401);
      assert.equal((await post(a.auth)).statusCode, 401);
    });

    test('admin routes are off (403) when the server has no admin token', async () => {
      const off = await startTestApp({ ...backend.env, TIDINGS_ADMIN_TOKEN: '' });
      try {
        const res = await off.runtime.app.inject({ method: 'POST', url: '/v1/tenants', payload: { name: 'x' } });
        assert.equal(res.statusCode, 403);
        assert.match(res.json().message, /TIDINGS_ADMIN_TOKEN/);
      } finally {
        await off.close();
      }
    });

    test('scopes: a read-only key reads but cannot write; a revoked key stops working', async () => {
      const created = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: a.auth,
        payload: { name: 'dashboard', scopes: ['read'] },
      });
      assert.equal(created.statusCode, 201);
      const readOnly = { authorization: `Bearer ${created.json().apiKey}` };
      assert.equal((await get('/v1/subjects/case-a', readOnly)).statusCode, 200);
      const write = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: readOnly,
        payload: { workflow: 'fit-case' },
      });
      assert.equal(write.statusCode, 403);
      const keys = await get('/v1/api-keys', a.auth);
      assert.ok(!keys.body.includes(created.json().apiKey), 'listing never shows secrets');
      const revoke = await t.runtime.app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${created.json().id}`,
        headers: a.auth,
      });
      assert.equal(revoke.statusCode, 204);
      assert.equal((await get('/v1/subjects/case-a', readOnly)).statusCode, 401);
    });
  });
}
