import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const pg = backends.find((b) => b.name === 'postgres');

/** `tidings serve --role worker` as operators start it, on PostgreSQL; resolves with its log and its URL. */
async function startWorker(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-worker-'));
  const child = spawn(process.execPath, [CLI, 'serve', '--role', 'worker'], {
    env: { PATH: process.env.PATH ?? '', TIDINGS_DATA_DIR: dataDir, TIDINGS_LOG_FORMAT: 'json', ...pg?.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise((done) => child.once('exit', done));
  const deadline = Date.now() + 30_000;
  while (!/"msg":"tidings started"/.test(out) && child.exitCode === null && Date.now() < deadline)
    await new Promise((done) => setTimeout(done, 50));
  const line = out.split('\n').find((l) => l.includes('"msg":"tidings started"'));
  assert.ok(line, out);
  return {
    url: (JSON.parse(line) as { url: string | null }).url,
    log: () => out,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('tidings serve --role worker', { skip: pg?.skip ?? 'no PostgreSQL' }, () => {
  test('with TIDINGS_WORKER_PORT it listens for the operations routes only', async () => {
    const worker = await startWorker({ TIDINGS_WORKER_PORT: '0' });
    try {
      assert.match(String(worker.url), /^http:\/\/127\.0\.0\.1:\d+$/);
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        const res = await fetch(`${worker.url}${path}`);
        assert.equal(res.status, 200, path);
      }
      assert.match(await (await fetch(`${worker.url}/metrics`)).text(), /tidings_delivery_attempts_total/);
      const subjects = await fetch(`${worker.url}/v1/subjects`);
      assert.equal(subjects.status, 404);
      assert.equal(((await subjects.json()) as { code: string }).code, 'not_found');
      // the start-up warnings were written (the key one is), but not the API's admin-token one
      assert.match(worker.log(), /TIDINGS_KEY_ENCRYPTION_KEY is not set/);
      assert.doesNotMatch(worker.log(), /TIDINGS_ADMIN_TOKEN is not set/);
    } finally {
      await worker.stop();
    }
  });

  test('without it, a worker does not listen (several share a host with an api process)', async () => {
    const worker = await startWorker({ PORT: '0' });
    try {
      assert.equal(worker.url, null);
    } finally {
      await worker.stop();
    }
  });
});
