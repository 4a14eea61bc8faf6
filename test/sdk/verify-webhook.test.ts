import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signWebhook, TidingsSdkError, verifyWebhook as verify, verifyWebhook } from '@tidings/sdk';
import { Webhook } from 'standardwebhooks';
import { ed25519PublicKey, newEd25519Secret, newHmacSecret, signOnce } from '../../src/delivery/webhook-signature.js';
import { startReceiver } from '../delivery/receiver.js';
import { type LiveServer, startLiveServer, videoidRequest } from './sdk-kit.js';

const body = JSON.stringify({ event_type: 'REQUEST_CREATED', request: { status: 'VIDEOPENDING' } });
const now = () => Math.floor(Date.now() / 1000);

async function rejects(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TidingsSdkError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

for (const webCryptoOnly of [false, true]) {
  describe(`verifyWebhook (${webCryptoOnly ? 'WebCrypto, as on any runtime' : "the host's crypto module"})`, () => {
    const verifyWebhook: typeof verify = (request, keys, options = {}) =>
      verify(request, keys, { webCryptoOnly, ...options });

    test('accepts what the standardwebhooks package signs', async () => {
      const secret = newHmacSecret();
      const ts = new Date();
      const signature = new Webhook(secret).sign('msg_1', ts, body);
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(+ts / 1000)),
        'webhook-signature': signature,
      };
      const verified = await verifyWebhook({ headers, body }, secret);
      assert.equal(verified.id, 'msg_1');
      assert.deepEqual(verified.payload, JSON.parse(body));
    });

    test('what signWebhook signs, the standardwebhooks package accepts', async () => {
      const secret = newHmacSecret();
      const headers = await signWebhook(secret, 'msg_2', body);
      assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    });

    test('a rotation: the header carries two signatures and either secret verifies', async () => {
      const [oldSecret, newSecret] = [newHmacSecret(), newHmacSecret()];
      const ts = now();
      const content = `msg_3.${ts}.${body}`;
      const headers = {
        'webhook-id': 'msg_3',
        'webhook-timestamp': String(ts),
        'webhook-signature': `${signOnce(newSecret, content)} ${signOnce(oldSecret, content)}`,
      };
      await verifyWebhook({ headers, body }, oldSecret);
      await verifyWebhook({ headers, body }, [newHmacSecret(), newSecret]);
      await rejects(verifyWebhook({ headers, body }, newHmacSecret()), 'webhook_signature_mismatch');
    });

    test('v1a: an Ed25519 signature verifies with the whpk_ public key, not with another', async () => {
      const secret = newEd25519Secret();
      const ts = now();
      const headers = new Headers({
        'webhook-id': 'msg_4',
        'webhook-timestamp': String(ts),
        'webhook-signature': signOnce(secret, `msg_4.${ts}.${body}`),
      });
      await verifyWebhook({ headers, body: new TextEncoder().encode(body) }, ed25519PublicKey(secret));
      await rejects(
        verifyWebhook({ headers, body }, ed25519PublicKey(newEd25519Secret())),
        'webhook_signature_mismatch',
      );
    });

    test('each failed check has its own code', async () => {
      const secret = newHmacSecret();
      const good = await signWebhook(secret, 'msg_5', body);
      await rejects(verifyWebhook({ headers: { ...good, 'webhook-id': '' }, body }, secret), 'webhook_header_missing');
      await rejects(
        verifyWebhook({ headers: { ...good, 'webhook-timestamp': 'soon' }, body }, secret),
        'webhook_timestamp_invalid',
      );
      const stale = await signWebhook(secret, 'msg_5', body, now() - 600);
      await rejects(verifyWebhook({ headers: stale, body }, secret), 'webhook_timestamp_out_of_tolerance');
      await verifyWebhook({ headers: stale, body }, secret, { toleranceSeconds: 900 });
      await rejects(verifyWebhook({ headers: good, body: `${body} ` }, secret), 'webhook_signature_mismatch');
      await rejects(
        verifyWebhook({ headers: { ...good, 'webhook-signature': 'v1,@@@ v2,abc' }, body }, secret),
        'webhook_signature_mismatch',
      );
      await assert.rejects(verifyWebhook({ headers: good, body }, []), TypeError);
    });

    test("seed 004's shared-secret header", async () => {
      const key = { type: 'header', name: 'X-Thales-Key', value: 's3cret' } as const;
      await verifyWebhook({ headers: { 'x-thales-key': 's3cret' }, body }, key);
      await rejects(
        verifyWebhook({ headers: { 'x-thales-key': 's3cret!' }, body }, key),
        'webhook_auth_header_mismatch',
      );
      await rejects(verifyWebhook({ headers: {}, body }, key), 'webhook_auth_header_mismatch');
    });
  });
}

describe('verifyWebhook against real pushes', () => {
  let server: LiveServer;
  const receivers: Array<Awaited<ReturnType<typeof startReceiver>>> = [];
  before(async () => {
    server = await startLiveServer();
  });
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await server.close();
  });

  test('an HMAC endpoint: each push verifies as a Fetch Request and as {headers, body}', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const endpoint = await server.call<{ secret: string }>('POST', '/v1/endpoints', {
      url: receiver.url,
      format: 'vendor',
      workflows: ['videoid-request'],
    });
    await videoidRequest(server, 'push-hmac-1');
    const [first, second] = await receiver.waitFor(2);
    const a = await verifyWebhook({ headers: first!.headers, body: first!.body }, endpoint.secret);
    assert.equal((a.payload as { event_type: string }).event_type, 'REQUEST_CREATED');
    const request = new Request('http://localhost/hook', {
      method: 'POST',
      headers: second!.headers as Record<string, string>,
      body: second!.body,
    });
    const b = await verifyWebhook(request, endpoint.secret);
    assert.equal((b.payload as { event_type: string }).event_type, 'VIDEOID_UPDATED');
    await rejects(
      verifyWebhook({ headers: first!.headers, body: second!.body }, endpoint.secret),
      'webhook_signature_mismatch',
    );
  });

  test('an Ed25519 endpoint verifies with its publicKey', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const endpoint = await server.call<{ secret: string; publicKey: string }>('POST', '/v1/endpoints', {
      url: receiver.url,
      auth: { type: 'standard-webhooks', algorithm: 'ed25519' },
      format: 'vendor',
      workflows: ['idv-transaction'],
    });
    await server.call('POST', '/v1/subjects', { workflow: 'idv-transaction', id: 'tx-ed-1' });
    const [push] = await receiver.waitFor(1);
    assert.match(String(push!.headers['webhook-signature']), /^v1a,/);
    const verified = await verifyWebhook({ headers: push!.headers, body: push!.body }, endpoint.publicKey);
    assert.equal((verified.payload as { transaction_id: string }).transaction_id, 'tx-ed-1');
  });

  test('a header-auth endpoint (seed 004): the header and the signature both verify', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const endpoint = await server.call<{ secret: string }>('POST', '/v1/endpoints', {
      url: receiver.url,
      auth: { type: 'header', name: 'X-Api-Key', value: 'thales-shared-secret' },
      workflows: ['image-check'],
    });
    await server.call('POST', '/v1/subjects', {
      workflow: 'image-check',
      id: 'IMG-1',
      attributes: { ImageType: 'Gallery' },
    });
    const [push] = await receiver.waitFor(1);
    await verifyWebhook({ headers: push!.headers, body: push!.body }, [
      { type: 'header', name: 'X-Api-Key', value: 'thales-shared-secret' },
      endpoint.secret,
    ]);
  });
});
