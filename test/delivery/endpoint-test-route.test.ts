import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyWebhook } from '@tidings/sdk';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { startReceiver } from './receiver.js';

/** `POST /v1/endpoints/{id}/test`: a signed test push to real loopback receivers, recorded nowhere. */
describe('sending a test event to an endpoint', () => {
  let t: TestApp;
  let auth: Record<string, string>;
  const ok = startReceiver();
  const down = startReceiver((_req, res) => res.writeHead(503).end('maintenance until noon'));
  before(async () => {
    t = await startTestApp({ TIDINGS_PUSH_TIMEOUT: '5s' });
    auth = (await t.tenant()).auth;
  });
  after(async () => {
    await t.close();
    await (await ok).close();
    await (await down).close();
  });
  const inject = (method: 'GET' | 'POST', url: string, headers = auth, payload?: object) =>
    t.runtime.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const endpoint = async (url: string, extra: object = {}) => {
    const res = await inject('POST', '/v1/endpoints', auth, { url, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; secret: string };
  };

  test('the receiver gets a signed test body with the endpoint headers, and the answer comes back', async () => {
    const receiver = await ok;
    const e = await endpoint(receiver.url, { headers: { 'X-Tenant-Ref': 'acme' } });
    const res = await inject('POST', `/v1/endpoints/${e.id}/test`);
    assert.equal(res.statusCode, 200, res.body);
    const answer = res.json();
    assert.equal(answer.ok, true);
    assert.equal(answer.status, 204);
    assert.equal(answer.errorClass, null);
    assert.match(answer.webhookId, /^msg_test_[0-9a-f-]{36}$/);
    const [push] = await receiver.waitFor(1);
    assert.ok(push);
    assert.equal(push.headers['webhook-id'], answer.webhookId);
    assert.equal(push.headers['x-tenant-ref'], 'acme');
    const verified = await verifyWebhook({ headers: push.headers, body: push.body }, e.secret);
    assert.ok(verified);
    const body = JSON.parse(push.body);
    assert.equal(body.type, 'tidings.endpoint.test');
    assert.equal(body.endpointId, e.id);
  });

  test('a failing receiver: ok false, with its status and body excerpt; nothing recorded, health unchanged', async () => {
    const e = await endpoint((await down).url);
    const answer = (await inject('POST', `/v1/endpoints/${e.id}/test`)).json();
    assert.equal(answer.ok, false);
    assert.equal(answer.status, 503);
    assert.equal(answer.excerpt, 'maintenance until noon');
    const deliveries = (await inject('GET', `/v1/endpoints/${e.id}/deliveries`)).json();
    assert.deepEqual(deliveries.deliveries, []);
    const attempts = (await inject('GET', `/v1/endpoints/${e.id}/attempts`)).json();
    assert.deepEqual(attempts.attempts, []);
    const after = (await inject('GET', `/v1/endpoints/${e.id}`)).json();
    assert.equal(after.failingSince, null);
    assert.equal(after.enabled, true);
  });

  test('nobody listening: ok false with the connection error class', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    const e = await endpoint(url);
    const answer = (await inject('POST', `/v1/endpoints/${e.id}/test`)).json();
    assert.equal(answer.ok, false);
    assert.equal(answer.status, null);
    assert.equal(answer.errorClass, 'connection');
  });

  test("another tenant's endpoint is 404, a read key is 403, an unknown one 404", async () => {
    const e = await endpoint((await ok).url);
    const before = (await ok).received.length;
    const other = await t.tenant('Other');
    assert.equal((await inject('POST', `/v1/endpoints/${e.id}/test`, other.auth)).statusCode, 404);
    const readKey = (await inject('POST', '/v1/api-keys', auth, { name: 'ro', scopes: ['read'] })).json().apiKey;
    const refused = await inject('POST', `/v1/endpoints/${e.id}/test`, { authorization: `Bearer ${readKey}` });
    assert.equal(refused.statusCode, 403);
    assert.equal((await inject('POST', '/v1/endpoints/ep_nope/test')).statusCode, 404);
    assert.equal((await ok).received.length, before);
  });
});
