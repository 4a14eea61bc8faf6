import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import { startTestApp } from '../helpers/test-runtime.js';
import { registry } from './delivery-kit.js';

test("the queue gauges are read when /metrics is scraped: pending deliveries and the oldest one's age", async () => {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const app = await startTestApp({}, { registry, clock: () => new Date(now) }); // no dispatcher runs
  try {
    const { auth } = await app.tenant();
    const inject = app.runtime.app.inject.bind(app.runtime.app);
    const endpoint = await inject({
      method: 'POST',
      url: '/v1/endpoints',
      headers: auth,
      payload: { url: 'http://127.0.0.1:9/hook', workflows: ['ticket'] },
    });
    assert.equal(endpoint.statusCode, 201, endpoint.body);
    for (const id of ['q-1', 'q-2', 'q-3']) {
      const res = await inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'ticket', id },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    while ((await app.runtime.push.deliveries.fanOut(100, matchEndpoints, now)) > 0);
    now += 7_000;
    const text = (await inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /^tidings_delivery_queue_depth 3$/m);
    assert.match(text, /^tidings_delivery_oldest_pending_age_seconds 7$/m);
  } finally {
    await app.close();
  }
});
