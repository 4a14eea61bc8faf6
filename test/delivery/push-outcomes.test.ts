import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually, type Harness, harness } from './delivery-kit.js';
import { type Receiver, startReceiver } from './receiver.js';

/** One outcome per test, each against a real HTTP receiver on loopback. */
describe('push delivery outcomes', () => {
  let h: Harness;
  let receiver: Receiver | undefined;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const attempts = async (endpointId: string) => {
    const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpointId}/attempts`, headers: h.auth });
    return (res.json() as { attempts: Array<Record<string, unknown>> }).attempts;
  };
  const deliveries = async (endpointId: string) => {
    const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpointId}/deliveries`, headers: h.auth });
    return (res.json() as { deliveries: Array<Record<string, unknown>> }).deliveries;
  };

  test('a 2xx delivers once, with Standard Webhooks headers the standardwebhooks package verifies', async () => {
    receiver = await startReceiver();
    const endpoint = await h.createEndpoint({ url: receiver.url, headers: { 'X-Tenant-Tag': 'acme' } });
    assert.match(endpoint.secret, /^whsec_/);
    await h.openTicket('t-ok');
    const [push] = await receiver.waitFor(1);
    assert.ok(push);
    const body = new Webhook(endpoint.secret).verify(push.body, {
      'webhook-id': String(push.headers['webhook-id']),
      'webhook-timestamp': String(push.headers['webhook-timestamp']),
      'webhook-signature': String(push.headers['webhook-signature']),
    }) as { type: string; subject: string; id: string };
    assert.match(String(push.headers['webhook-id']), /^msg_/);
    assert.equal(push.headers['webhook-id'], `msg_${body.id}`);
    assert.equal(push.headers['x-correlation-id'], body.id);
    assert.equal(push.headers['x-tenant-tag'], 'acme');
    assert.match(String(push.headers['content-type']), /json/);
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded');
    const [attempt] = await attempts(endpoint.id);
    assert.equal(attempt?.outcome, 'succeeded');
    assert.equal(attempt?.httpStatus, 204);
    assert.equal(typeof attempt?.latencyMs, 'number');
  });

  test('a long answer keeps a 1 KiB excerpt; past 64 KiB it is cut off, and its status still counts', async () => {
    // The first answer never ends after its 100 KB: only the cut-off ends that attempt before its timeout.
    receiver = await startReceiver((_req, res, n) => {
      if (n === 1) res.writeHead(500).write('e'.repeat(100_000));
      else res.writeHead(200).end('o'.repeat(5_000));
    });
    const endpoint = await h.createEndpoint({ url: receiver.url });
    await h.openTicket('t-long');
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded');
    const history = (await attempts(endpoint.id)).reverse();
    assert.deepEqual(
      history.map((a) => [a.outcome, a.httpStatus, String(a.responseExcerpt).length]),
      [
        ['failed', 500, 1024],
        ['succeeded', 200, 1024],
      ],
    );
    assert.match(String(history[0]?.responseExcerpt), /^e+$/);
  });

  test('a 5xx is retried with the same webhook-id until a 2xx', async () => {
    receiver = await startReceiver((_req, res, n) => res.writeHead(n < 3 ? 503 : 200).end(n < 3 ? 'down' : 'ok'));
    const endpoint = await h.createEndpoint({ url: receiver.url });
    await h.openTicket('t-5xx');
    const pushes = await receiver.waitFor(3);
    assert.equal(new Set(pushes.map((p) => p.headers['webhook-id'])).size, 1);
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded');
    const history = await attempts(endpoint.id);
    assert.deepEqual(
      history.map((a) => a.httpStatus),
      [200, 503, 503],
    );
    assert.equal(history[2]?.responseExcerpt, 'down');
    assert.equal(history[2]?.errorClass, 'http');
    const failedOnly = await h.inject({
      method: 'GET',
      url: `/v1/endpoints/${endpoint.id}/attempts?status=failed&limit=1`,
      headers: h.auth,
    });
    const page = failedOnly.json() as { attempts: Array<{ httpStatus: number }>; nextCursor: string };
    assert.equal(page.attempts.length, 1);
    assert.ok(page.nextCursor);
    const next = await h.inject({
      method: 'GET',
      url: `/v1/endpoints/${endpoint.id}/attempts?status=failed&limit=1&cursor=${page.nextCursor}`,
      headers: h.auth,
    });
    assert.equal((next.json() as { attempts: unknown[] }).attempts.length, 1);
  });

  test('a 429 waits at least its Retry-After', async () => {
    receiver = await startReceiver((_req, res, n) =>
      n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end(),
    );
    await h.createEndpoint({ url: receiver.url });
    await h.openTicket('t-429');
    const [first, second] = await receiver.waitFor(2);
    assert.ok(first && second);
    assert.ok(second.at - first.at >= 950, `retried after ${second.at - first.at} ms`);
  });

  test('a 410 dead-letters the delivery and disables the endpoint with a reason', async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(410).end());
    const endpoint = await h.createEndpoint({ url: receiver.url });
    await h.openTicket('t-410');
    await receiver.waitFor(1);
    await eventually(async () => {
      const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth });
      return (res.json() as { enabled: boolean }).enabled === false;
    });
    const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth });
    assert.match(String((res.json() as { disabledReason: string }).disabledReason), /410/);
    assert.equal((await deliveries(endpoint.id))[0]?.status, 'failed');
  });

  test('a receiver that never answers times out, is retried, and ends as a dead letter', async () => {
    receiver = await startReceiver(() => {
      /* never answers */
    });
    const endpoint = await h.createEndpoint({ url: receiver.url });
    await h.openTicket('t-timeout');
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'failed', 15_000);
    const history = await attempts(endpoint.id);
    assert.equal(history.length, 4); // first try + 3 retries of the schedule
    assert.ok(history.every((a) => a.errorClass === 'timeout'));
  });

  test('a connection reset is a connection error and is retried', async () => {
    receiver = await startReceiver((req, res, n) => {
      if (n === 1) res.socket?.destroy();
      else res.writeHead(200).end();
      void req;
    });
    const endpoint = await h.createEndpoint({ url: receiver.url });
    await h.openTicket('t-reset');
    await receiver.waitFor(2);
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded');
    const history = await attempts(endpoint.id);
    assert.equal(history.at(-1)?.errorClass, 'connection');
    assert.equal(history[0]?.outcome, 'succeeded');
  });

  test('a dead letter is replayed, and one delivery can be retried', async () => {
    let healthy = false;
    receiver = await startReceiver((_req, res) => res.writeHead(healthy ? 200 : 500).end());
    const endpoint = await h.createEndpoint({ url: receiver.url });
    await h.openTicket('t-replay');
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'failed', 15_000);
    healthy = true;
    const replay = await h.inject({
      method: 'POST',
      url: `/v1/endpoints/${endpoint.id}/replay`,
      headers: h.auth,
      payload: { since: '2000-01-01T00:00:00Z' },
    });
    assert.equal(replay.statusCode, 202);
    assert.deepEqual(replay.json(), { requeued: 1 });
    await eventually(async () => (await deliveries(endpoint.id))[0]?.status === 'succeeded');
    const [delivery] = await deliveries(endpoint.id);
    const retry = await h.inject({ method: 'POST', url: `/v1/deliveries/${delivery?.id}/retry`, headers: h.auth });
    assert.equal(retry.statusCode, 202);
    const before = receiver.received.length;
    await receiver.waitFor(before + 1);
  });
});
