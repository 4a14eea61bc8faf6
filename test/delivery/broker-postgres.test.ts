import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { BROKERS, brokersSkip } from '../helpers/brokers.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { attemptsOf, brokerRelay, succeeded, unique } from './broker-kit.js';
import { eventually, type Harness, harness } from './delivery-kit.js';

const pgdb = await postgresTestDatabase();
const brokersDown = await brokersSkip('redis');

/** Broker destinations on PostgreSQL: the same queue, leases and attempt history as HTTP. */
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
});
