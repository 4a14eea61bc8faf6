import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, FAST_DISPATCH, type Harness, harness } from './delivery-kit.js';
import { startReceiver } from './receiver.js';

type Attempt = { outcome: string; errorClass: string | null; httpStatus: number | null; latencyMs: number };

async function nothingPending(h: Harness, endpointId: string): Promise<boolean> {
  const res = await h.inject({
    method: 'GET',
    url: `/v1/endpoints/${endpointId}/deliveries?status=pending`,
    headers: h.auth,
  });
  return (res.json() as { deliveries: unknown[] }).deliveries.length === 0;
}

describe('push resilience', () => {
  test('an endpoint whose every attempt fails for the configured time is disabled; re-enabling resets it', async () => {
    const h = await harness({}, { delivery: { ...FAST_DISPATCH, disableAfterFailingMs: 250 } });
    const r = await startReceiver((_req, res) => res.writeHead(500).end());
    try {
      const endpoint = await h.createEndpoint({ url: r.url });
      await h.openTicket('sick-1');
      const get = async () =>
        (await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth })).json() as {
          enabled: boolean;
          disabledReason: string | null;
          failingSince: string | null;
        };
      await eventually(async () => (await get()).enabled === false, 5_000);
      assert.match(String((await get()).disabledReason), /failed/);
      const patched = await h.inject({
        method: 'PATCH',
        url: `/v1/endpoints/${endpoint.id}`,
        headers: h.auth,
        payload: { enabled: true },
      });
      assert.equal(patched.statusCode, 200);
      assert.deepEqual(
        { enabled: (await get()).enabled, reason: (await get()).disabledReason, since: (await get()).failingSince },
        { enabled: true, reason: null, since: null },
      );
    } finally {
      await r.close();
      await h.close();
    }
  });

  test('circuit breaker: a failed probe pauses the endpoint, so 20 due deliveries do not each get a request', async () => {
    const h = await harness();
    let healthy = false;
    let requests = 0;
    const r = await startReceiver((_req, res) => {
      requests++;
      res.writeHead(healthy ? 200 : 503).end();
    });
    try {
      const endpoint = await h.createEndpoint({ url: r.url, workflows: ['ticket'] });
      const get = async () =>
        (await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}`, headers: h.auth })).json() as {
          failingSince: string | null;
          pausedUntil: string | null;
        };
      await h.openTicket('pause-0');
      await eventually(async () => (await get()).failingSince !== null);
      const before = requests;
      await Promise.all(Array.from({ length: 20 }, (_, i) => h.openTicket(`pause-${i + 1}`)));
      await eventually(async () => (await get()).pausedUntil !== null, 3_000);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      // Without the pause each due delivery is tried in turn, answered at once: 20+ requests by now.
      assert.ok(requests - before <= 4, `${requests - before} requests while failing`);
      healthy = true;
      await eventually(() => nothingPending(h, endpoint.id));
      const healed = await get();
      assert.deepEqual([healed.failingSince, healed.pausedUntil], [null, null]);
    } finally {
      await r.close();
      await h.close();
    }
  });

  test('circuit breaker: once an endpoint fails, it gets one push at a time until one succeeds', async () => {
    const h = await harness();
    let inFlight = 0;
    let healthy = false;
    const concurrencyAfterFirstFailure: number[] = [];
    let failedOnce = false;
    const r = await startReceiver((_req, res) => {
      inFlight++;
      if (failedOnce) concurrencyAfterFirstFailure.push(inFlight);
      setTimeout(() => {
        inFlight--;
        if (!healthy) failedOnce = true;
        res.writeHead(healthy ? 200 : 500).end();
      }, 40);
    });
    try {
      const endpoint = await h.createEndpoint({ url: r.url, workflows: ['ticket'] });
      await h.openTicket('cb-0');
      await r.waitFor(1);
      await eventually(() => failedOnce);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all(Array.from({ length: 6 }, (_, i) => h.openTicket(`cb-${i + 1}`)));
      await r.waitFor(6);
      assert.ok(concurrencyAfterFirstFailure.length >= 4);
      assert.ok(
        concurrencyAfterFirstFailure.every((n) => n === 1),
        `in flight while failing: ${concurrencyAfterFirstFailure.join(',')}`,
      );
      healthy = true;
      await eventually(() => nothingPending(h, endpoint.id));
    } finally {
      await r.close();
      await h.close();
    }
  });

  test('a slow endpoint cannot take every push slot: another endpoint is served meanwhile', async () => {
    const h = await harness(
      {},
      { delivery: { ...FAST_DISPATCH, maxInFlight: 4, perEndpointConcurrency: 2, totalTimeoutMs: 3_000 } },
    );
    const slow = await startReceiver(() => {
      /* never answers within the timeout */
    });
    const fast = await startReceiver();
    try {
      await h.createEndpoint({ url: slow.url, workflows: ['ticket'] });
      await h.createEndpoint({ url: fast.url, workflows: ['idv-transaction'] });
      for (let i = 0; i < 8; i++) await h.openTicket(`slow-${i}`);
      await slow.waitFor(2);
      const started = Date.now();
      await h.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: h.auth,
        payload: { workflow: 'idv-transaction', id: 'idv-fast' },
      });
      await fast.waitFor(1, 2_000);
      assert.ok(Date.now() - started < 1_000, `fast endpoint waited ${Date.now() - started} ms`);
      assert.equal(slow.received.length, 2, 'at most 2 pushes in flight to the slow endpoint');
    } finally {
      await slow.close();
      await fast.close();
      await h.close();
    }
  });

  test('TIDINGS_PUSH_TIMEOUT bounds a push that is never answered', async () => {
    const h = await harness(
      { TIDINGS_PUSH_TIMEOUT: '300ms' },
      { delivery: { pollIntervalMs: 20, leaseMarginMs: 1000 } },
    );
    const r = await startReceiver(() => {
      /* never answers */
    });
    try {
      const endpoint = await h.createEndpoint({ url: r.url });
      await h.openTicket('configured-timeout');
      const attempts = async () =>
        (
          (await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/attempts`, headers: h.auth })).json() as {
            attempts: Attempt[];
          }
        ).attempts;
      await eventually(async () => (await attempts()).length > 0, 5_000);
      const [attempt] = await attempts();
      assert.equal(attempt?.errorClass, 'timeout');
      assert.ok(
        (attempt?.latencyMs ?? 0) >= 250 && (attempt?.latencyMs ?? 0) < 2_000,
        `latency ${attempt?.latencyMs} ms`,
      );
    } finally {
      await r.close();
      await h.close();
    }
  });

  test('a body that never ends is a timeout', async () => {
    const h = await harness();
    const r = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    try {
      const endpoint = await h.createEndpoint({ url: r.url });
      await h.openTicket('slow-body');
      await eventually(async () => {
        const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/attempts`, headers: h.auth });
        return (res.json() as { attempts: Attempt[] }).attempts.length > 0;
      });
      const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/attempts`, headers: h.auth });
      const [attempt] = (res.json() as { attempts: Attempt[] }).attempts;
      assert.equal(attempt?.errorClass, 'timeout');
    } finally {
      await r.close();
      await h.close();
    }
  });

  test('a body that trickles forever is a timeout once the whole request passes totalTimeoutMs', async () => {
    const h = await harness();
    const timers: NodeJS.Timeout[] = [];
    // A byte every 50 ms: never idle long enough for a per-chunk body timeout (500 ms).
    const r = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      timers.push(setInterval(() => res.write('x'), 50));
    });
    try {
      const endpoint = await h.createEndpoint({ url: r.url });
      await h.openTicket('trickle');
      const first = async () => {
        const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/attempts`, headers: h.auth });
        return (res.json() as { attempts: Array<Attempt & { latencyMs: number }> }).attempts.at(-1);
      };
      await eventually(async () => (await first()) !== undefined);
      const attempt = await first();
      assert.equal(attempt?.errorClass, 'timeout');
      assert.ok((attempt?.latencyMs ?? 0) >= 450 && (attempt?.latencyMs ?? 0) < 2_000, `${attempt?.latencyMs} ms`);
    } finally {
      for (const t of timers) clearInterval(t);
      await r.close();
      await h.close();
    }
  });

  test('rateLimit spaces pushes out to the configured rate', async () => {
    const h = await harness();
    const r = await startReceiver();
    try {
      await h.createEndpoint({ url: r.url, rateLimit: 5 });
      for (let i = 0; i < 10; i++) await h.openTicket(`rl-${i}`);
      const got = await r.waitFor(10);
      const span = (got.at(-1)?.at ?? 0) - (got[0]?.at ?? 0);
      assert.ok(span >= 700, `10 pushes at 5/s took only ${span} ms`);
    } finally {
      await r.close();
      await h.close();
    }
  });

  test('a graceful shutdown lets the push in flight finish and records it', async () => {
    let h = await harness();
    const r = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end(), 300));
    try {
      const endpoint = await h.createEndpoint({ url: r.url });
      await h.openTicket('drain-1');
      await r.waitFor(1);
      const restarted = await h.app.restart();
      h = { ...h, app: restarted, inject: restarted.runtime.app.inject.bind(restarted.runtime.app) as typeof h.inject };
      const res = await h.inject({ method: 'GET', url: `/v1/endpoints/${endpoint.id}/attempts`, headers: h.auth });
      assert.deepEqual(
        (res.json() as { attempts: Attempt[] }).attempts.map((a) => [a.outcome, a.httpStatus]),
        [['succeeded', 200]],
      );
      restarted.runtime.startWorkers();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(r.received.length, 1, 'not pushed again after the restart');
    } finally {
      await r.close();
      await h.app.close();
    }
  });

  test('/metrics exposes delivery outcomes, latency, queue depth and oldest pending age', async () => {
    const h = await harness();
    const r = await startReceiver();
    try {
      await h.createEndpoint({ url: r.url });
      await h.openTicket('metrics-1');
      await r.waitFor(1);
      await eventually(async () => {
        const text = (await h.inject({ method: 'GET', url: '/metrics' })).body;
        return text.includes('tidings_delivery_attempts_total{outcome="succeeded"} 1');
      });
      const text = (await h.inject({ method: 'GET', url: '/metrics' })).body;
      for (const name of [
        'tidings_delivery_attempt_duration_seconds_bucket',
        'tidings_delivery_queue_depth',
        'tidings_delivery_oldest_pending_age_seconds',
      ]) {
        assert.ok(text.includes(name), name);
      }
    } finally {
      await r.close();
      await h.close();
    }
  });
});
