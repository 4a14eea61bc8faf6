/**
 * Smoke bench of the broker destinations: deliveries/s from Tidings (SQLite,
 * prefilled deliveries, clock from the workers' start to every delivery
 * recorded as succeeded) to each broker, beside that broker's own client
 * publishing the same number of messages of the same size with the same
 * confirmation (publisher confirm, JetStream ack, XADD reply, PUBACK) and
 * the same 64 in flight as the dispatcher's per-endpoint cap.
 *
 *   npm run build && BENCH_MESSAGES=1000 node dist/bench/broker-destinations.js
 */
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { connect as natsConnect } from 'nats';
import { BASELINE_CONCURRENCY } from './push-baselines.js';
import { now, openTidings, sampleBody, until } from './push-kit.js';

const N = Number(process.env.BENCH_MESSAGES ?? 1000);
const tag = `bench${process.pid}`;

async function inLoops(count: number, publish: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: BASELINE_CONCURRENCY }, async () => {
      while (next < count) await publish(next++);
    }),
  );
  return count / ((now() - started) / 1000);
}

async function tidings(endpoint: Record<string, unknown>): Promise<number> {
  const t = await openTidings({ databaseUrl: null, subjectCount: 64 });
  try {
    const res = await t.runtime.app.inject({
      method: 'POST',
      url: '/v1/endpoints',
      headers: t.auth,
      payload: endpoint,
    });
    if (res.statusCode !== 201) throw new Error(`endpoint: ${res.statusCode} ${res.body}`);
    await t.prefill(N);
    const started = now();
    t.runtime.startWorkers();
    await until(async () => (await t.succeeded()) >= N, 120_000, 20);
    return N / ((now() - started) / 1000);
  } finally {
    await t.close();
  }
}

const rows: Array<{ broker: string; tidings: number; client: number }> = [];

{
  const redis = new Redis(6379, '127.0.0.1');
  const stream = `${tag}-redis`;
  const own = await inLoops(N, (i) => redis.xadd(`${stream}-own`, 'MAXLEN', '~', N, '*', 'body', sampleBody(i)));
  const ours = await tidings({
    type: 'redis-stream',
    url: 'redis://127.0.0.1:6379',
    destination: { stream, maxLen: N },
  });
  await redis.del(stream, `${stream}-own`);
  redis.disconnect();
  rows.push({ broker: 'Redis Streams (XADD)', tidings: ours, client: own });
}
{
  const conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createConfirmChannel();
  const exchange = `${tag}.amqp`;
  await ch.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
  await ch.assertQueue(exchange, { durable: false, autoDelete: false });
  await ch.bindQueue(exchange, exchange, '');
  const own = await inLoops(
    N,
    (i) =>
      new Promise<void>((resolve, reject) =>
        ch.publish(exchange, '', Buffer.from(sampleBody(i)), { persistent: true }, (e: unknown) =>
          e ? reject(e) : resolve(),
        ),
      ),
  );
  const ours = await tidings({
    type: 'amqp',
    url: 'amqp://127.0.0.1:5672',
    destination: { exchange, routingKey: '' },
    auth: { type: 'basic', username: 'guest', password: 'guest' },
  });
  await ch.deleteQueue(exchange);
  await ch.deleteExchange(exchange);
  await conn.close();
  rows.push({ broker: 'RabbitMQ (confirms)', tidings: ours, client: own });
}
{
  const nc = await natsConnect({ servers: '127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  const name = `${tag}_NATS`;
  const subject = `${tag}.nats`;
  await jsm.streams.add({ name, subjects: [subject, `${subject}.own`] });
  const js = nc.jetstream();
  const own = await inLoops(N, (i) => js.publish(`${subject}.own`, Buffer.from(sampleBody(i))));
  const ours = await tidings({ type: 'nats', url: 'nats://127.0.0.1:4222', destination: { subject } });
  await jsm.streams.delete(name);
  await nc.close();
  rows.push({ broker: 'NATS JetStream (ack)', tidings: ours, client: own });
}
{
  const client = await connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5 });
  const topic = `${tag}/mqtt`;
  const own = await inLoops(N, (i) => client.publishAsync(`${topic}/own`, sampleBody(i), { qos: 1 }));
  await client.endAsync();
  const ours = await tidings({ type: 'mqtt', url: 'mqtt://127.0.0.1:1883', destination: { topic } });
  rows.push({ broker: 'Mosquitto MQTT (QoS 1)', tidings: ours, client: own });
}

console.log(`\n${N} messages each, ${BASELINE_CONCURRENCY} in flight\n`);
console.log('| broker | Tidings deliveries/s | own client publishes/s | ratio |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.broker} | ${Math.round(r.tidings)} | ${Math.round(r.client)} | ${(r.tidings / r.client).toFixed(2)} |`,
  );
}
process.exit(0);
