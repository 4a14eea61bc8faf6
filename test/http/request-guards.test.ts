import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { MAX_JSON_DEPTH } from '../../src/http/plugins/request-guards.js';
import { ADMIN_TOKEN, dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

/** JSON text nested `depth` deep, built as text: `JSON.stringify` itself overflows on thousands of levels. */
const deepJson = (depth: number): string => `${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;

function assertErrorBody(body: string, code: string): Record<string, unknown> {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).sort(), ['code', 'errors', 'message', 'target'], body);
  assert.equal(parsed.code, code, body);
  return parsed;
}

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`the door refuses deep nesting and NUL with 400 validation (${backend.name})`, {
    skip: backend.skip,
  }, () => {
    let t: TestApp;
    let auth: Record<string, string>;
    before(async () => {
      t = await startTestApp(backend.env);
      auth = (await t.tenant()).auth;
      const res = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'videoid-request', id: 'req-1' },
      });
      assert.equal(res.statusCode, 201, res.body);
    });
    after(() => t.close());

    const counts = async () => {
      const tenants = await t.runtime.store.listTenants();
      const subjects = await Promise.all(tenants.map((x) => t.runtime.store.listSubjects(x.id, { limit: 1000 })));
      const events = await Promise.all(tenants.map((x) => t.runtime.store.listEvents(x.id, { limit: 1000 })));
      return JSON.stringify({ tenants, subjects, events });
    };

    const refused = (name: string, req: () => InjectOptions, code = 'validation', status = 400) =>
      test(`${name} → ${status} ${code}, nothing written`, async () => {
        const before = await counts();
        const res = await t.runtime.app.inject(req());
        assert.equal(res.statusCode, status, res.body);
        assertErrorBody(res.body, code);
        assert.equal(await counts(), before);
      });

    const body = (method: 'POST' | 'PATCH', url: string, payload: unknown) => () =>
      ({
        method,
        url,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify(payload).replace('"DEEP"', deepJson(5000)),
      }) as InjectOptions;

    refused('attributes nested 5,000 deep', body('POST', '/v1/subjects', { workflow: 'fit-case', attributes: 'DEEP' }));
    refused(
      `event data nested ${MAX_JSON_DEPTH + 1} deep`,
      body('POST', '/v1/subjects/req-1/events', { type: 'REQUEST_CANCELED', data: nested(MAX_JSON_DEPTH + 1) }),
    );
    refused('PATCH attributes nested 5,000 deep', body('PATCH', '/v1/subjects/req-1', { attributes: 'DEEP' }));
    refused('an endpoint body nested 5,000 deep', body('POST', '/v1/endpoints', { url: 'DEEP' }));
    refused('a stream poll nested 5,000 deep', body('POST', '/v1/streams/x/poll', { ack: 'DEEP' }));
    refused('a NUL in a subject id', body('POST', '/v1/subjects', { workflow: 'fit-case', id: 'a\u0000b' }));
    refused(
      'a NUL in an attribute value',
      body('POST', '/v1/subjects', { workflow: 'fit-case', attributes: { x: '\u0000' } }),
    );
    refused(
      'a NUL in an attribute key',
      body('POST', '/v1/subjects', { workflow: 'fit-case', attributes: { 'x\u0000': 1 } }),
    );
    refused('a NUL in an API key name', body('POST', '/v1/api-keys', { name: 'k\u0000', scopes: ['subjects:read'] }));
    refused('a NUL in a tenant name', () => ({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { name: 'Acme\u0000' },
    }));
    for (const url of [
      '/v1/subjects/req%00x',
      '/v1/subjects/req%00x/events',
      '/v1/subjects?workflow=fit%00case',
      '/v1/events?type=A%00',
      '/v1/workflows/x%00',
      '/v1/endpoints/e%00',
      '/v1/deliveries/d%00',
      '/v1/streams/s%00',
    ]) {
      refused(`a NUL in ${url}`, () => ({ method: 'GET', url, headers: auth }));
    }
    refused('a bad percent-encoding (/v1/subjects/%00%ff/events)', () => ({
      method: 'GET',
      url: '/v1/subjects/%00%ff/events',
      headers: auth,
    }));
    refused('a bad percent-encoding without NUL (/v1/subjects/%ff/events)', () => ({
      method: 'GET',
      url: '/v1/subjects/%ff/events',
      headers: auth,
    }));

    test('a path parameter over the length limit → 414 uri_too_long, without echoing it', async () => {
      const long = 'z'.repeat(5000);
      const res = await t.runtime.app.inject({ method: 'GET', url: `/v1/subjects/${long}`, headers: auth });
      assert.equal(res.statusCode, 414);
      assertErrorBody(res.body, 'uri_too_long');
      assert.ok(!res.body.includes('zzzzzzzzzz'), 'the parameter is not echoed');
      assert.ok(res.body.length < 300, `short body (${res.body.length})`);
    });

    test(`nesting up to ${MAX_JSON_DEPTH} levels is accepted`, async () => {
      const res = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'fit-case', attributes: { deep: nested(MAX_JSON_DEPTH - 3) } },
      });
      assert.equal(res.statusCode, 201, res.body);
    });
  });
}

/** Sends raw bytes on a real socket and collects everything until the server closes it. */
function rawExchange(port: number, text: string): Promise<{ response: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      response += chunk;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ response, ms: Date.now() - started }));
    setTimeout(() => reject(new Error(`still open after 10 s; got ${JSON.stringify(response)}`)), 10_000).unref();
  });
}

describe('framework refusals on a real socket have the documented body', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await startTestApp({
      TIDINGS_REQUEST_TIMEOUT: '1500ms',
      TIDINGS_HEADERS_TIMEOUT: '1s',
      TIDINGS_KEEP_ALIVE_TIMEOUT: '600ms',
    });
    await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.runtime.app.server.address() as { port: number }).port;
  });
  after(() => t.close());

  const statusAndBody = (response: string) => {
    const [head = '', body = ''] = response.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), body };
  };

  test('headers too large → 431 headers_too_large', async () => {
    const { response } = await rawExchange(
      port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const { status, body } = statusAndBody(response);
    assert.equal(status, 431);
    assertErrorBody(body, 'headers_too_large');
  });

  test('a body that stops after 11 of 100 bytes → 408 request_timeout within the configured time', async () => {
    const { response, ms } = await rawExchange(
      port,
      `POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name": "x`,
    );
    const { status, body } = statusAndBody(response);
    assert.equal(status, 408, response);
    assertErrorBody(body, 'request_timeout');
    assert.ok(ms < 4_000, `closed after ${ms} ms`);
  });

  test('headers that never end → 408 within the headers timeout', async () => {
    const { response, ms } = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
    assert.equal(statusAndBody(response).status, 408, response);
    assert.ok(ms < 3_500, `closed after ${ms} ms`);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { response, ms } = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(statusAndBody(response).status, 200);
    assert.ok(ms < 3_000, `closed after ${ms} ms`);
  });

  test('malformed HTTP → 400 validation', async () => {
    const { response } = await rawExchange(port, 'GARBAGE\r\n\r\n');
    const { status, body } = statusAndBody(response);
    assert.equal(status, 400);
    assertErrorBody(body, 'validation');
  });
});
