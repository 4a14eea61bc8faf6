import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { EndpointRecord } from '../../src/delivery/endpoint.js';
import { PushClient } from '../../src/delivery/push-client.js';
import { eventually, type Harness, harness } from './delivery-kit.js';
import { makeTestPki, type TestPki } from './test-pki.js';

describe('push over TLS: mTLS client certificates and pinned CAs', () => {
  let h: Harness;
  let pki: TestPki;
  let server: Server;
  let url: string;
  const seen: Array<{ authorized: boolean; cn: string }> = [];

  before(async () => {
    pki = makeTestPki();
    server = createServer(
      { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        seen.push({ authorized: socket.authorized, cn: String(socket.getPeerCertificate().subject?.CN) });
        req.resume();
        req.on('end', () => res.writeHead(200).end('ok'));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    h = await harness();
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await h.close();
  });

  const deliveriesOf = async (id: string) => {
    const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${id}/attempts`, headers: h.auth });
    return (res.json() as { attempts: Array<{ outcome: string; errorClass: string | null }> }).attempts;
  };

  test('with the client certificate and the pinned CA, the push is delivered over mutual TLS', async () => {
    const endpoint = await h.createEndpoint({
      url,
      workflows: ['ticket'],
      auth: { type: 'mtls', cert: pki.clientCert, key: pki.clientKey },
      tls: { ca: pki.ca },
    });
    await h.openTicket('tls-ok');
    await eventually(async () => (await deliveriesOf(endpoint.id))[0]?.outcome === 'succeeded');
    assert.deepEqual(seen.at(-1), { authorized: true, cn: 'client' });
    await h.inject({ method: 'DELETE', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth });
  });

  test('without the pinned CA the server certificate is refused: a tls error, retried', async () => {
    const endpoint = await h.createEndpoint({
      url,
      workflows: ['ticket'],
      auth: { type: 'mtls', cert: pki.clientCert, key: pki.clientKey },
    });
    await h.openTicket('tls-unpinned');
    await eventually(async () => (await deliveriesOf(endpoint.id)).length >= 1);
    assert.equal((await deliveriesOf(endpoint.id))[0]?.errorClass, 'tls');
    await h.inject({ method: 'DELETE', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth });
  });
});

describe('SSRF guard at connect time', () => {
  test('a name that resolves to loopback when connecting (DNS rebinding) is refused before any byte is sent', async () => {
    let hits = 0;
    const receiver = createHttpServer((_req, res) => {
      hits++;
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const client = new PushClient({
      allowInsecure: false,
      connectTimeoutMs: 1000,
      totalTimeoutMs: 1000,
      connectionsPerEndpoint: 4,
      resolveAll: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const endpoint = {
      id: 'ep_x',
      updatedAt: 1,
      auth: { type: 'standard-webhooks' },
      tls: null,
    } as unknown as EndpointRecord;
    try {
      const result = await client.send(
        { url: new URL(`http://rebind.example:${port}/hook`), body: '{}', headers: {} },
        endpoint,
      );
      assert.equal(result.kind, 'error');
      assert.equal(result.kind === 'error' && result.errorClass, 'connection');
      assert.match(result.kind === 'error' ? result.message : '', /non-public/);
      const literal = await client.send(
        { url: new URL(`http://127.0.0.1:${port}/`), body: '{}', headers: {} },
        endpoint,
      );
      assert.equal(literal.kind, 'error');
      assert.equal(hits, 0);
    } finally {
      await client.close();
      receiver.close();
    }
  });
});
