import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { connect as natsConnect, RetentionPolicy } from 'nats';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { BROKERS, brokersSkip } from '../helpers/brokers.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { attemptsOf, brokerRelay, succeeded, unique, verifies } from './broker-kit.js';
import { eventually, type Harness, harness } from './delivery-kit.js';

const pgdb = await postgresTestDatabase();
const brokersDown = await brokersSkip('redis', 'amqp', 'nats', 'mqtt');

/** Broker destinations on PostgreSQL: the same queue, leases and attempt history as HTTP. */

/** The `n` of each published body, in the order the broker holds them (0 for the ticket's opening). */
const noteOf = (body: string) => (JSON.parse(body) as { data: { data: { n?: number } } }).data.data.n ?? 0;

/**
 * Delivery is at least once: a publish the broker took but whose confirm was
 * late (a loaded machine) is published again, with the same `webhook-id`.
 * A consumer keeps the first of each id, as docs/destinations.md tells it to.
 */
function firstOfEach<T>(messages: readonly T[], idOf: (m: T) => string | undefined): T[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    const id = String(idOf(m));
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
describe('broker destinations on PostgreSQL', { skip: pgdb.skip || brokersDown }, () => {
  let h: Harness;
  let redis: Redis;
  before(async () => {
    h = await harness({}, { store: new PostgresStore({ connectionString: String(pgdb.url) }) });
    redis = new Redis(6379, '127.0.0.1');
  });
  after(async () => {
    redis?.disconnect();
    await h?.close();
    await pgdb.drop();
  });

  test('redis-stream: delivered in subject order; a down broker retried with class broker, then delivered', async () => {
    const relay = await brokerRelay(6379);
    const stream = unique('tidings-pg');
    const ep = await h.createEndpoint({
      type: 'redis-stream',
      url: `redis://127.0.0.1:${relay.port}`,
      destination: { stream, maxLen: 100 },
      ordering: 'subject',
    });
    const id = unique('pg');
    await h.openTicket(id);
    for (let n = 1; n <= 3; n++) await h.note(id, n);
    await eventually(async () => (await attemptsOf(h, ep.id)).some((a) => a.errorClass === 'broker'));
    await relay.up();
    await succeeded(h, ep.id, 4);
    const ns = (await redis.xrange(stream, '-', '+')).map(
      ([, f]) => (JSON.parse(String(f[f.indexOf('body') + 1])) as { data: { data: { n?: number } } }).data.data.n ?? 0,
    );
    assert.deepEqual(ns, [0, 1, 2, 3]);
    const attempts = await attemptsOf(h, ep.id);
    assert.ok(attempts.some((a) => a.outcome === 'succeeded' && a.responseExcerpt?.startsWith('entry ')));
    await relay.down();
    await redis.del(stream);
  });

  test('replay of a broker delivery publishes it again', async () => {
    const stream = unique('tidings-pg-replay');
    const ep = await h.createEndpoint({
      type: 'redis-stream',
      url: BROKERS.redis.url,
      destination: { stream, maxLen: 100 },
    });
    await h.openTicket(unique('pg-r'));
    await succeeded(h, ep.id);
    const res = await h.inject({
      method: 'POST',
      url: `/v1/endpoints/${ep.id}/replay`,
      headers: h.auth,
      payload: { since: new Date(0).toISOString(), failedOnly: false },
    });
    assert.ok(res.statusCode < 300, res.body);
    await eventually(async () => (await redis.xlen(stream)) === 2);
    await redis.del(stream);
  });

  /** Opens a ticket and notes it three times: four events of one subject, in order. */
  async function fourInOrder(prefix: string): Promise<void> {
    const id = unique(prefix);
    await h.openTicket(id);
    for (let n = 1; n <= 3; n++) await h.note(id, n);
  }

  test('amqp: a down broker retried with class broker, then delivered in subject order, confirmed and signed', async () => {
    const relay = await brokerRelay(5672);
    const conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createChannel();
    const exchange = unique('tidings.pg');
    await ch.assertExchange(exchange, 'direct', { autoDelete: false, durable: false });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, exchange, 'events');
    try {
      const ep = await h.createEndpoint({
        type: 'amqp',
        url: `amqp://127.0.0.1:${relay.port}`,
        destination: { exchange, routingKey: 'events' },
        auth: { type: 'basic', username: 'guest', password: 'guest' },
        ordering: 'subject',
      });
      await fourInOrder('pg-a');
      await eventually(async () => (await attemptsOf(h, ep.id)).some((a) => a.errorClass === 'broker'), 20_000);
      await relay.up();
      await succeeded(h, ep.id, 4);
      const got: Array<{ body: string; headers: Record<string, string> }> = [];
      await eventually(async () => {
        const m = await ch.get(queue, { noAck: true });
        if (m) got.push({ body: m.content.toString('utf8'), headers: m.properties.headers as Record<string, string> });
        return firstOfEach(got, (m) => m.headers['webhook-id']).length === 4;
      }, 20_000);
      assert.deepEqual(
        firstOfEach(got, (m) => m.headers['webhook-id']).map((m) => noteOf(m.body)),
        [0, 1, 2, 3],
      );
      assert.ok(got.every((m) => verifies(ep.secret, m.headers, m.body)));
      assert.ok((await attemptsOf(h, ep.id)).some((a) => a.responseExcerpt?.startsWith('confirmed by exchange')));
      await h.inject({ method: 'DELETE', url: `/v1/endpoints/${ep.id}`, headers: h.auth });
    } finally {
      await relay.down();
      await ch.deleteExchange(exchange);
      await conn.close();
    }
  });

  test('nats: stored by JetStream in subject order, one message per webhook id; no stream is class broker', async () => {
    const nc = await natsConnect({ servers: '127.0.0.1:4222' });
    const name = unique('TIDINGS_PG').replaceAll('-', '_');
    const subject = `tidings.pg.${name}`;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name, subjects: [subject], retention: RetentionPolicy.Limits });
    try {
      const ep = await h.createEndpoint({
        type: 'nats',
        url: BROKERS.nats.url,
        destination: { subject },
        ordering: 'subject',
      });
      const lost = await h.createEndpoint({
        type: 'nats',
        url: BROKERS.nats.url,
        destination: { subject: `tidings.pg.nostream.${name}` },
      });
      await fourInOrder('pg-n');
      await succeeded(h, ep.id, 4);
      const messages = await Promise.all([1, 2, 3, 4].map((seq) => jsm.streams.getMessage(name, { seq })));
      assert.deepEqual(
        messages.map((m) => noteOf(m.string())),
        [0, 1, 2, 3],
      );
      assert.equal(new Set(messages.map((m) => m.header?.get('Nats-Msg-Id'))).size, 4);
      assert.equal((await jsm.streams.info(name)).state.messages, 4, 'nothing stored twice');
      await eventually(async () => (await attemptsOf(h, lost.id)).length >= 1, 20_000);
      assert.ok((await attemptsOf(h, lost.id)).every((a) => a.outcome === 'failed' && a.errorClass === 'broker'));
      for (const e of [ep, lost]) await h.inject({ method: 'DELETE', url: `/v1/endpoints/${e.id}`, headers: h.auth });
    } finally {
      await jsm.streams.delete(name);
      await nc.close();
    }
  });

  test('mqtt: QoS 1 publishes in subject order, signed in the user properties', async () => {
    const topic = `tidings/pg/${unique('t')}`;
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
      const ep = await h.createEndpoint({
        type: 'mqtt',
        url: BROKERS.mqtt.url,
        destination: { topic },
        ordering: 'subject',
      });
      await fourInOrder('pg-m');
      await succeeded(h, ep.id, 4);
      await eventually(() => firstOfEach(got, (m) => m.props['webhook-id']).length === 4, 20_000);
      assert.deepEqual(
        firstOfEach(got, (m) => m.props['webhook-id']).map((m) => noteOf(m.body)),
        [0, 1, 2, 3],
      );
      assert.ok(got.every((m) => verifies(ep.secret, m.props, m.body)));
      await h.inject({ method: 'DELETE', url: `/v1/endpoints/${ep.id}`, headers: h.auth });
    } finally {
      await sub.endAsync();
    }
  });
});
