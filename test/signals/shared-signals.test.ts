import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { POLL, PUSH, SsfReceiver, VERIFICATION } from './ssf-receiver.js';

/** A free loopback port, so the issuer (a URL the receiver follows) is known before the server starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`OpenID Shared Signals transmitter, with a receiver written from SSF 1.0 (${backend.name})`, {
    skip: backend.skip,
  }, () => {
    let t: TestApp;
    let issuer: string;
    let receiver: SsfReceiver;
    let tenant: { id: string; apiKey: string; auth: { authorization: string } };
    let submitted: string;
    let accepted: string;
    let rejected: string;

    before(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      t = await startTestApp(
        {
          ...backend.env,
          PORT: String(port),
          TIDINGS_ISSUER: issuer,
          TIDINGS_SSF_MIN_VERIFICATION_INTERVAL: '1h',
          TIDINGS_RETRY_SCHEDULE: '200ms,200ms,200ms',
        },
        { delivery: { pollIntervalMs: 50 } },
      );
      await t.runtime.app.listen({ port, host: '127.0.0.1' });
      t.runtime.startWorkers();
      tenant = await t.tenant('Signals');
      receiver = new SsfReceiver(issuer, tenant.apiKey);
      await receiver.discover();
      await receiver.listen();
      submitted = `${issuer}/events/image-check/image-submitted`;
      accepted = `${issuer}/events/image-check/image-accepted`;
      rejected = `${issuer}/events/image-check/image-rejected`;
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    /** A Custom image: image-submitted, then accepted or rejected. */
    const imageCheck = async (id: string, verdict: 'accept' | 'reject') => {
      const headers = { ...tenant.auth, 'content-type': 'application/json' };
      const created = await fetch(`${issuer}/v1/subjects`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ workflow: 'image-check', id, attributes: { ImageType: 'Custom' } }),
      });
      assert.equal(created.status, 201, await created.text());
      const body =
        verdict === 'accept'
          ? { type: 'image-accepted', data: { RejectionCode: '00' } }
          : { type: 'image-rejected', data: { RejectionCode: '42' } };
      const moved = await fetch(`${issuer}/v1/subjects/${id}/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      assert.equal(moved.status, 201, await moved.text());
    };

    test('the metadata names the issuer, the JWKS, both delivery methods and every management endpoint', () => {
      const m = receiver.metadata;
      assert.equal(m.spec_version, '1_0');
      assert.deepEqual([...m.delivery_methods_supported].sort(), [PUSH, POLL]);
      for (const url of [m.configuration_endpoint, m.status_endpoint, m.verification_endpoint, m.jwks_uri]) {
        assert.ok(url.startsWith(issuer), url);
      }
      assert.deepEqual(m.authorization_schemes, [{ spec_urn: 'urn:ietf:rfc:6750' }]);
    });

    test('a push stream: created, verified, and its events arrive as signed SSF SETs; others do not', async () => {
      const created = await receiver.call('POST', receiver.metadata.configuration_endpoint, {
        delivery: { method: PUSH, endpoint_url: receiver.pushUrl, authorization_header: receiver.pushAuthorization },
        events_requested: [submitted, accepted, 'https://schemas.openid.net/secevent/caep/event-type/session-revoked'],
        description: 'image checks',
        aud: 'https://receiver.example/ssf',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const stream = created.body;
      assert.equal(stream.iss, issuer);
      assert.equal(stream.aud, 'https://receiver.example/ssf');
      assert.equal(stream.delivery.method, PUSH);
      assert.equal(stream.delivery.endpoint_url, receiver.pushUrl);
      assert.ok(stream.events_supported.includes(rejected));
      // §8.1.1: delivered ⊆ requested ∩ supported (the CAEP event is not something Tidings sends)
      assert.deepEqual(stream.events_delivered, [accepted, submitted].sort());

      const read = await receiver.call('GET', receiver.streamUrl(stream.stream_id));
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, stream);

      const status = await receiver.call('GET', `${receiver.metadata.status_endpoint}?stream_id=${stream.stream_id}`);
      assert.deepEqual(status.body, { stream_id: stream.stream_id, status: 'enabled' });

      const verify = await receiver.call('POST', receiver.metadata.verification_endpoint, {
        stream_id: stream.stream_id,
        state: 'VGhpcyBpcyBhbiBleGFtcGxlIHN0YXRl',
      });
      assert.equal(verify.status, 204, JSON.stringify(verify.body));
      const verification = await receiver.waitForPushed((s) => s.event === VERIFICATION);
      assert.equal(verification.payload.state, 'VGhpcyBpcyBhbiBleGFtcGxlIHN0YXRl');
      assert.deepEqual(verification.claims.sub_id, { format: 'opaque', id: stream.stream_id });
      assert.equal(verification.claims.aud, stream.aud);

      // min_verification_interval (1 h here): a second request at once is refused
      assert.equal(stream.min_verification_interval, 3600);
      const again = await receiver.call('POST', receiver.metadata.verification_endpoint, {
        stream_id: stream.stream_id,
      });
      assert.equal(again.status, 429);

      await imageCheck('push-1', 'accept');
      await imageCheck('push-2', 'reject');
      const got = await receiver.waitForPushed((s) => s.event === accepted);
      assert.equal(got.claims.aud, stream.aud);
      assert.deepEqual(got.claims.sub_id, { format: 'opaque', id: 'image-check:push-1' });
      await receiver.waitForPushed(
        (s) => s.event === submitted && (s.claims.sub_id as { id: string }).id === 'image-check:push-2',
      );
      // push-2's rejection is the only unrequested event; everything before it has been delivered in order
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(receiver.pushed.filter((s) => s.event === rejected).length, 0);
      assert.deepEqual(receiver.refused, []);
    });

    test('a paused push stream holds its events and sends them when enabled again; disabled drops them', async () => {
      const created = await receiver.call('POST', receiver.metadata.configuration_endpoint, {
        delivery: { method: PUSH, endpoint_url: receiver.pushUrl, authorization_header: receiver.pushAuthorization },
        events_requested: [rejected],
        aud: 'pause-test',
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.stream_id as string;
      const setStatus = async (status: string) => {
        const res = await receiver.call('POST', receiver.metadata.status_endpoint, {
          stream_id: id,
          status,
          reason: 'test',
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body, { stream_id: id, status, reason: 'test' });
      };
      const ofThisStream = (subject: string) => (s: { claims: Record<string, unknown>; event: string }) =>
        s.claims.aud === 'pause-test' && (s.claims.sub_id as { id: string }).id === `image-check:${subject}`;

      await setStatus('paused');
      await imageCheck('held', 'reject');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(receiver.pushed.filter(ofThisStream('held')).length, 0, 'nothing pushed while paused');
      await setStatus('enabled');
      await receiver.waitForPushed(ofThisStream('held'));

      await setStatus('disabled');
      await imageCheck('dropped', 'reject');
      await new Promise((r) => setTimeout(r, 500));
      await setStatus('enabled');
      await imageCheck('after', 'reject');
      await receiver.waitForPushed(ofThisStream('after'));
      assert.equal(
        receiver.pushed.filter(ofThisStream('dropped')).length,
        0,
        'events of a disabled stream are not held',
      );
    });

    test('a poll stream: the verification SET and the events come back until acknowledged', async () => {
      const created = await receiver.call('POST', receiver.metadata.configuration_endpoint, {
        delivery: { method: POLL },
        events_requested: [accepted],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const stream = created.body;
      assert.equal(stream.delivery.method, POLL);
      assert.equal(stream.aud, tenant.id, 'the tenant is the default audience');
      const url = stream.delivery.endpoint_url as string;
      assert.ok(url.startsWith(issuer), url);

      assert.equal(
        (
          await receiver.call('POST', receiver.metadata.verification_endpoint, {
            stream_id: stream.stream_id,
            state: 's1',
          })
        ).status,
        204,
      );
      await imageCheck('poll-1', 'accept');

      const first = await receiver.poll(url, { maxEvents: 10 }, stream.aud);
      const verification = first.sets.find((s) => s.event === VERIFICATION);
      assert.equal(verification?.payload.state, 's1');
      assert.deepEqual(verification?.claims.sub_id, { format: 'opaque', id: stream.stream_id });
      const event = first.sets.find((s) => s.event === accepted);
      assert.ok(event, `the accepted image is polled (got ${first.sets.map((s) => s.event).join(', ')})`);
      assert.deepEqual(event.claims.sub_id, { format: 'opaque', id: 'image-check:poll-1' });

      const unacked = await receiver.poll(url, { maxEvents: 10 }, stream.aud);
      assert.deepEqual(
        unacked.sets.map((s) => s.jti).sort(),
        first.sets.map((s) => s.jti).sort(),
        'unacknowledged SETs come back',
      );
      const acked = await receiver.poll(url, { ack: first.sets.map((s) => s.jti), maxEvents: 10 }, stream.aud);
      assert.deepEqual(acked.sets, []);

      // paused: nothing is handed out, the event waits; enabled: it comes
      await receiver.call('POST', receiver.metadata.status_endpoint, { stream_id: stream.stream_id, status: 'paused' });
      await imageCheck('poll-2', 'accept');
      assert.deepEqual((await receiver.poll(url, { maxEvents: 10 }, stream.aud)).sets, []);
      await receiver.call('POST', receiver.metadata.status_endpoint, {
        stream_id: stream.stream_id,
        status: 'enabled',
      });
      const held = await receiver.poll(url, { maxEvents: 10 }, stream.aud);
      assert.deepEqual(
        held.sets.map((s) => (s.claims.sub_id as { id: string }).id),
        ['image-check:poll-2'],
      );
    });

    test('update, replace and delete a stream', async () => {
      const endpoint = receiver.metadata.configuration_endpoint;
      const created = await receiver.call('POST', endpoint, {
        delivery: { method: POLL },
        events_requested: [accepted],
      });
      const id = created.body.stream_id as string;
      const patched = await receiver.call('PATCH', endpoint, { stream_id: id, events_requested: [accepted, rejected] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body.events_delivered, [accepted, rejected].sort());
      assert.equal(patched.body.description, undefined);

      // PUT takes back what GET gave, transmitter-supplied fields included
      const replaced = await receiver.call('PUT', endpoint, {
        ...patched.body,
        events_requested: [submitted],
        description: 'only submissions',
      });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.deepEqual(replaced.body.events_delivered, [submitted]);
      assert.equal(replaced.body.description, 'only submissions');

      const all = await receiver.call('GET', endpoint);
      assert.ok(Array.isArray(all.body) && all.body.some((s: { stream_id: string }) => s.stream_id === id));

      assert.equal((await receiver.call('DELETE', receiver.streamUrl(id))).status, 204);
      assert.equal((await receiver.call('GET', receiver.streamUrl(id))).status, 404);
      assert.equal((await receiver.call('DELETE', receiver.streamUrl(id))).status, 404);
    });

    test('bad requests are 400 with the documented body; no stream is made', async () => {
      const endpoint = receiver.metadata.configuration_endpoint;
      const before = (await receiver.call('GET', endpoint)).body.length as number;
      const cases: Array<[unknown, string]> = [
        [{ delivery: { method: 'urn:example:carrier-pigeon' }, events_requested: [accepted] }, 'delivery.method'],
        [{ delivery: { method: PUSH }, events_requested: [accepted] }, 'delivery.endpoint_url'],
        [{ delivery: { method: POLL }, events_requested: ['https://example.com/unknown'] }, 'events_requested'],
        [{ delivery: { method: POLL }, events_requested: [accepted], stream_id: 'mine' }, 'stream_id'],
        [{ delivery: { method: POLL }, events_requested: [accepted], surprise: 1 }, 'surprise'],
        [
          {
            delivery: { method: PUSH, endpoint_url: receiver.pushUrl, authorization_header: 'a\r\nb: c' },
            events_requested: [accepted],
          },
          'delivery.authorization_header',
        ],
      ];
      for (const [body, field] of cases) {
        const res = await receiver.call('POST', endpoint, body);
        assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'validation');
        assert.ok(JSON.stringify(res.body).includes(field), `${field} named in ${JSON.stringify(res.body)}`);
      }
      assert.equal((await receiver.call('GET', endpoint)).body.length, before);
      const none = await receiver.call('GET', `${receiver.metadata.status_endpoint}?stream_id=ssf_nope`);
      assert.equal(none.status, 404);
      const unauthenticated = await fetch(endpoint);
      assert.equal(unauthenticated.status, 401);
    });

    test("another tenant's stream is not found", async () => {
      const mine = await receiver.call('POST', receiver.metadata.configuration_endpoint, {
        delivery: { method: POLL },
        events_requested: [accepted],
      });
      const other = await t.tenant('Other');
      const stranger = new SsfReceiver(issuer, other.apiKey);
      await stranger.discover();
      assert.equal((await stranger.call('GET', stranger.streamUrl(mine.body.stream_id))).status, 404);
      assert.equal(
        (await stranger.call('POST', stranger.metadata.verification_endpoint, { stream_id: mine.body.stream_id }))
          .status,
        404,
      );
      assert.equal((await stranger.call('POST', mine.body.delivery.endpoint_url, {})).status, 404);
    });
  });
}
