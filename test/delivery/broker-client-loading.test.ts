import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type { EndpointRecord } from '../../src/delivery/endpoint.js';
import type { BrokerClient } from '../../src/delivery/senders/broker-sender.js';
import { loadedOnFirstUse } from '../../src/delivery/senders/loaded-on-first-use.js';
import { brokerSenders } from '../../src/delivery/senders/sender-by-type.js';
import { BROKERS, brokersSkip } from '../helpers/brokers.js';

/**
 * Issue 17: a process whose endpoints are all HTTPS does not load the broker
 * clients (nats, ioredis, amqplib, mqtt); each is imported on its broker's
 * first push. The test runner gives every file its own process, and this file
 * imports no broker client itself, so the CommonJS module cache shows what
 * the senders loaded.
 */
const require = createRequire(import.meta.url);
const loaded = (pkg: string) => Object.keys(require.cache).some((path) => path.includes(`/node_modules/${pkg}/`));

const options = { connectTimeoutMs: 2_000, totalTimeoutMs: 4_000, allowInsecure: true };

describe('broker clients are loaded on first use', () => {
  test('building the senders loads no broker client', async () => {
    const senders = brokerSenders(options);
    assert.equal(loaded('ioredis'), false);
    assert.equal(loaded('nats'), false);
    assert.equal(loaded('amqplib'), false);
    await Promise.all(Object.values(senders).map((s) => s.close()));
  });

  test('a redis-stream push loads ioredis, publishes, and loads no other client', async (t) => {
    const skip = await brokersSkip('redis');
    if (skip) return t.skip(skip);
    const sender = brokerSenders(options)['redis-stream'];
    const endpoint = {
      id: 'ep_lazy',
      type: 'redis-stream',
      url: BROKERS.redis.url,
      destination: { stream: `tidings-test-lazy-${process.pid}`, maxLen: 10 },
      auth: { type: 'standard-webhooks' },
      tls: null,
      proxy: null,
      updatedAt: Date.now(),
    } as unknown as EndpointRecord;
    const push = { url: new URL('https://unused.example/'), body: '{}', headers: { 'webhook-id': 'msg_lazy' } };
    try {
      const result = await sender.send(push, endpoint);
      assert.equal(result.kind, 'published', JSON.stringify(result));
      assert.match(result.kind === 'published' ? result.receipt : '', /^entry \d+-\d+$/);
      assert.equal(loaded('ioredis'), true);
      assert.equal(loaded('nats'), false);
      assert.equal(loaded('amqplib'), false);
    } finally {
      await sender.close();
      // imported only now, so the assertions above saw the sender's import alone
      const { Redis } = await import('ioredis');
      const redis = new Redis(BROKERS.redis.port, '127.0.0.1');
      await redis.del(String((endpoint.destination as { stream: string }).stream));
      redis.disconnect();
    }
  });

  test('one import for concurrent first connections; a failed import is tried again', async () => {
    let imports = 0;
    let fail = true;
    const inner: BrokerClient<string> = {
      connect: async (endpoint) => `connection to ${endpoint.id}`,
      publish: async (connection) => `published on ${connection}`,
      disconnect: async () => {},
    };
    const client = loadedOnFirstUse(async () => {
      imports++;
      if (fail) throw new Error('cannot find module');
      return inner;
    });
    const endpoint = { id: 'ep_1' } as EndpointRecord;
    const address = { host: '127.0.0.1', servername: '127.0.0.1' };
    assert.equal(imports, 0, 'nothing imported before the first connection');
    await assert.rejects(client.connect(endpoint, options, address), /cannot find module/);
    fail = false;
    const [a, b] = await Promise.all([
      client.connect(endpoint, options, address),
      client.connect(endpoint, options, address),
    ]);
    assert.equal(imports, 2, 'the failed import, then one for both connections');
    assert.equal(a, 'connection to ep_1');
    assert.equal(b, a);
    assert.equal(
      await client.publish(a, { url: new URL('https://x.example/'), body: '', headers: {} }, endpoint),
      `published on ${a}`,
    );
  });
});
