import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { eventually, FAST_DISPATCH, type Harness, harness, registry } from './delivery-kit.js';
import { startReceiver } from './receiver.js';

type ErrorBody = {
  code: string;
  message: string;
  target: string;
  errors: Array<{ code: string; target: string; message: string }>;
};

describe('endpoints API', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    h.inject({ method, url, headers: h.auth, ...(payload === undefined ? {} : { payload: payload as object }) });

  test('create, get, list, update, delete; the secret is shown only at creation', async () => {
    const created = await call('POST', '/v1/endpoints', {
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['ticket-opened'],
      ordering: 'subject',
      rateLimit: 10,
      auth: { type: 'header', name: 'X-Key', value: 'hunter2' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json() as Record<string, unknown> & { id: string; secret: string };
    assert.match(body.id, /^ep_/);
    assert.match(body.secret, /^whsec_/);
    assert.equal(body.format, 'native');
    assert.equal(body.enabled, true);

    const got = await call('GET', `/v1/endpoints/${body.id}`);
    assert.equal(got.statusCode, 200);
    assert.equal((got.json() as { secret?: string }).secret, undefined);
    assert.ok(!got.body.includes('hunter2'));
    assert.deepEqual((got.json() as { auth: unknown }).auth, { type: 'header', name: 'X-Key' });

    const patched = await call('PATCH', `/v1/endpoints/${body.id}`, { enabled: false, eventTypes: null });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal((patched.json() as { enabled: boolean }).enabled, false);
    assert.equal((patched.json() as { eventTypes: unknown }).eventTypes, null);
    assert.equal((patched.json() as { secret?: string }).secret, undefined);

    const list = await call('GET', '/v1/endpoints?limit=10');
    assert.ok((list.json() as { endpoints: Array<{ id: string }> }).endpoints.some((e) => e.id === body.id));

    assert.equal((await call('DELETE', `/v1/endpoints/${body.id}`)).statusCode, 204);
    assert.equal((await call('GET', `/v1/endpoints/${body.id}`)).statusCode, 404);
  });

  test('another tenant sees 404 for an endpoint it does not own', async () => {
    const created = await call('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/x' });
    const other = await h.app.tenant('Other Org');
    const res = await h.inject({
      method: 'GET',
      url: `/v1/endpoints/${(created.json() as { id: string }).id}`,
      headers: other.auth,
    });
    assert.equal(res.statusCode, 404);
    assert.equal((res.json() as ErrorBody).code, 'not_found');
  });

  const BAD: Array<[string, unknown, string]> = [
    ['missing url', {}, 'url'],
    ['url not a URL', { url: 'not a url' }, 'url'],
    ['unknown format', { url: 'http://127.0.0.1:9/', format: 'xml' }, 'format'],
    ['unknown workflow', { url: 'http://127.0.0.1:9/', workflows: ['nope'] }, 'workflows'],
    ['unknown ordering', { url: 'http://127.0.0.1:9/', ordering: 'fifo' }, 'ordering'],
    ['negative rate limit', { url: 'http://127.0.0.1:9/', rateLimit: -1 }, 'rateLimit'],
    ['reserved static header', { url: 'http://127.0.0.1:9/', headers: { 'Webhook-Signature': 'x' } }, 'headers'],
    ['unknown auth type', { url: 'http://127.0.0.1:9/', auth: { type: 'basic' } }, 'auth'],
    [
      'mtls with a non-PEM cert',
      { url: 'http://127.0.0.1:9/', auth: { type: 'mtls', cert: 'x', key: 'y' } },
      'auth.cert',
    ],
    ['unknown field', { url: 'http://127.0.0.1:9/', colour: 'red' }, 'colour'],
  ];
  for (const [name, payload, field] of BAD) {
    test(`bad input: ${name} → 400 validation`, async () => {
      const res = await call('POST', '/v1/endpoints', payload);
      assert.equal(res.statusCode, 400, res.body);
      const error = res.json() as ErrorBody;
      assert.equal(error.code, 'validation');
      assert.ok(Array.isArray(error.errors) && error.errors.length > 0, res.body);
      assert.ok(
        error.errors.some((e) => e.target.includes(field) || e.message.includes(field)),
        `${field} not named in ${res.body}`,
      );
    });
  }

  test('replay and attempts of an unknown endpoint are 404; a malformed cursor is 400', async () => {
    assert.equal(
      (await call('POST', '/v1/endpoints/ep_nope/replay', { since: '2020-01-01T00:00:00Z' })).statusCode,
      404,
    );
    assert.equal((await call('GET', '/v1/endpoints/ep_nope/attempts')).statusCode, 404);
    const created = await call('POST', '/v1/endpoints', { url: 'http://127.0.0.1:9/x' });
    const id = (created.json() as { id: string }).id;
    assert.equal((await call('GET', `/v1/endpoints/${id}/attempts?cursor=***`)).statusCode, 400);
    assert.equal((await call('POST', '/v1/deliveries/dlv_nope/retry')).statusCode, 404);
  });

  test('format set posts a signed SET as application/secevent+jwt and 202 is success', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(202).end());
    try {
      const created = await call('POST', '/v1/endpoints', { url: receiver.url, format: 'set', workflows: ['ticket'] });
      assert.equal(created.statusCode, 201, created.body);
      const id = (created.json() as { id: string }).id;
      await h.openTicket('set-1');
      const [push] = await receiver.waitFor(1);
      assert.equal(push?.headers['content-type'], 'application/secevent+jwt');
      assert.equal(push?.body.split('.').length, 3);
      await eventually(async () => {
        const res = await call('GET', `/v1/endpoints/${id}/deliveries`);
        return (res.json() as { deliveries: Array<{ status: string }> }).deliveries[0]?.status === 'succeeded';
      });
    } finally {
      await receiver.close();
    }
  });
});

describe('a SET recipient refusing a SET (RFC 8935)', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  test("its 400 error body's code becomes the attempt's error message and the delivery's last error", async () => {
    const receiver = await startReceiver((_req, res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"err":"invalid_key","description":"Key ID 12345 has been revoked."}'),
    );
    try {
      const created = await h.inject({
        method: 'POST',
        url: '/v1/endpoints',
        headers: h.auth,
        payload: { url: receiver.url, format: 'set', workflows: ['ticket'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const id = (created.json() as { id: string }).id;
      await h.openTicket('set-refused');
      await receiver.waitFor(1);
      const attempts = async () =>
        (await h.inject({ method: 'GET', url: `/v1/endpoints/${id}/attempts`, headers: h.auth })).json() as {
          attempts: Array<{ httpStatus: number; errorClass: string; errorMessage: string | null }>;
        };
      await eventually(async () => (await attempts()).attempts.length > 0);
      const [attempt] = (await attempts()).attempts;
      assert.equal(attempt?.httpStatus, 400);
      assert.equal(attempt?.errorClass, 'http');
      assert.equal(attempt?.errorMessage, 'invalid_key: Key ID 12345 has been revoked.');
      const deliveries = await h.inject({ method: 'GET', url: `/v1/endpoints/${id}/deliveries`, headers: h.auth });
      const [delivery] = (deliveries.json() as { deliveries: Array<{ lastError: string }> }).deliveries;
      assert.equal(delivery?.lastError, 'HTTP 400 (invalid_key: Key ID 12345 has been revoked.)');
    } finally {
      await receiver.close();
    }
  });

  test('a 400 to a JSON endpoint keeps its excerpt only', async () => {
    const receiver = await startReceiver((_req, res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"err":"invalid_key"}'),
    );
    try {
      const created = await h.inject({
        method: 'POST',
        url: '/v1/endpoints',
        headers: h.auth,
        payload: { url: receiver.url, workflows: ['ticket'] },
      });
      const id = (created.json() as { id: string }).id;
      await h.openTicket('json-refused');
      await receiver.waitFor(1);
      const attempts = async () =>
        (await h.inject({ method: 'GET', url: `/v1/endpoints/${id}/attempts`, headers: h.auth })).json() as {
          attempts: Array<{ errorMessage: string | null; responseExcerpt: string }>;
        };
      await eventually(async () => (await attempts()).attempts.length > 0);
      const [attempt] = (await attempts()).attempts;
      assert.equal(attempt?.errorMessage, null);
      assert.equal(attempt?.responseExcerpt, '{"err":"invalid_key"}');
    } finally {
      await receiver.close();
    }
  });
});

describe('SSRF guard with insecure endpoints off', () => {
  let app: TestApp;
  let auth: { authorization: string };
  before(async () => {
    app = await startTestApp({ TIDINGS_ALLOW_INSECURE_ENDPOINTS: '0' }, { registry, delivery: FAST_DISPATCH });
    auth = (await app.tenant()).auth;
  });
  after(() => app.close());

  const REFUSED = [
    'http://93.184.216.34/hook',
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://10.0.0.8/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.1.1/',
    'https://[::1]/hook',
    'https://[fd00::1]/hook',
    'https://[::ffff:192.168.0.1]/hook',
  ];
  for (const url of REFUSED) {
    test(`refuses ${url} with 400 validation on url`, async () => {
      const res = await app.runtime.app.inject({
        method: 'POST',
        url: '/v1/endpoints',
        headers: auth,
        payload: { url },
      });
      assert.equal(res.statusCode, 400, res.body);
      const error = res.json() as ErrorBody;
      assert.equal(error.code, 'validation');
      assert.equal(error.errors[0]?.target, 'url');
    });
  }

  test('a PATCH to a private address is refused too', async () => {
    const created = await app.runtime.app.inject({
      method: 'POST',
      url: '/v1/endpoints',
      headers: auth,
      payload: { url: 'https://93.184.216.34/hook' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = (created.json() as { id: string }).id;
    const res = await app.runtime.app.inject({
      method: 'PATCH',
      url: `/v1/endpoints/${id}`,
      headers: auth,
      payload: { url: 'https://192.168.1.1/' },
    });
    assert.equal(res.statusCode, 400);
  });
});

describe('endpoint secrets at rest', () => {
  test('with TIDINGS_KEY_ENCRYPTION_KEY the stored row holds no secret in clear, and pushes still verify', async () => {
    const h = await harness({ TIDINGS_KEY_ENCRYPTION_KEY: 'ab'.repeat(32) });
    const receiver = await startReceiver();
    try {
      const endpoint = await h.createEndpoint({
        url: receiver.url,
        auth: { type: 'header', name: 'X-Api-Key', value: 'header-secret-42' },
      });
      const db = (h.app.runtime.store as SqliteStore).db;
      const row = db.prepare('SELECT spec, secret FROM endpoints WHERE id = ?').get(endpoint.id) as {
        spec: string;
        secret: string;
      };
      assert.ok(!row.secret.includes(endpoint.secret.slice(6)) && row.secret.startsWith('jwe:'));
      assert.ok(!row.spec.includes('header-secret-42'));
      await h.openTicket('sealed-1');
      const [push] = await receiver.waitFor(1);
      assert.equal(push?.headers['x-api-key'], 'header-secret-42');
      assert.ok(
        new Webhook(endpoint.secret).verify(push?.body ?? '', {
          'webhook-id': String(push?.headers['webhook-id']),
          'webhook-timestamp': String(push?.headers['webhook-timestamp']),
          'webhook-signature': String(push?.headers['webhook-signature']),
        }),
      );
      const revealed = await h.inject({
        method: 'POST',
        url: `/v1/endpoints/${endpoint.id}/reveal-secret`,
        headers: h.auth,
        payload: {},
      });
      assert.equal((revealed.json() as { secret: string }).secret, endpoint.secret);
    } finally {
      await receiver.close();
      await h.close();
    }
  });
});
