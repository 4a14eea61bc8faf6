import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/config.js';
import { otelTracing } from '../../src/observability/otel-tracing.js';
import { startReceiver } from '../delivery/receiver.js';
import { BROKERS, brokersSkip } from '../helpers/brokers.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function parse(traceparent: string | string[] | undefined): { traceId: string; spanId: string } {
  const match = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  assert.ok(match, `a W3C traceparent (got ${String(traceparent)})`);
  return { traceId: match[1] as string, spanId: match[2] as string };
}

/** Starts a listening runtime (real HTTP) with the given tracing; returns its base URL. */
async function listening(env: Record<string, string>, tracing: ReturnType<typeof otelTracing> | null) {
  const port = await freePort();
  const t = await startTestApp({ ...env, PORT: String(port) }, { tracing, delivery: { pollIntervalMs: 50 } });
  await t.runtime.app.listen({ port, host: '127.0.0.1' });
  t.runtime.startWorkers();
  return { t, base: `http://127.0.0.1:${port}` };
}

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`OpenTelemetry traces from ingest to the receiver (${backend.name})`, { skip: backend.skip }, () => {
    const exporter = new InMemorySpanExporter();
    let t: TestApp;
    let base: string;
    let auth: { authorization: string };
    let tenantId: string;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    before(async () => {
      receiver = await startReceiver((_req, res) => res.writeHead(204).end());
      ({ t, base } = await listening(backend.env, otelTracing({ serviceName: 'tidings-test', exporter })));
      ({ auth, id: tenantId } = await t.tenant('Traced'));
      const created = await fetch(`${base}/v1/endpoints`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, workflows: ['image-check'] }),
      });
      assert.equal(created.status, 201, await created.text());
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    const spansOf = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

    /** Creates an image check over real HTTP; returns the pushed request's traceparent. */
    async function ingest(id: string, headers: Record<string, string> = {}) {
      const count = receiver.received.length;
      const res = await fetch(`${base}/v1/subjects`, {
        method: 'POST',
        headers: { ...auth, ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ workflow: 'image-check', id, attributes: { ImageType: 'Gallery' } }),
      });
      assert.equal(res.status, 201, await res.text());
      const [pushed] = (await receiver.waitFor(count + 1, 20_000)).slice(count);
      return pushed?.headers.traceparent;
    }

    /** Waits for the attempt span (it ends after the receiver answered). */
    async function attemptSpan(traceId: string): Promise<ReadableSpan> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const span = spansOf(traceId).find((s) => s.name === 'tidings.delivery.attempt');
        if (span) return span;
        if (Date.now() > deadline) throw new Error('no attempt span');
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    test("the caller's traceparent, the request, the commit and the attempt are one trace that reaches the receiver", async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const callerSpan = '00f067aa0ba902b7';
      const pushed = parse(await ingest('traced-1', { traceparent: `00-${traceId}-${callerSpan}-01` }));
      assert.equal(pushed.traceId, traceId, 'the push continues the caller trace');

      const attempt = await attemptSpan(traceId);
      const spans = spansOf(traceId);
      const server = spans.find((s) => s.name === 'POST /v1/subjects');
      const commit = spans.find((s) => s.name === 'tidings.commit');
      assert.ok(server && commit, spans.map((s) => s.name).join(', '));
      assert.equal(parentOf(server), callerSpan);
      assert.equal(parentOf(commit), server.spanContext().spanId);
      assert.equal(parentOf(attempt), commit.spanContext().spanId);
      assert.equal(pushed.spanId, attempt.spanContext().spanId, "the receiver's parent is the attempt span");
      assert.equal(attempt.attributes['http.response.status_code'], 204);
      assert.equal(attempt.attributes['tidings.outcome'], 'succeeded');
      assert.equal(server.attributes['http.response.status_code'], 201);
      // the commit's context is stored with the event (both backends), which is how the worker found it
      const [event] = await t.runtime.store.listEvents(tenantId, { subjectId: 'traced-1', limit: 1 });
      assert.equal(event?.traceparent, `00-${traceId}-${commit.spanContext().spanId}-01`);
    });

    test('without a traceparent (or with a malformed one) the request starts a trace of its own', async () => {
      for (const [id, headers] of [
        ['traced-2', {}],
        ['traced-3', { traceparent: '00-not-a-trace-at-all-01' }],
      ] as const) {
        const pushed = parse(await ingest(id, headers));
        const attempt = await attemptSpan(pushed.traceId);
        const names = spansOf(pushed.traceId).map((s) => s.name);
        assert.ok(names.includes('POST /v1/subjects') && names.includes('tidings.commit'), names.join(', '));
        const server = spansOf(pushed.traceId).find((s) => s.name === 'POST /v1/subjects');
        assert.equal(parentOf(server as ReadableSpan), undefined, 'a root span');
        assert.equal(pushed.spanId, attempt.spanContext().spanId);
      }
    });

    test('a broker push carries the traceparent among its message headers (Redis stream fields)', async (ctx) => {
      const skip = await brokersSkip('redis');
      if (skip) return ctx.skip(skip);
      const redis = new Redis(6379, '127.0.0.1');
      const stream = `tidings-trace-${Date.now()}`;
      try {
        const created = await fetch(`${base}/v1/endpoints`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'redis-stream',
            url: BROKERS.redis.url,
            destination: { stream, maxLen: 100 },
            workflows: ['image-check'],
          }),
        });
        assert.equal(created.status, 201, await created.text());
        const traceId = 'aaf92f3577b34da6a3ce929d0e0e4736';
        await ingest('traced-broker', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
        const deadline = Date.now() + 20_000;
        let fields: Record<string, string> = {};
        while (Date.now() < deadline) {
          const entries = await redis.xrange(stream, '-', '+');
          if (entries.length > 0) {
            const flat = (entries[0] as [string, string[]])[1];
            fields = Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, String(flat[i + 1])]] : [])));
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(parse(fields.traceparent).traceId, traceId);
      } finally {
        await redis.del(stream);
        redis.disconnect();
      }
    });
  });

  describe(`tracing off (${backend.name})`, { skip: backend.skip }, () => {
    test('no span, no stored context, and pushes carry no traceparent even when the caller sent one', async () => {
      const receiver = await startReceiver();
      const { t, base } = await listening(backend.env, null);
      try {
        const { auth, id: tenantId } = await t.tenant('Untraced');
        const headers = { ...auth, 'content-type': 'application/json' };
        await fetch(`${base}/v1/endpoints`, { method: 'POST', headers, body: JSON.stringify({ url: receiver.url }) });
        const res = await fetch(`${base}/v1/subjects`, {
          method: 'POST',
          headers: { ...headers, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
          body: JSON.stringify({ workflow: 'image-check', id: 'plain', attributes: { ImageType: 'Gallery' } }),
        });
        assert.equal(res.status, 201);
        const [pushed] = await receiver.waitFor(1, 20_000);
        assert.equal(pushed?.headers.traceparent, undefined);
        const events = await t.runtime.store.listEvents(tenantId, { afterSequence: 0, limit: 10 });
        assert.equal(events[0]?.traceparent, undefined);
      } finally {
        await receiver.close();
        await t.close();
      }
    });
  });
}

describe('the OTLP exporter', () => {
  test('is off by default, and on with OTEL_EXPORTER_OTLP_ENDPOINT: spans reach the collector as OTLP/HTTP', async () => {
    const off = await startTestApp();
    try {
      assert.equal(off.runtime.tracing, null);
    } finally {
      await off.close();
    }
    const collector = await startReceiver((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    );
    const on = await startTestApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}/`,
      OTEL_SERVICE_NAME: 'tidings-otlp',
    });
    try {
      assert.notEqual(on.runtime.tracing, null);
      const { auth } = await on.tenant('Exported');
      const res = await on.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'image-check', id: 'exported', attributes: { ImageType: 'Gallery' } },
      });
      assert.equal(res.statusCode, 201);
    } finally {
      await on.close(); // shutdown flushes the batch
    }
    const [request] = await collector.waitFor(1, 20_000);
    await collector.close();
    assert.ok(request && request.body.length > 0);
    assert.match(String(request.headers['content-type']), /application\/(json|x-protobuf)/);
  });

  test('a malformed OTEL_EXPORTER_OTLP_ENDPOINT is a configuration error', () => {
    assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /otlpEndpoint must be an http/);
  });
});
