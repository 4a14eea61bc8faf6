/**
 * Seed 003, Reestro (SKB Kontur) crypto API, as a Reestro integrator reads it:
 * `GET /realty/crypto/v2/events?afterEventId=<guid>&count=<n>` with
 * `Authorization: ReestroAuth apiKey=<key>&portal.orgid=<org>`, answered with
 * `{lastEventId, events: [CryptoEvent]}`. Only the base URL changes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { NO_EVENTS_YET, visibleSince } from '../../src/feeds/reestro-feed.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const seedPage = JSON.parse(
  readFileSync(new URL('../../../test/conformance/fixtures/reestro-released-page.json', import.meta.url), 'utf8'),
);
const released = seedPage.events[0].certificateFormEvent;
const FORM = '1f3ba8ad-b868-46f2-9088-56aa2753bc88';
const SIGNATURE = '2b3ba8ad-b868-46f2-9088-56aa2753bc88';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`Reestro crypto event feed, seed 003 (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let reestroAuth: { authorization: string };
    let bearer: { authorization: string };
    before(async () => {
      t = await startTestApp(backend.env);
      const tenant = await t.tenant();
      bearer = tenant.auth;
      reestroAuth = { authorization: `ReestroAuth apiKey=${tenant.apiKey}&portal.orgid=${tenant.id}` };
    });
    after(() => t.close());

    const feed = async (query = '') => {
      const res = await t.runtime.app.inject({
        method: 'GET',
        url: `/realty/crypto/v2/events${query}`,
        headers: reestroAuth,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { lastEventId: string; events: Array<Record<string, unknown>> };
    };
    const post = async (url: string, payload: object) => {
      const res = await t.runtime.app.inject({ method: 'POST', url, headers: bearer, payload });
      assert.ok(res.statusCode < 300, res.body);
    };

    test('"lastEventId" is required: never null, also before the organisation has any event', async () => {
      const empty = await feed();
      assert.deepEqual(empty, { lastEventId: NO_EVENTS_YET, events: [] });
      assert.deepEqual(await feed(`?afterEventId=${empty.lastEventId}`), empty, 'the value given is a valid cursor');
    });

    test('events only on the seed\'s three occasions: "данные в форме на выпуск сертификата не прошли проверку; когда завершился выпуск сертификата; когда завершился процесс подписания"', async () => {
      await post('/v1/subjects', { workflow: 'crypto-certificate-form', id: FORM });
      const afterCreation = await feed();
      assert.deepEqual(afterCreation.events, [], 'creating a form is not an event of the feed');
      assert.notEqual(afterCreation.lastEventId, NO_EVENTS_YET);
      await post(`/v1/subjects/${FORM}/events`, {
        type: 'form-released',
        data: { certificate: released.certificate, receipt: released.receipt },
      });
      await post('/v1/subjects', {
        workflow: 'crypto-signature',
        id: SIGNATURE,
        parentId: FORM,
        data: { signedFiles: { contentInfo: released.receipt, signatures: [released.certificate] } },
      });
      const page = await feed('?count=30');
      assert.equal(page.events.length, 2);
      const [form, signing] = page.events;
      assert.equal(form?.certificateId, FORM);
      assert.deepEqual(form?.certificateFormEvent, released, 'field by field as the seed prints "Сертификат выпущен"');
      assert.match(String(form?.eventDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.equal((signing?.signEvent as Record<string, unknown> | undefined)?.signState, 'Processed');
      assert.equal(page.lastEventId, signing?.eventId, 'as in the seed: lastEventId is the last event');
      assert.deepEqual((await feed(`?afterEventId=${page.lastEventId}`)).events, []);
    });

    test('a wrong afterEventId is a 400 WrongFieldValue naming the field', async () => {
      const res = await t.runtime.app.inject({
        method: 'GET',
        url: '/realty/crypto/v2/events?afterEventId=not-a-guid',
        headers: reestroAuth,
      });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().errors[0].code, 'WrongFieldValue');
      assert.equal(res.json().errors[0].target, 'afterEventId');
    });
  });
}

describe('"события доступны в течение 3 месяцев": 3 calendar months, not 90 days', () => {
  test('visibility starts on the same day 3 months back, clamped to the month end', () => {
    assert.equal(visibleSince(new Date('2026-05-31T12:00:00Z')).toISOString(), '2026-02-28T12:00:00.000Z');
    assert.equal(visibleSince(new Date('2026-12-05T00:00:00Z')).toISOString(), '2026-09-05T00:00:00.000Z');
    assert.equal(visibleSince(new Date('2026-03-15T08:00:00Z')).toISOString(), '2025-12-15T08:00:00.000Z');
  });
});
