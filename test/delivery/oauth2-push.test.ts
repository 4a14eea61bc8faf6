import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { jwtVerify } from 'jose';
import { attemptsOf, deliveriesOf, succeeded, unique } from './broker-kit.js';
import { eventually, type Harness, harness } from './delivery-kit.js';
import { type Receiver, startReceiver } from './receiver.js';

/** A loopback OAuth 2.0 token endpoint (client credentials) that records each request and issues `tok-N`. */
async function startTokenServer(
  check: (form: URLSearchParams, authorization: string | undefined) => Promise<string | null>,
) {
  const requests: Array<{ form: URLSearchParams; authorization: string | undefined }> = [];
  const issued: string[] = [];
  let expiresIn = 3600;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', async () => {
      const form = new URLSearchParams(body);
      requests.push({ form, authorization: req.headers.authorization });
      const refused = await check(form, req.headers.authorization);
      if (refused) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: refused }));
        return;
      }
      const token = `tok-${issued.length + 1}`;
      issued.push(token);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: expiresIn }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    requests,
    issued,
    setExpiresIn: (s: number) => {
      expiresIn = s;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('OAuth 2.0 client credentials to HTTP endpoints', () => {
  let h: Harness;
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    h = await harness();
  });
  after(async () => {
    for (const close of closers) await close();
    await h?.close();
  });

  /** A receiver that takes only the bearer tokens in `valid`. */
  async function bearerReceiver(valid: Set<string>): Promise<Receiver> {
    const r = await startReceiver((req, res) => {
      const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.writeHead(valid.has(bearer) ? 204 : 401).end();
    });
    closers.push(() => r.close());
    return r;
  }

  test('client_secret_basic: the token is fetched once, cached across pushes, and sent as the bearer', async () => {
    const ts = await startTokenServer(async (form, authorization) => {
      const expected = `Basic ${Buffer.from('client-1:s3cret%2F').toString('base64')}`;
      return authorization === expected && form.get('grant_type') === 'client_credentials' ? null : 'invalid_client';
    });
    closers.push(ts.close);
    const valid = new Set(['tok-1']);
    const r = await bearerReceiver(valid);
    const ep = await h.createEndpoint({
      url: r.url,
      auth: {
        type: 'oauth2',
        tokenUrl: ts.url,
        clientId: 'client-1',
        clientSecret: 's3cret/',
        scope: 'events',
        audience: 'https://rp.example',
      },
    });
    assert.equal(JSON.stringify(ep).includes('s3cret'), false, 'the client secret is never shown');
    const id = unique('o');
    await h.openTicket(id);
    await h.note(id, 1);
    await h.note(id, 2);
    await succeeded(h, ep.id, 3);
    assert.equal(ts.requests.length, 1, 'one token for three pushes');
    assert.equal(ts.requests[0]?.form.get('scope'), 'events');
    assert.equal(ts.requests[0]?.form.get('audience'), 'https://rp.example');
    assert.ok(r.received.every((p) => p.headers.authorization === 'Bearer tok-1'));
  });

  test('a 401 with a cached token fetches a new one and sends once more; a token near expiry is renewed', async () => {
    const ts = await startTokenServer(async () => null);
    closers.push(ts.close);
    const valid = new Set(['tok-1']);
    const r = await bearerReceiver(valid);
    const ep = await h.createEndpoint({
      url: r.url,
      auth: { type: 'oauth2', tokenUrl: ts.url, clientId: 'c', clientSecret: 's' },
    });
    await h.openTicket(unique('o'));
    await succeeded(h, ep.id);
    // the receiver rolls its keys: tok-1 is refused from now on
    valid.clear();
    valid.add('tok-2');
    await h.openTicket(unique('o'));
    await succeeded(h, ep.id, 2);
    assert.equal(ts.requests.length, 2);
    assert.deepEqual(
      r.received.map((p) => p.headers.authorization),
      ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2'],
    );
    const attempts = await attemptsOf(h, ep.id);
    assert.equal(attempts.length, 2, 'the refresh is inside one attempt');
    // a token that expires within the margin is renewed before the next push
    ts.setExpiresIn(10);
    valid.add('tok-3');
    valid.add('tok-4');
    await h.inject({ method: 'PATCH', url: `/v1/endpoints/${ep.id}`, headers: h.auth, payload: { description: 'v2' } });
    await h.openTicket(unique('o'));
    await succeeded(h, ep.id, 3);
    await h.openTicket(unique('o'));
    await succeeded(h, ep.id, 4);
    assert.equal(ts.requests.length, 4, 'a 10 s token is within the 30 s margin: fetched again');
  });

  test('private_key_jwt (RFC 7523): a signed client assertion the token server verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let tokenUrl = '';
    const ts = await startTokenServer(async (form) => {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
        return 'invalid_request';
      try {
        const { payload, protectedHeader } = await jwtVerify(String(form.get('client_assertion')), publicKey, {
          issuer: 'jwt-client',
          subject: 'jwt-client',
          audience: tokenUrl,
        });
        return protectedHeader.alg === 'ES256' && protectedHeader.kid === 'k1' && payload.jti ? null : 'invalid_client';
      } catch {
        return 'invalid_client';
      }
    });
    tokenUrl = ts.url;
    closers.push(ts.close);
    const r = await bearerReceiver(new Set(['tok-1']));
    const ep = await h.createEndpoint({
      url: r.url,
      auth: {
        type: 'oauth2',
        tokenUrl: ts.url,
        clientId: 'jwt-client',
        clientAuth: 'private_key_jwt',
        keyId: 'k1',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    await h.openTicket(unique('j'));
    await succeeded(h, ep.id);
    assert.equal(ts.issued.length, 1);
  });

  test('a token endpoint that refuses or is down is an attempt of class token, retried', async () => {
    const ts = await startTokenServer(async () => 'invalid_client');
    closers.push(ts.close);
    const r = await bearerReceiver(new Set());
    const refused = await h.createEndpoint({
      url: r.url,
      auth: { type: 'oauth2', tokenUrl: ts.url, clientId: 'c', clientSecret: 'wrong' },
    });
    const down = await h.createEndpoint({
      url: r.url,
      auth: { type: 'oauth2', tokenUrl: 'http://127.0.0.1:1/token', clientId: 'c', clientSecret: 's' },
    });
    await h.openTicket(unique('t'));
    for (const ep of [refused, down]) {
      await eventually(async () => (await attemptsOf(h, ep.id)).length >= 1);
      const [attempt] = await attemptsOf(h, ep.id);
      assert.equal(attempt?.errorClass, 'token', JSON.stringify(attempt));
      assert.equal((await deliveriesOf(h, ep.id))[0]?.status, 'pending');
    }
    assert.match(String((await attemptsOf(h, refused.id))[0]?.errorMessage), /401 \(invalid_client\)/);
    assert.match(String((await attemptsOf(h, down.id))[0]?.errorMessage), /ECONNREFUSED/);
    assert.equal(r.received.length, 0, 'no push leaves without a token');
  });

  test('bad OAuth 2.0 settings are 400 validation', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'oauth2', tokenUrl: 'http://127.0.0.1:9/t', clientId: 'c' }, 'auth.clientSecret'],
      [
        { type: 'oauth2', tokenUrl: 'http://127.0.0.1:9/t', clientId: 'c', clientAuth: 'private_key_jwt' },
        'auth.privateKey',
      ],
      [
        {
          type: 'oauth2',
          tokenUrl: 'http://127.0.0.1:9/t',
          clientId: 'c',
          clientAuth: 'private_key_jwt',
          privateKey: 'nope',
        },
        'auth.privateKey',
      ],
      [{ type: 'oauth2', tokenUrl: 'ftp://x/t', clientId: 'c', clientSecret: 's' }, 'auth.tokenUrl'],
    ];
    for (const [auth, field] of cases) {
      const res = await h.inject({
        method: 'POST',
        url: '/v1/endpoints',
        headers: h.auth,
        payload: { url: 'http://127.0.0.1:9/x', auth },
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.ok(res.body.includes(field), res.body);
    }
    const onBroker = await h.inject({
      method: 'POST',
      url: '/v1/endpoints',
      headers: h.auth,
      payload: {
        type: 'mqtt',
        url: 'mqtt://127.0.0.1:1883',
        destination: { topic: 't' },
        auth: { type: 'oauth2', tokenUrl: 'http://127.0.0.1:9/t', clientId: 'c', clientSecret: 's' },
      },
    });
    assert.equal(onBroker.statusCode, 400, onBroker.body);
  });
});
