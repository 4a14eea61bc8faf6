import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * Issue 17: a `worker` serves no public API. Its HTTP surface is what an
 * orchestrator and Prometheus ask of it (`/healthz`, `/readyz`, `/metrics`);
 * every API route, `/docs`, `/openapi.json` and the console are unknown
 * there (404), while an `api` process still has them.
 */
const API_ROUTES = [
  ['GET', '/v1/subjects'],
  ['GET', '/v1/workflows'],
  ['POST', '/v1/tenants'],
  ['GET', '/v1/endpoints'],
  ['GET', '/v1/events'],
  ['GET', '/openapi.json'],
  ['GET', '/docs'],
  ['GET', '/console/'],
  ['GET', '/.well-known/ssf-configuration'],
] as const;

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`roles (${backend.name})`, { skip: backend.skip }, () => {
    let worker: TestApp;
    let api: TestApp;
    before(async () => {
      worker = await startTestApp({ ...backend.env, TIDINGS_ROLE: 'worker' });
      api = await startTestApp({ ...backend.env, TIDINGS_ROLE: 'api' });
    });
    after(async () => {
      await worker?.close();
      await api?.close();
    });

    test('a worker answers /healthz, /readyz and /metrics', async () => {
      const health = await worker.runtime.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), { status: 'ok' });
      const ready = await worker.runtime.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(ready.json(), { status: 'ready', storage: backend.name });
      const metrics = await worker.runtime.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(metrics.statusCode, 200);
      assert.match(String(metrics.headers['content-type']), /^text\/plain/);
      // the worker's own work, which no api process can report
      assert.match(metrics.body, /^# HELP tidings_delivery_attempts_total /m);
      assert.match(metrics.body, /^tidings_delivery_queue_depth 0$/m);
      assert.match(metrics.body, /^tidings_http_requests_total\{method="GET",route="\/readyz",status="200"\} 1$/m);
    });

    test('a worker knows no API route: 404 with the error body, where an api process has them', async () => {
      for (const [method, url] of API_ROUTES) {
        const res = await worker.runtime.app.inject({ method, url });
        assert.equal(res.statusCode, 404, `${method} ${url} on a worker`);
        assert.equal(res.json().code, 'not_found', `${method} ${url} on a worker`);
        const onApi = await api.runtime.app.inject({ method, url });
        assert.notEqual(onApi.statusCode, 404, `${method} ${url} on an api process`);
      }
    });

    test('an api process answers the operations routes too', async () => {
      for (const url of ['/healthz', '/readyz', '/metrics']) {
        const res = await api.runtime.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, url);
      }
    });
  });
}
