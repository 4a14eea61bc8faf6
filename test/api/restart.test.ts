import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { dropBackends, startTestApp, testBackends } from '../helpers/test-runtime.js';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`restart (${backend.name})`, { skip: backend.skip }, () => {
    test('a restart keeps tenants, subjects and the event log, and sequences continue without a gap', async () => {
      let t = await startTestApp(backend.env);
      const tenant = await t.tenant();
      const post = (url: string, payload: object) =>
        t.runtime.app.inject({ method: 'POST', url, headers: tenant.auth, payload });
      assert.equal((await post('/v1/subjects', { workflow: 'videoid-request', id: 'r' })).statusCode, 201);
      assert.equal(
        (await post('/v1/subjects/r/events', { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' })).statusCode,
        201,
      );
      t = await t.restart();
      try {
        const got = await t.runtime.app.inject({ method: 'GET', url: '/v1/subjects/r', headers: tenant.auth });
        assert.equal(got.statusCode, 200, 'the API key still works after the restart');
        assert.equal(got.json().status, 'VIDEOREVIEW');
        const next = await t.runtime.app.inject({
          method: 'POST',
          url: '/v1/subjects/r/events',
          headers: tenant.auth,
          payload: { type: 'REQUEST_APPROVED' },
        });
        assert.equal(next.json().sequence, 3);
      } finally {
        await t.close();
      }
    });
  });
}
