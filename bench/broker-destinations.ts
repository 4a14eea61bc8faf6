/**
 * Smoke bench of the broker destinations: deliveries/s from Tidings (SQLite,
 * prefilled deliveries, clock from the workers' start to every delivery
 * recorded as succeeded) to each broker, beside that broker's own client
 * publishing the same number of messages of the same size with the same
 * confirmation (publisher confirm, JetStream ack, XADD reply, PUBACK) and
 * the same 64 in flight as the dispatcher's per-endpoint cap. Each pair runs
 * `BENCH_REPEATS` times (default 3), alternating, and the table shows medians
 * with every run beside them (the machine is shared: read ratios, not figures).
 *
 *   npm run build && BENCH_MESSAGES=1000 node dist/bench/broker-destinations.js
 */
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { connect as natsConnect } from 'nats';
import { BASELINE_CONCURRENCY } from './push-baselines.js';
import { now, openTidings, sampleBody, until } from './push-kit.js';
import { median } from './stats.js';

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

/** One broker: its own client's loop and Tidings to it, each run `REPEATS` times, alternating. */
interface Scenario {
  broker: string;
  setUp(): Promise<void>;
  own(): Promise<number>;
  endpoint(): Record<string, unknown>;
  tearDown(): Promise<void>;
}

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

function redisScenario(): Scenario {
  const redis = new Redis(6379, '127.0.0.1', { lazyConnect: true });
  const stream = `${tag}-redis`;
  return {
    broker: 'Redis Streams (XADD MAXLEN ~)',
    setUp: () => redis.connect(),
    own: () => inLoops(N, (i) => redis.xadd(`${stream}-own`, 'MAXLEN', '~', N, '*', 'body', sampleBody(i))),
    endpoint: () => ({ type: 'redis-stream', url: 'redis://127.0.0.1:6379', destination: { stream, maxLen: N } }),
    async tearDown() {
      await redis.del(stream, `${stream}-own`);
      redis.disconnect();
    },
  };
}

function amqpScenario(): Scenario {
  let conn: Awaited<ReturnType<typeof amqpConnect>>;
  let ch: Awaited<ReturnType<typeof conn.createConfirmChannel>>;
  const exchange = `${tag}.amqp`;
  return {
    broker: 'RabbitMQ (publisher confirms, mandatory)',
    async setUp() {
      conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
      ch = await conn.createConfirmChannel();
      await ch.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
      await ch.assertQueue(exchange, { durable: false, autoDelete: false });
      await ch.bindQueue(exchange, exchange, '');
    },
    own: () =>
      inLoops(
        N,
        (i) =>
          new Promise<void>((resolve, reject) =>
            ch.publish(exchange, '', Buffer.from(sampleBody(i)), { persistent: true, mandatory: true }, (e: unknown) =>
              e ? reject(e) : resolve(),
            ),
          ),
      ),
    endpoint: () => ({
      type: 'amqp',
      url: 'amqp://127.0.0.1:5672',
      destination: { exchange, routingKey: '' },
      auth: { type: 'basic', username: 'guest', password: 'guest' },
    }),
    async tearDown() {
      await ch.deleteQueue(exchange);
      await ch.deleteExchange(exchange);
      await conn.close();
    },
  };
}

function natsScenario(): Scenario {
  let nc: Awaited<ReturnType<typeof natsConnect>>;
  const name = `${tag}_NATS`;
  const subject = `${tag}.nats`;
  return {
    broker: 'NATS JetStream (publish ack)',
    async setUp() {
      nc = await natsConnect({ servers: '127.0.0.1:4222' });
      await (await nc.jetstreamManager()).streams.add({ name, subjects: [subject, `${subject}.own`] });
    },
    own: () => {
      const js = nc.jetstream();
      return inLoops(N, (i) => js.publish(`${subject}.own`, Buffer.from(sampleBody(i))));
    },
    endpoint: () => ({ type: 'nats', url: 'nats://127.0.0.1:4222', destination: { subject } }),
    async tearDown() {
      await (await nc.jetstreamManager()).streams.delete(name);
      await nc.close();
    },
  };
}

function mqttScenario(): Scenario {
  let client: Awaited<ReturnType<typeof connectAsync>>;
  const topic = `${tag}/mqtt`;
  return {
    broker: 'Mosquitto MQTT 5 (QoS 1)',
    async setUp() {
      client = await connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5 });
    },
    own: () => inLoops(N, (i) => client.publishAsync(`${topic}/own`, sampleBody(i), { qos: 1 })),
    endpoint: () => ({ type: 'mqtt', url: 'mqtt://127.0.0.1:1883', destination: { topic } }),
    tearDown: () => client.endAsync(),
  };
}

const rows: Array<{ broker: string; tidings: number[]; client: number[] }> = [];
for (const scenario of [redisScenario(), amqpScenario(), natsScenario(), mqttScenario()]) {
  const row = { broker: scenario.broker, tidings: [] as number[], client: [] as number[] };
  await scenario.setUp();
  try {
    for (let r = 0; r < REPEATS; r++) {
      row.client.push(await scenario.own());
      row.tidings.push(await tidings(scenario.endpoint()));
    }
  } finally {
    await scenario.tearDown();
  }
  rows.push(row);
}

const perSecond = (values: number[]) => values.map((v) => Math.round(v)).join(', ');
console.log(`\n${N} messages each, ${BASELINE_CONCURRENCY} in flight, medians of ${REPEATS} alternating runs\n`);
console.log('| broker | Tidings deliveries/s | own client publishes/s | ratio | Tidings runs | own client runs |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const [ours, own] = [median(r.tidings), median(r.client)];
  console.log(
    `| ${r.broker} | ${Math.round(ours)} | ${Math.round(own)} | ${(ours / own).toFixed(2)} | ${perSecond(r.tidings)} | ${perSecond(r.client)} |`,
  );
}
process.exit(0);
