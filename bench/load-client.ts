/**
 * A load generator run as its own process (so it does not share the server's
 * core): `concurrency` clients POST in a closed loop for `durationMs` and the
 * process prints one JSON line `{ok, failed, seconds, p50, p99, startedAt, cpuSeconds}`
 * (`startedAt`: `performance.timeOrigin + performance.now()` of the first request, comparable across processes;
 * `cpuSeconds`: this process's CPU while the load ran, for the benches' CPU accounting).
 * Each client POSTs to its own URL from `urls` (round robin), so writers of
 * one subject never race each other.
 */
import { Pool } from 'undici';

interface LoadSpec {
  origin: string;
  paths: string[];
  body: string;
  headers: Record<string, string>;
  concurrency: number;
  durationMs: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1 });
const latencies: number[] = [];
let ok = 0;
let failed = 0;
const deadline = performance.now() + spec.durationMs;

async function client(index: number): Promise<void> {
  const path = spec.paths[index % spec.paths.length] ?? '/';
  while (performance.now() < deadline) {
    const start = performance.now();
    const res = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...spec.headers },
      body: spec.body,
    });
    await res.body.dump();
    if (res.statusCode === 201) {
      ok += 1;
      latencies.push(performance.now() - start);
    } else failed += 1;
  }
}

const started = performance.now();
const startedAt = performance.timeOrigin + started;
const cpuAtStart = process.cpuUsage();
await Promise.all(Array.from({ length: spec.concurrency }, (_, i) => client(i)));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await pool.close();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ ok, failed, seconds, p50: at(0.5), p99: at(0.99), startedAt, cpuSeconds })}\n`,
);
