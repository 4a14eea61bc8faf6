/**
 * Tracing: what OpenTelemetry costs, in the same build, tracing off and on.
 * One default process (role all, SQLite) takes transitions from 64 clients
 * in a separate process and pushes each to one loopback receiver; figures:
 * transitions/s answered 201, and pushes/s the receiver got in the same
 * window. "on" exports every span over OTLP/HTTP (batched) to a sink in this
 * process that answers 200. Off and on alternate, `repeats` times each, and
 * the medians are compared. Tracing off against the build without tracing is
 * `bench/side-by-side.mjs` with BENCH_ONLY=ingest (results in RESULTS.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { createRuntime } from '../src/server/create-runtime.js';
import { runLoad } from './run-load.js';
import { median } from './stats.js';

const CONCURRENCY = 64;
const BODY = JSON.stringify({ type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE', data: { note: 'x'.repeat(200) } });

interface TracingFigures {
  label: string;
  transitions: number;
  pushes: number;
  p99: number;
}

/** An HTTP server that counts requests and answers 200 at once (the receiver, and the OTLP sink). */
async function counter(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function once(tracing: boolean, durationMs: number): Promise<TracingFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-'));
  const receiver = await counter();
  const sink = await counter();
  const config = loadConfig({
    TIDINGS_DATA_DIR: dataDir,
    TIDINGS_ADMIN_TOKEN: 'bench',
    TIDINGS_LOG_LEVEL: 'silent',
    TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
    ...(tracing ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}),
  });
  const runtime = await createRuntime(config);
  try {
    const origin = await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    runtime.startWorkers();
    const tenant = await runtime.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: 'Bearer bench' },
      payload: { name: 'bench' },
    });
    const auth = { authorization: `Bearer ${tenant.json().apiKey}` };
    await runtime.app.inject({
      method: 'POST',
      url: '/v1/endpoints',
      headers: auth,
      payload: { url: `${receiver.url}/hook`, eventTypes: ['VIDEOID_UPDATED'] },
    });
    const paths: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const id = `bench-${i}`;
      await runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'videoid-request', id },
      });
      await runtime.app.inject({
        method: 'POST',
        url: `/v1/subjects/${id}/events`,
        headers: auth,
        payload: { type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE' },
      });
      paths.push(`/v1/subjects/${id}/events`);
    }
    const before = receiver.count();
    const r = await runLoad({ origin, paths, body: BODY, headers: auth, concurrency: CONCURRENCY, durationMs });
    const pushed = receiver.count() - before;
    return {
      label: tracing ? 'tracing on (OTLP/HTTP export)' : 'tracing off',
      transitions: r.ok / r.seconds,
      pushes: pushed / r.seconds,
      p99: r.p99,
    };
  } finally {
    await runtime.close();
    await receiver.close();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Off and on alternately, `repeats` times each; medians, and each figure as a ratio to "off". */
export async function benchTracing(opts: { repeats: number; durationMs: number }) {
  const runs: Record<string, TracingFigures[]> = {};
  for (let i = 0; i < opts.repeats; i++) {
    for (const on of i % 2 === 0 ? [false, true] : [true, false]) {
      const f = await once(on, opts.durationMs);
      runs[f.label] ??= [];
      runs[f.label]?.push(f);
    }
  }
  const rows = Object.values(runs).map((list) => ({
    label: list[0]?.label ?? '',
    transitions: median(list.map((f) => f.transitions)),
    pushes: median(list.map((f) => f.pushes)),
    p99: median(list.map((f) => f.p99)),
    runs: list.map((f) => `${Math.round(f.transitions)}/${Math.round(f.pushes)}`),
  }));
  const off = rows.find((r) => r.label === 'tracing off');
  const table = [
    '### tracing (role all, SQLite, 64 clients, one receiver)',
    '',
    '| configuration | transitions/s | × off | pushes/s | × off | p99 ms | runs (transitions/pushes) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${Math.round(r.transitions)} | ${(r.transitions / (off?.transitions ?? 1)).toFixed(2)} | ${Math.round(r.pushes)} | ${(r.pushes / (off?.pushes ?? 1)).toFixed(2)} | ${r.p99.toFixed(1)} | ${r.runs.join(', ')} |`,
    ),
    '',
  ];
  return { figures: rows, table };
}
