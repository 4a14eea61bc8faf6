/**
 * Seed 000, Uanataca (Namirial) VideoID webhooks, as a Uanataca integrator
 * receives them: one POST per status change, `{event_type, sent_at, request, certificates}`.
 * The seed's examples (fixture lines quoted below) for a request created, enrolled
 * and then revoked; each event reads as it was when it happened, pushed at once,
 * pushed late, or read from the feed afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

// Seed 000, verbatim: the shapes the three events must have.
// {"event_type": "REQUEST_CREATED", "sent_at": "YYYYMMDDHHMMSS", "request": {"status": "VIDEOPENDING", ...}, "certificates": []}
// {"event_type": "REQUEST_ENROLLED", ..., "request": {"status": "ISSUED"}, "certificates": [{"status": "VALID", "serial_number": ..., "valid_from": "YYYYMMDD HH:MM:SS", "valid_to": ...}]}
// {"event_type": "CERTIFICATE_REVOKED", ..., "request": {"status": "ISSUED"}, "certificates": [{"status": "REVOKED", ...}]}
const SERIAL = '6F1D3A9C2B7E450';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`Uanataca VideoID webhooks, seed 000 (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: { authorization: string };
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_RETRY_SCHEDULE: '50ms,100ms' });
      t.runtime.startWorkers();
      receiver = await startReceiver();
      auth = (await t.tenant()).auth;
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });
    const post = async (url: string, payload: object) => {
      const res = await t.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
      assert.ok(res.statusCode < 300, res.body);
      return res.json();
    };

    test('created, enrolled, revoked: each webhook as it was when it happened, at once or late', async () => {
      await post('/v1/endpoints', { url: receiver.url, format: 'uanataca' });
      // The caller chose no id: the request's id (pk) is still in every webhook.
      const { id } = await post('/v1/subjects', { workflow: 'videoid-request', attributes: { profile: 'PFnubeNC' } });
      await post(`/v1/subjects/${id}/events`, { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' });
      await post(`/v1/subjects/${id}/events`, { type: 'REQUEST_APPROVED' });
      await post(`/v1/subjects/${id}/events`, {
        type: 'REQUEST_ENROLLED',
        data: {
          certificates: [{ serial_number: SERIAL, valid_from: '20250716 09:12:05', valid_to: '20270716 09:12:05' }],
        },
      });
      const certs = await t.runtime.app.inject({
        method: 'GET',
        url: `/v1/subjects?parentId=${id}&workflow=videoid-certificate`,
        headers: auth,
      });
      const certId = certs.json().subjects[0].id as string;
      await post(`/v1/subjects/${certId}/events`, { type: 'CERTIFICATE_REVOKED' });

      // Late: read from the feed after the certificate was revoked.
      const feed = await t.runtime.app.inject({ method: 'GET', url: '/v1/events?count=100', headers: auth });
      const late = feed.json().events as Array<Record<string, any>>;
      const byType = (list: Array<Record<string, any>>, type: string) => list.find((e) => e.event_type === type);
      assert.deepEqual(
        byType(late, 'REQUEST_CREATED')?.certificates,
        [],
        'seed: "certificates": [] on REQUEST_CREATED',
      );
      assert.equal(byType(late, 'REQUEST_CREATED')?.request.status, 'VIDEOPENDING');
      assert.deepEqual(byType(late, 'REQUEST_ENROLLED')?.certificates, [
        { status: 'VALID', serial_number: SERIAL, valid_from: '20250716 09:12:05', valid_to: '20270716 09:12:05' },
      ]);
      assert.equal(byType(late, 'REQUEST_ENROLLED')?.request.status, 'ISSUED');
      assert.equal(byType(late, 'CERTIFICATE_REVOKED')?.certificates[0].status, 'REVOKED');
      assert.equal(byType(late, 'CERTIFICATE_REVOKED')?.request.status, 'ISSUED');
      for (const e of late) {
        assert.match(e.sent_at, /^\d{14}$/);
        assert.equal(e.request.pk, id, `${e.event_type} carries the request's id`);
      }

      // Pushed: the same bodies the feed shows.
      await receiver.waitFor(late.length);
      const pushed = receiver.received.map((r) => JSON.parse(r.body) as Record<string, any>);
      for (const e of late) {
        if (e.event_type === 'CERTIFICATE_ISSUED') continue;
        assert.deepEqual(byType(pushed, e.event_type), e, `${e.event_type} pushed as read later`);
      }
    });
  });
}
