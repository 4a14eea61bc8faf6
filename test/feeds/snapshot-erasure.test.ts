import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * Issue 13: renderings are fixed at commit, with one exception: erasing a
 * subject drops its personal data from every rendering that shows it (its own
 * events, and its certificates' events, which render the request), and
 * changes nothing else.
 */
const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`erasure reaches the render snapshots (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: { authorization: string };
    before(async () => {
      t = await startTestApp(backend.env);
      auth = (await t.tenant()).auth;
    });
    after(() => t.close());
    const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const res = await t.runtime.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
      assert.ok(res.statusCode < 300, res.body);
      return res.json();
    };

    test("an erased request's attributes leave its own and its certificates' renderings; statuses stay", async () => {
      await call('POST', '/v1/subjects', {
        workflow: 'videoid-request',
        id: 'req-e',
        attributes: { profile: 'PFnubeNC', scratchcard: '2678100' },
      });
      await call('POST', '/v1/subjects/req-e/events', { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' });
      await call('POST', '/v1/subjects/req-e/events', { type: 'REQUEST_APPROVED' });
      await call('POST', '/v1/subjects/req-e/events', {
        type: 'REQUEST_ENROLLED',
        data: { certificates: [{ serial_number: 'S-E' }] },
      });
      const read = async () => (await call('GET', '/v1/events?count=100&format=vendor')).events as any[];
      const before = await read();
      assert.ok(before.every((e) => e.request.scratchcard === '2678100'));
      await call('POST', '/v1/subjects/req-e/erase');
      const afterErasure = await read();
      assert.equal(afterErasure.length, before.length);
      afterErasure.forEach((e, i) => {
        assert.equal(e.request.scratchcard, undefined, `${e.event_type}: erased`);
        assert.equal(e.request.profile, undefined);
        assert.equal(e.request.status, before[i].request.status, 'the status as at the event');
        assert.deepEqual(e.certificates, before[i].certificates, 'the certificates as at the event');
      });
    });
  });
}
