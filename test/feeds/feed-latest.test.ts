import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const backends = await testBackends();
after(() => dropBackends(backends));

interface Native {
  id: string;
  subject: string;
  eventtype: string;
  workflow: string;
}

for (const backend of backends) {
  describe(`GET /v1/events/latest (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: Record<string, string>;
    const ids: string[] = []; // every event id of the tenant, oldest first
    before(async () => {
      t = await startTestApp(backend.env);
      auth = (await t.tenant()).auth;
      const other = await t.tenant('Other');
      await post('/v1/subjects', { workflow: 'fit-case', id: 'other-case' }, other.auth);
      for (let i = 0; i < 45; i++) {
        const workflow = i % 3 === 0 ? 'fit-case' : 'videoid-request';
        await post('/v1/subjects', { workflow, id: `s-${i}` });
      }
      for (const page = { after: '' }; ; ) {
        const res = await get(`/v1/events?format=native&count=100${page.after ? `&afterEventId=${page.after}` : ''}`);
        const events = res.events as Native[];
        ids.push(...events.map((e) => e.id));
        if (events.length < 100) break;
        page.after = res.lastEventId;
      }
      assert.equal(ids.length, 45);
    });
    after(() => t.close());
    async function post(url: string, payload: object, headers = auth) {
      const res = await t.runtime.app.inject({ method: 'POST', url, headers, payload });
      assert.equal(res.statusCode, 201, res.body);
    }
    async function get(url: string) {
      const res = await t.runtime.app.inject({ method: 'GET', url, headers: auth });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return res.json();
    }

    test('starts from the newest event and pages back to the first, each event once', async () => {
      const first = await get('/v1/events/latest?format=native&count=20');
      assert.equal(first.newestEventId, ids.at(-1));
      assert.deepEqual(
        first.events.map((e: Native) => e.id),
        ids.slice(-20).reverse(),
      );
      const seen = [...first.events.map((e: Native) => e.id)];
      let before = first.nextBeforeEventId;
      while (before) {
        const page = await get(`/v1/events/latest?format=native&count=20&beforeEventId=${before}`);
        seen.push(...page.events.map((e: Native) => e.id));
        before = page.nextBeforeEventId;
      }
      assert.deepEqual(seen, [...ids].reverse());
    });

    test('filters by workflow and type, and newestEventId follows the feed forward', async () => {
      const page = await get('/v1/events/latest?format=native&count=100&workflow=fit-case');
      assert.equal(page.events.length, 15);
      assert.ok(page.events.every((e: Native) => e.workflow === 'fit-case'));
      assert.equal(page.nextBeforeEventId, null);
      assert.equal(page.newestEventId, ids.at(-1), 'the newest of all, to follow from whatever the filter');
      const typed = await get('/v1/events/latest?format=native&workflow=videoid-request&type=REQUEST_CREATED');
      assert.ok(typed.events.length > 0 && typed.events.every((e: Native) => e.eventtype === 'REQUEST_CREATED'));
      await post('/v1/subjects', { workflow: 'fit-case', id: 'late' });
      const followed = await get(`/v1/events?format=native&afterEventId=${page.newestEventId}`);
      assert.deepEqual(
        followed.events.map((e: Native) => e.subject),
        ['late'],
      );
    });

    test('another tenant sees only its own; bad cursors and unknown parameters are 400', async () => {
      for (const q of [
        'beforeEventId=nope',
        `beforeEventId=${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`,
        'count=0',
        'afterEventId=x',
      ]) {
        const res = await t.runtime.app.inject({ method: 'GET', url: `/v1/events/latest?${q}`, headers: auth });
        assert.equal(res.statusCode, 400, `${q}: ${res.body}`);
        assert.equal(res.json().code, 'validation');
      }
      const other = await t.tenant('Third');
      const res = await t.runtime.app.inject({ method: 'GET', url: '/v1/events/latest', headers: other.auth });
      assert.deepEqual(res.json(), { newestEventId: null, nextBeforeEventId: null, events: [] });
    });
  });
}
