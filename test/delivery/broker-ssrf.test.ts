import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { EndpointRecord, EndpointType } from '../../src/delivery/endpoint.js';
import { parseAllowedRanges } from '../../src/delivery/ip-classification.js';
import type { BrokerSenderOptions } from '../../src/delivery/senders/broker-sender.js';
import { brokerSenders } from '../../src/delivery/senders/sender-by-type.js';

/**
 * Issue 18: the SSRF guard judges a broker's address when the connection is
 * opened, not only when the endpoint was created (its name may resolve
 * elsewhere by now: DNS rebinding), honouring the operator's allowed ranges.
 * A loopback listener stands where the name now points and records every
 * connection and its first bytes (a TLS ClientHello carries the SNI name).
 */

type BrokerType = Exclude<EndpointType, 'http'>;

const TLS_URL: Record<BrokerType, (port: number) => string> = {
  amqp: (p) => `amqps://broker.example:${p}/`,
  nats: (p) => `tls://broker.example:${p}`,
  'redis-stream': (p) => `rediss://broker.example:${p}`,
  mqtt: (p) => `mqtts://broker.example:${p}`,
};
const DESTINATION = {
  amqp: { exchange: 'x', routingKey: 'k' },
  nats: { subject: 's' },
  'redis-stream': { stream: 's', maxLen: 10 },
  mqtt: { topic: 't' },
};

function endpointFor(type: BrokerType, url: string): EndpointRecord {
  return {
    id: `ep_${type}`,
    type,
    url,
    destination: DESTINATION[type],
    auth: { type: 'standard-webhooks' },
    tls: null,
    proxy: null,
    updatedAt: Date.now(),
  } as unknown as EndpointRecord;
}

const push = { url: new URL('https://unused.example/'), body: '{}', headers: { 'webhook-id': 'msg_1' } };

describe('broker SSRF guard at connect time', () => {
  let listener: Server;
  let port = 0;
  const connections: Array<{ first: Buffer }> = [];
  const sockets = new Set<Socket>();
  before(async () => {
    listener = createServer((socket) => {
      const entry = { first: Buffer.alloc(0) };
      connections.push(entry);
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => {
        entry.first = Buffer.concat([entry.first, chunk]);
        socket.destroy(); // not a broker: whatever the client says ends the connection
      });
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as { port: number }).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => listener.close(r));
  });

  /** A name that resolved publicly when the endpoint was created and to loopback now. */
  const rebound: BrokerSenderOptions['resolveAll'] = async () => [{ address: '127.0.0.1', family: 4 }];
  const options = { connectTimeoutMs: 2_000, totalTimeoutMs: 4_000, allowInsecure: false, resolveAll: rebound };

  for (const type of Object.keys(TLS_URL) as BrokerType[]) {
    test(`${type}: a name now resolving to loopback is refused before connecting; an allowed range connects`, async () => {
      const refusing = brokerSenders(options)[type];
      const before = connections.length;
      try {
        for (const url of [TLS_URL[type](port), TLS_URL[type](port).replace('broker.example', '127.0.0.1')]) {
          const result = await refusing.send(push, endpointFor(type, url));
          assert.equal(result.kind, 'error', url);
          assert.equal(result.kind === 'error' && result.errorClass, 'broker');
          assert.match(result.kind === 'error' ? result.message : '', /non-public address \(loopback/, url);
        }
        assert.equal(connections.length, before, 'no connection was opened');
      } finally {
        await refusing.close();
      }

      const allowing = brokerSenders({ ...options, allowedRanges: parseAllowedRanges(['127.0.0.0/8']) })[type];
      try {
        const result = await allowing.send(push, endpointFor(type, TLS_URL[type](port)));
        // the listener is no broker, so the try fails, but past the guard: at the judged address
        assert.equal(result.kind, 'error');
        assert.doesNotMatch(result.kind === 'error' ? result.message : '', /non-public/);
        assert.ok(connections.length > before, 'the client connected to the address in the allowed range');
        const hello = connections[connections.length - 1]?.first ?? Buffer.alloc(0);
        if (type !== 'nats') {
          // NATS waits for the server's INFO before TLS; the others open with a ClientHello naming the URL's host
          assert.equal(hello[0], 0x16, 'a TLS handshake');
          assert.ok(hello.includes('broker.example'), 'SNI is the URL host name, though the socket went to the IP');
        }
      } finally {
        await allowing.close();
      }
    });
  }
});
