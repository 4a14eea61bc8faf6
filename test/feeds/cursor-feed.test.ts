import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { pageWhileWriting } from './feed-paging.js';
import { type Auth, client, fitCaseWithSubmission, imageChecks, servedJwks, verifySet } from './pull-kit.js';

describe('cursor feed GET /v1/events (seed 003)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  test('pages 2,500 events with no gap or duplicate while writes continue', async () => {
    await pageWhileWriting(t, await t.tenant('Busy'), 2_500);
  });

  describe('formats, filters and errors', () => {
    let tenant: { id: string; auth: Auth };
    let api: ReturnType<typeof client>;
    const caseId = randomUUID();
    const submissionId = randomUUID();
    before(async () => {
      tenant = await t.tenant('Mixed');
      api = client(t, tenant.auth);
      await fitCaseWithSubmission(t, tenant.auth, caseId, submissionId);
      await imageChecks(t, tenant.id, 3, 'img');
    });

    test('defaults: vendor format, count 30, oldest first; an empty feed has lastEventId null', async () => {
      const empty = await client(t, (await t.tenant('Empty')).auth).get('/v1/events');
      assert.deepEqual(empty.json(), { lastEventId: null, events: [] });
      const res = await api.get('/v1/events');
      assert.equal(res.statusCode, 200);
      const { events, lastEventId } = res.json() as { events: unknown[]; lastEventId: string };
      assert.equal(events.length, 7);
      // FIT events render as their SET (a compact JWS string), image checks as Thales bodies.
      const jwks = await servedJwks(t);
      const set = await verifySet(events[0] as string, jwks);
      assert.equal(set.claims.sub, `case:${caseId}`);
      assert.equal(set.header.alg, 'PS512');
      assert.equal(typeof events[1], 'string');
      assert.equal((events[6] as { ImageState: string }).ImageState, 'Accepted');
      assert.match(lastEventId, /^[0-9a-f-]{36}$/);
    });

    test('count limits the page; afterEventId continues it; native gives CloudEvents', async () => {
      const first = (await api.get('/v1/events?count=2&format=native')).json();
      assert.equal(first.events.length, 2);
      assert.equal(first.events[0].specversion, '1.0');
      assert.equal(first.lastEventId, first.events[1].id);
      const next = (await api.get(`/v1/events?count=2&format=native&afterEventId=${first.lastEventId}`)).json();
      assert.deepEqual(
        next.events.map((e: { sequence: string }) => Number(e.sequence)),
        [3, 4],
      );
      const upper = (
        await api.get(`/v1/events?count=2&format=native&afterEventId=${first.lastEventId.toUpperCase()}`)
      ).json();
      assert.deepEqual(upper.events, next.events, 'GUIDs compare case-insensitively');
      const tail = (await api.get('/v1/events?count=100&format=native')).json();
      const end = (await api.get(`/v1/events?format=native&afterEventId=${tail.lastEventId}`)).json();
      assert.deepEqual(end, { lastEventId: tail.lastEventId, events: [] });
    });

    test('filters by workflow and by type (a FIT event URI is the same type)', async () => {
      const images = (await api.get('/v1/events?format=native&workflow=image-check')).json();
      assert.equal(images.events.length, 3);
      const accepts = (
        await api.get(
          `/v1/events?format=native&type=${encodeURIComponent('https://schema.fitko.de/fit-connect/events/accept-submission')}`,
        )
      ).json();
      assert.deepEqual(
        accepts.events.map((e: { eventtype: string }) => e.eventtype),
        ['accept-submission'],
      );
    });

    test('bad query values are 400 validation with a WrongFieldValue item naming the field', async () => {
      const unknown = randomUUID();
      const cases: Array<[string, string, RegExp]> = [
        ['count=0', 'count', /count should be/],
        ['count=101', 'count', /count should be/],
        ['count=abc', 'count', /count should be/],
        ['count=2.5', 'count', /count should be/],
        ['afterEventId=xyz', 'afterEventId', /GUID/],
        [`afterEventId=${unknown}`, 'afterEventId', /unknown or past retention/],
        ['format=bogus', 'format', /format should be/],
      ];
      for (const [query, target, message] of cases) {
        const res = await api.get(`/v1/events?${query}`);
        assert.equal(res.statusCode, 400, query);
        const body = res.json();
        assert.equal(body.code, 'validation', query);
        assert.equal(typeof body.message, 'string');
        assert.equal(body.target, 'api');
        assert.equal(body.errors[0].code, 'WrongFieldValue', query);
        assert.equal(body.errors[0].target, target, query);
        assert.match(body.errors[0].message, message, query);
      }
    });

    test('tenant isolation: another tenant neither sees these events nor may use their ids as cursor', async () => {
      const mine = (await api.get('/v1/events?format=native')).json();
      const stranger = client(t, (await t.tenant('Stranger')).auth);
      assert.deepEqual((await stranger.get('/v1/events')).json(), { lastEventId: null, events: [] });
      const res = await stranger.get(`/v1/events?afterEventId=${mine.events[0].id}`);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().errors[0].target, 'afterEventId');
      assert.equal((await t.runtime.app.inject({ method: 'GET', url: '/v1/events' })).statusCode, 401);
    });

    test('the ReestroAuth scheme reads the feed too', async () => {
      const res = await t.runtime.app.inject({
        method: 'GET',
        url: '/v1/events?count=1&format=native',
        headers: {
          authorization: `ReestroAuth apiKey=${tenant.auth.authorization.slice(7)}&portal.orgid=${tenant.id}`,
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().events.length, 1);
    });
  });
});
