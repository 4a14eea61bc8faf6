import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { connect as natsConnect, RetentionPolicy } from 'nats';
import { BROKERS, brokersSkip } from '../helpers/brokers.js';
import { attemptsOf, brokerRelay, deliveriesOf, succeeded, unique, verifies } from './broker-kit.js';
import { eventually, type Harness, harness } from './delivery-kit.js';

const skip = await brokersSkip('amqp', 'nats', 'redis', 'mqtt');

/** Every broker type end to end on SQLite: the API, the dispatcher, the real broker, the attempt history. */
describe('broker destinations', { skip }, () => {
  let h: Harness;
  let redis: Redis;
  before(async () => {
    h = await harness();
    redis = new Redis(6379, '127.0.0.1');
  });
  after(async () => {
    redis?.disconnect();
    await h?.close();
  });

  test('redis-stream: XADD with MAXLEN, signed headers as fields, entry id as the receipt', async () => {
    const stream = unique('tidings-test');
    const ep = await h.createEndpoint({
      type: 'redis-stream',
      url: BROKERS.redis.url,
      destination: { stream, maxLen: 1000 },
    });
    await h.openTicket(unique('r'));
    await succeeded(h, ep.id);
    const entries = await redis.xrange(stream, '-', '+');
    assert.equal(entries.length, 1);
    const [id, flat] = entries[0] as [string, string[]];
    const fields = Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));
    assert.match(JSON.parse(String(fields.body)).type, /ticket-opened$/);
    assert.ok(verifies(ep.secret, fields, String(fields.body)));
    const [attempt] = await attemptsOf(h, ep.id);
    assert.equal(attempt?.outcome, 'succeeded');
    assert.equal(attempt?.httpStatus, null);
    assert.equal(attempt?.responseExcerpt, `entry ${id}`);
    await redis.del(stream);
  });

  test('nats: the JetStream ack is the success; Nats-Msg-Id is the webhook id', async () => {
    const nc = await natsConnect({ servers: '127.0.0.1:4222' });
    const name = unique('TIDINGS_TEST').replaceAll('-', '_');
    const subject = `tidings.test.${name}`;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name, subjects: [subject], retention: RetentionPolicy.Limits });
    try {
      const ep = await h.createEndpoint({ type: 'nats', url: BROKERS.nats.url, destination: { subject } });
      await h.openTicket(unique('n'));
      await succeeded(h, ep.id);
      const msg = await jsm.streams.getMessage(name, { seq: 1 });
      const headers = Object.fromEntries([...(msg.header?.keys() ?? [])].map((k) => [k, msg.header?.get(k)]));
      assert.equal(headers['Nats-Msg-Id'] ?? msg.header?.get('Nats-Msg-Id'), headers['webhook-id']);
      assert.ok(verifies(ep.secret, headers, msg.string()));
      assert.match(String((await attemptsOf(h, ep.id))[0]?.responseExcerpt), new RegExp(`stream ${name} seq 1`));
    } finally {
      await jsm.streams.delete(name);
      await nc.close();
    }
  });

  test('nats: a subject no stream captures fails as broker and is retried', async () => {
    const ep = await h.createEndpoint({
      type: 'nats',
      url: BROKERS.nats.url,
      destination: { subject: `tidings.nostream.${unique('x').replaceAll('-', '_')}` },
    });
    await h.openTicket(unique('n'));
    await eventually(async () => (await attemptsOf(h, ep.id)).length >= 2);
    const attempts = await attemptsOf(h, ep.id);
    assert.ok(
      attempts.every((a) => a.outcome === 'failed' && a.errorClass === 'broker'),
      JSON.stringify(attempts),
    );
    await h.inject({ method: 'DELETE', url: `/v1/endpoints/${ep.id}`, headers: h.auth });
  });

  test('amqp: publisher-confirmed to the exchange, webhook headers as AMQP headers', async () => {
    const conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createChannel();
    const exchange = unique('tidings.test');
    await ch.assertExchange(exchange, 'direct', { autoDelete: false, durable: false });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, exchange, 'events');
    try {
      const ep = await h.createEndpoint({
        type: 'amqp',
        url: BROKERS.amqp.url,
        destination: { exchange, routingKey: 'events' },
        auth: { type: 'basic', username: 'guest', password: 'guest' },
      });
      assert.deepEqual(ep.auth, { type: 'basic', username: 'guest' }, 'the password is never shown');
      await h.openTicket(unique('a'));
      await succeeded(h, ep.id);
      let msg: Awaited<ReturnType<typeof ch.get>> = false;
      await eventually(async () => {
        msg = await ch.get(queue, { noAck: true });
        return msg !== false;
      });
      const m = msg as unknown as {
        content: Buffer;
        properties: { messageId: string; headers: Record<string, string> };
      };
      assert.equal(m.properties.messageId, m.properties.headers['webhook-id']);
      assert.ok(verifies(ep.secret, m.properties.headers, m.content.toString('utf8')));
    } finally {
      await ch.deleteExchange(exchange);
      await conn.close();
    }
  });

  test('amqp: an exchange that does not exist fails as broker; a wrong password too', async () => {
    const missing = await h.createEndpoint({
      type: 'amqp',
      url: BROKERS.amqp.url,
      destination: { exchange: unique('no.such.exchange'), routingKey: 'x' },
      auth: { type: 'basic', username: 'guest', password: 'guest' },
    });
    const badLogin = await h.createEndpoint({
      type: 'amqp',
      url: BROKERS.amqp.url,
      destination: { exchange: '', routingKey: 'x' },
      auth: { type: 'basic', username: 'guest', password: 'wrong' },
    });
    await h.openTicket(unique('a'));
    for (const ep of [missing, badLogin]) {
      await eventually(async () => (await attemptsOf(h, ep.id)).length >= 1);
      const [attempt] = await attemptsOf(h, ep.id);
      assert.equal(attempt?.errorClass, 'broker');
      assert.equal((await deliveriesOf(h, ep.id))[0]?.status, 'pending', 'retried like a 5xx');
      await h.inject({ method: 'DELETE', url: `/v1/endpoints/${ep.id}`, headers: h.auth });
    }
  });

  test('amqp: a message no queue is bound to take fails as unroutable (mandatory), not a silent success', async () => {
    const conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createChannel();
    const exchange = unique('tidings.unbound');
    await ch.assertExchange(exchange, 'direct', { autoDelete: false, durable: false });
    try {
      const ep = await h.createEndpoint({
        type: 'amqp',
        url: BROKERS.amqp.url,
        destination: { exchange, routingKey: 'nobody-listens' },
        auth: { type: 'basic', username: 'guest', password: 'guest' },
      });
      await h.openTicket(unique('a'));
      await eventually(async () => (await attemptsOf(h, ep.id)).length >= 1, 20_000);
      const attempt = (await attemptsOf(h, ep.id)).at(-1);
      assert.equal(attempt?.outcome, 'failed');
      assert.equal(attempt?.errorClass, 'broker');
      assert.match(String(attempt?.errorMessage), /^unroutable \(312 NO_ROUTE\): no queue is bound to exchange/);
      assert.notEqual((await deliveriesOf(h, ep.id))[0]?.status, 'succeeded');
      await h.inject({ method: 'DELETE', url: `/v1/endpoints/${ep.id}`, headers: h.auth });
    } finally {
      await ch.deleteExchange(exchange);
      await conn.close();
    }
  });

  test('mqtt: QoS 1 publish, headers as MQTT 5 user properties', async () => {
    const topic = `tidings/test/${unique('t')}`;
    const sub = await connectAsync(BROKERS.mqtt.url, { protocolVersion: 5 });
    const got: Array<{ body: string; props: Record<string, string> }> = [];
    sub.on('message', (_t, payload, packet) =>
      got.push({
        body: payload.toString('utf8'),
        props: (packet.properties?.userProperties ?? {}) as Record<string, string>,
      }),
    );
    await sub.subscribeAsync(topic, { qos: 1 });
    try {
      const ep = await h.createEndpoint({ type: 'mqtt', url: BROKERS.mqtt.url, destination: { topic } });
      await h.openTicket(unique('m'));
      await succeeded(h, ep.id);
      await eventually(() => got.length === 1);
      assert.ok(verifies(ep.secret, got[0]?.props ?? {}, got[0]?.body ?? ''));
      assert.match(String((await attemptsOf(h, ep.id))[0]?.responseExcerpt), /acknowledged/);
    } finally {
      await sub.endAsync();
    }
  });

  test('a broker that is down is retried with error class broker, and delivered once it is back', async () => {
    const relay = await brokerRelay(6379);
    const stream = unique('tidings-down');
    const ep = await h.createEndpoint({
      type: 'redis-stream',
      url: `redis://127.0.0.1:${relay.port}`,
      destination: { stream, maxLen: 10 },
    });
    await h.openTicket(unique('d'));
    await eventually(async () => (await attemptsOf(h, ep.id)).length >= 1);
    const [first] = await attemptsOf(h, ep.id);
    assert.equal(first?.errorClass, 'broker');
    assert.match(String(first?.errorMessage), /ECONNREFUSED/);
    await relay.up();
    await succeeded(h, ep.id);
    assert.equal(await redis.xlen(stream), 1);
    await relay.down();
    await redis.del(stream);
  });

  test('ordering subject holds on a broker destination', async () => {
    const stream = unique('tidings-ordered');
    const ep = await h.createEndpoint({
      type: 'redis-stream',
      url: BROKERS.redis.url,
      destination: { stream, maxLen: 1000 },
      ordering: 'subject',
    });
    const id = unique('o');
    await h.openTicket(id);
    for (let n = 1; n <= 5; n++) await h.note(id, n);
    await succeeded(h, ep.id, 6);
    const bodies = (await redis.xrange(stream, '-', '+')).map(([, f]) => JSON.parse(String(f[f.indexOf('body') + 1])));
    assert.deepEqual(
      bodies.map((b: { data: { data: { n?: number } } }) => b.data.data.n ?? 0),
      [0, 1, 2, 3, 4, 5],
    );
    await redis.del(stream);
  });
});
