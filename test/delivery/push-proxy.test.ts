import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseAllowedRanges } from '../../src/delivery/ip-classification.js';
import { PushClient } from '../../src/delivery/push-client.js';
import { deliveriesOf, succeeded, unique } from './broker-kit.js';
import { type Harness, harness } from './delivery-kit.js';
import { type Receiver, startReceiver } from './receiver.js';

/** An HTTP CONNECT proxy on loopback that records every tunnel it opened. */
async function startConnectProxy() {
  const tunnels: string[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    tunnels.push(String(req.url));
    const [host, port] = String(req.url).split(':');
    const upstream = connect({ host: String(host), port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('egress through an HTTP CONNECT proxy', () => {
  let h: Harness;
  let shared: Awaited<ReturnType<typeof startConnectProxy>>;
  let own: Awaited<ReturnType<typeof startConnectProxy>>;
  let receiver: Receiver;
  before(async () => {
    shared = await startConnectProxy();
    own = await startConnectProxy();
    receiver = await startReceiver();
    h = await harness({ TIDINGS_PUSH_PROXY: shared.url });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
    await shared?.close();
    await own?.close();
  });

  test('TIDINGS_PUSH_PROXY: the push is tunnelled to the endpoint through the proxy', async () => {
    const ep = await h.createEndpoint({ url: receiver.url });
    await h.openTicket(unique('p'));
    await succeeded(h, ep.id);
    assert.deepEqual(shared.tunnels, [`127.0.0.1:${receiver.port}`]);
    assert.equal(receiver.received.length, 1);
  });

  test("an endpoint's own proxy overrides the default one", async () => {
    const before = shared.tunnels.length;
    const ep = await h.createEndpoint({ url: receiver.url, proxy: own.url });
    assert.equal(ep.proxy, own.url);
    await h.openTicket(unique('p'));
    await succeeded(h, ep.id);
    assert.deepEqual(own.tunnels, [`127.0.0.1:${receiver.port}`]);
    assert.ok(shared.tunnels.length <= before + 1, 'only the first endpoint used the shared proxy');
  });

  test("an OAuth 2.0 endpoint's token request leaves through the same proxy as its pushes", async () => {
    const tokenServer = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: 'tok-proxied', expires_in: 3600 })),
      );
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    const tokenPort = (tokenServer.address() as AddressInfo).port;
    const via = await startConnectProxy();
    try {
      const ep = await h.createEndpoint({
        url: receiver.url,
        proxy: via.url,
        auth: { type: 'oauth2', tokenUrl: `http://127.0.0.1:${tokenPort}/token`, clientId: 'c', clientSecret: 's' },
      });
      await h.openTicket(unique('p'));
      await succeeded(h, ep.id);
      assert.deepEqual(via.tunnels.sort(), [`127.0.0.1:${receiver.port}`, `127.0.0.1:${tokenPort}`].sort());
      assert.ok(receiver.received.some((r) => r.headers.authorization === 'Bearer tok-proxied'));
      await h.inject({ method: 'DELETE', url: `/v1/endpoints/${ep.id}`, headers: h.auth });
    } finally {
      await via.close();
      await new Promise((r) => tokenServer.close(r));
    }
  });

  test('a proxy that is down is a connection error, retried', async () => {
    const dead = await startConnectProxy();
    await dead.close();
    const ep = await h.createEndpoint({ url: receiver.url, proxy: dead.url });
    await h.openTicket(unique('p'));
    const res = async () =>
      (await h.inject({ method: 'GET', url: `/v1/endpoints/${ep.id}/attempts`, headers: h.auth })).json() as {
        attempts: Array<{ errorClass: string | null }>;
      };
    for (let i = 0; i < 200 && (await res()).attempts.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal((await res()).attempts[0]?.errorClass, 'connection');
    assert.equal((await deliveriesOf(h, ep.id))[0]?.status, 'pending');
    await h.inject({ method: 'DELETE', url: `/v1/endpoints/${ep.id}`, headers: h.auth });
  });

  test('a proxy for a broker endpoint, or not an http(s) URL, is 400 validation', async () => {
    for (const payload of [
      { url: receiver.url, proxy: 'socks5://127.0.0.1:1080' },
      { type: 'mqtt', url: 'mqtt://127.0.0.1:1883', destination: { topic: 't' }, proxy: shared.url },
    ]) {
      const res = await h.inject({ method: 'POST', url: '/v1/endpoints', headers: h.auth, payload });
      assert.equal(res.statusCode, 400, res.body);
      assert.ok(res.body.includes('proxy'), res.body);
    }
  });

  test('the SSRF guard judges the endpoint address before the CONNECT: a private one never reaches the proxy', async () => {
    const guarded = await startConnectProxy();
    const client = new PushClient({
      allowInsecure: false,
      connectTimeoutMs: 1000,
      totalTimeoutMs: 2000,
      connectionsPerEndpoint: 1,
      proxy: guarded.url,
      resolveAll: async (host) => [{ address: host === 'internal.example' ? '10.1.2.3' : '93.184.215.14', family: 4 }],
    });
    try {
      const endpoint = {
        id: 'ep_x',
        updatedAt: 1,
        tls: null,
        auth: { type: 'standard-webhooks' },
        proxy: null,
      } as never;
      const push = { url: new URL('https://internal.example/hook'), body: '{}', headers: {} };
      const result = await client.send(push, endpoint);
      assert.equal(result.kind, 'error');
      assert.match(result.kind === 'error' ? result.message : '', /non-public address/);
      assert.deepEqual(guarded.tunnels, [], 'no CONNECT was sent');
    } finally {
      await client.close();
      await guarded.close();
    }
  });

  test("through a proxy, an endpoint in the operator's allowed ranges is let through to the CONNECT", async () => {
    const guarded = await startConnectProxy();
    const client = new PushClient({
      allowInsecure: false,
      connectTimeoutMs: 1000,
      totalTimeoutMs: 2000,
      connectionsPerEndpoint: 1,
      proxy: guarded.url,
      allowedRanges: parseAllowedRanges(['10.0.0.0/8']),
      resolveAll: async () => [{ address: '10.1.2.3', family: 4 }],
    });
    try {
      const endpoint = {
        id: 'ep_y',
        updatedAt: 1,
        tls: null,
        auth: { type: 'standard-webhooks' },
        proxy: null,
      } as never;
      const result = await client.send(
        { url: new URL('https://internal.example/hook'), body: '{}', headers: {} },
        endpoint,
      );
      // the proxy cannot resolve internal.example itself, so the try fails, but after the CONNECT
      assert.equal(result.kind, 'error');
      assert.doesNotMatch(result.kind === 'error' ? result.message : '', /non-public/);
      assert.ok(guarded.tunnels.length > 0, 'the CONNECT was sent');
      assert.ok(guarded.tunnels.every((t) => t === 'internal.example:443'));
    } finally {
      await client.close();
      await guarded.close();
    }
  });
});
