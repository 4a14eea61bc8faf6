/**
 * The default process under a real mix (issue 17): `npm start` (`tidings
 * serve`, SQLite, every default) as its own process, one endpoint, and 64
 * clients posting transitions for `BENCH_SECONDS` while the pushes go out.
 * The figure is end to end: deliveries received divided by the time from the
 * first request to the last receipt. Beside it, the same process with no
 * endpoint (ingest alone) in the same run, the ingest rate while pushing,
 * and the CPU the Tidings process spent per delivery (SQLite lives in it),
 * with, apart, what the load client and the receiver spent: on a machine of
 * a few cores, theirs bounds the mix as much as Tidings' own.
 *
 * `MIXED_PROFILE=dir` runs the server with `--cpu-prof --cpu-prof-dir=dir`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage, processes, startCpuMeter } from './cpu-accounting.js';
import { ADMIN, type Receivers, startReceivers, stopChild, TRANSITION, until } from './push-kit.js';
import { runLoad } from './run-load.js';
import { median } from './stats.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CLIENTS = 64;

export interface MixedRun {
  /** Deliveries/s, first request to last receipt (NaN without an endpoint). */
  endToEnd: number;
  /** Transitions/s answered 201 while the load ran. */
  ingest: number;
  deliveries: number;
  failed: number;
  p99: number;
  /** CPU ms of the Tidings process per transition accepted. */
  cpuMsPerEvent: number;
  /** CPU ms of the load client (its own process, `load-client.ts`) and the receiver per transition accepted. */
  harnessMsPerEvent: number;
  load: number;
}

/**
 * `tidings serve` as `npm start` runs it, or as `cli` does (another build's
 * `dist/src/cli/main.js`, which may lead with node flags); resolves with its
 * origin once its log says it started.
 */
async function startServer(dataDir: string, env: Record<string, string>, cli = CLI) {
  const profile = process.env.MIXED_PROFILE;
  const program = cli.split(' ').filter((a) => a !== '');
  const args = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), ...program, 'serve'];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_ADMIN_TOKEN: ADMIN,
      TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('tidings serve did not start within 120 s')), 120_000);
    child.stdout?.on('data', (chunk) => {
      if (out.length < 100_000) out += chunk;
      const line = out.split('\n').find((l) => l.includes('tidings started'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tidings serve exited ${code}: ${out.slice(-500)}`));
    });
  });
  return { child, origin: origin.replace(/\/$/, '') };
}

async function call(origin: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${origin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** One run: a fresh data directory and server, 64 subjects, an endpoint (or none), the load, the drain. */
export async function mixedRun(opts: {
  receivers: Receivers;
  url: string | null;
  durationMs: number;
  env?: Record<string, string>;
  /** Another build's CLI (`MIXED_BASELINE`); this build's by default. */
  cli?: string;
}): Promise<MixedRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-mixed-bench-'));
  const { child, origin } = await startServer(dataDir, opts.env ?? {}, opts.cli);
  try {
    const tenant = await call(origin, '/v1/tenants', { authorization: `Bearer ${ADMIN}` }, { name: 'bench' });
    const auth = { authorization: `Bearer ${tenant.apiKey as string}` };
    await call(origin, '/.well-known/jwks.json', {}); // the first signing keys are made at start: wait for them
    const paths: string[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      await call(origin, '/v1/subjects', auth, { workflow: 'videoid-request', id: `bench-${i}` });
      paths.push(`/v1/subjects/bench-${i}/events`);
    }
    if (opts.url) {
      await call(origin, '/v1/endpoints', auth, { url: opts.url });
      // warm up: one push per subject, then a quiet receiver
      for (const path of paths) await call(origin, path, auth, TRANSITION);
      await until(async () => (await opts.receivers.hits()) >= CLIENTS, 120_000, 20);
    }
    await opts.receivers.reset();
    if (process.env.MIXED_IDLE_CHECK) {
      const idle = startCpuMeter([processes('tidings serve', [child.pid ?? 0])]);
      await new Promise((r) => setTimeout(r, 2000));
      process.stderr.write(`mixed: server CPU while idle: ${(idle.stop().seconds * 500).toFixed(0)} ms/s\n`);
    }
    const load = loadAverage();
    const meter = startCpuMeter([
      processes('tidings serve', [child.pid ?? 0]),
      processes('receiver', [opts.receivers.pid]),
    ]);
    const r = await runLoad({
      origin,
      paths,
      body: JSON.stringify(TRANSITION),
      headers: auth,
      concurrency: CLIENTS,
      durationMs: opts.durationMs,
    });
    let endToEnd = Number.NaN;
    if (opts.url) {
      await until(async () => (await opts.receivers.hits()) >= r.ok, 120_000, 20);
      endToEnd = (r.ok / ((await opts.receivers.last()) - r.startedAt)) * 1000;
    }
    const cpu = meter.stop();
    const secondsOf = (group: string) => cpu.groups.find((g) => g.name === group)?.seconds ?? 0;
    const perEvent = (seconds: number) => (1000 * seconds) / Math.max(1, r.ok);
    return {
      endToEnd,
      ingest: r.ok / r.seconds,
      deliveries: opts.url ? r.ok : 0,
      failed: r.failed,
      p99: r.p99,
      cpuMsPerEvent: perEvent(secondsOf('tidings serve')),
      harnessMsPerEvent: perEvent(r.cpuSeconds + secondsOf('receiver')),
      load,
    };
  } finally {
    await stopChild(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface MixedRow {
  label: string;
  endToEnd: number;
  ingest: number;
  cpuMsPerEvent: number;
  harnessMsPerEvent: number;
  p99: number;
  failed: number;
  runs: MixedRun[];
}

/** `configs`: label → server environment (on top of the defaults). Each runs with and without an endpoint, interleaved. */
export async function benchMixed(opts: {
  repeats: number;
  durationMs: number;
  configs?: Array<{ label: string; env: Record<string, string>; cli?: string }>;
}): Promise<MixedRow[]> {
  // MIXED_BASELINE: other builds' CLIs, comma-separated, each run interleaved with this build
  const baselines = (process.env.MIXED_BASELINE ?? '').split(',').filter((b) => b !== '');
  // MIXED_ENV: this build with other settings, `label:NAME=value NAME=value;label:...`
  const settings = (process.env.MIXED_ENV ?? '')
    .split(';')
    .filter((c) => c.includes(':'))
    .map((c) => {
      const [label, pairs] = [c.slice(0, c.indexOf(':')), c.slice(c.indexOf(':') + 1)];
      const env = Object.fromEntries(
        pairs
          .split(' ')
          .filter((p) => p.includes('='))
          .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
      );
      return { label: `this build, ${label}`, env };
    });
  const configs: Array<{ label: string; env: Record<string, string>; cli?: string }> = opts.configs ?? [
    ...baselines.map((cli) => ({ label: `baseline build (${cli})`, env: {}, cli })),
    ...settings,
    { label: 'npm start (defaults)', env: {} },
  ];
  const receivers = await startReceivers([{ count: 1, mode: 'ok' }]);
  const url = receivers.urls[0]?.[0] as string;
  const runs = new Map<string, MixedRun[]>();
  const add = (label: string, run: MixedRun) => {
    if (!runs.has(label)) runs.set(label, []);
    runs.get(label)?.push(run);
  };
  try {
    for (let i = 0; i < opts.repeats; i++) {
      for (const c of configs) {
        const base = { receivers, durationMs: opts.durationMs, env: c.env, ...(c.cli ? { cli: c.cli } : {}) };
        add(`${c.label}, no endpoint (ingest alone)`, await mixedRun({ ...base, url: null }));
        add(`${c.label}, one endpoint (ingest + push)`, await mixedRun({ ...base, url }));
      }
    }
  } finally {
    await receivers.close();
  }
  return [...runs.entries()].map(([label, list]) => ({
    label,
    endToEnd: median(list.map((r) => r.endToEnd)),
    ingest: median(list.map((r) => r.ingest)),
    cpuMsPerEvent: median(list.map((r) => r.cpuMsPerEvent)),
    harnessMsPerEvent: median(list.map((r) => r.harnessMsPerEvent)),
    p99: median(list.map((r) => r.p99)),
    failed: list.reduce((n, r) => n + r.failed, 0),
    runs: list,
  }));
}

export function mixedTable(rows: MixedRow[]): string[] {
  const n = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : '—');
  return [
    `### the default process under a real mix (npm start on SQLite, ${CLIENTS} clients posting transitions, one receiver)`,
    '',
    '| configuration | deliveries/s end to end | transitions/s accepted | ingest p99 ms | CPU ms per event (Tidings process) | CPU ms per event (load client + receiver) | failed | runs (e2e / ingest / CPU ms) | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${n(r.endToEnd)} | ${n(r.ingest)} | ${r.p99.toFixed(1)} | ${r.cpuMsPerEvent.toFixed(3)} | ${r.harnessMsPerEvent.toFixed(3)} | ${r.failed} | ${r.runs.map((x) => `${n(x.endToEnd)} / ${n(x.ingest)} / ${x.cpuMsPerEvent.toFixed(3)}`).join('; ')} | ${r.runs.map((x) => x.load.toFixed(1)).join(', ')} |`,
    ),
    '',
  ];
}
