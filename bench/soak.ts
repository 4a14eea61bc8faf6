/**
 * Soak: a mixed load held for minutes against one `tidings serve` process
 * (role `all`: API, dispatcher, timers), on SQLite and/or PostgreSQL.
 * Transitions arrive at a steady rate, each is pushed to a loopback receiver,
 * and a reader pages through the feed, all from processes of their own
 * (`soak-client.ts`, `push-receiver.ts`). Every `SOAK_SAMPLE_SECONDS` the
 * server's resident memory (VmRSS from /proc) is sampled beside that window's
 * answers, failures and p99.
 *
 * What it shows is drift, so the baseline is the same run's first minute:
 * RSS and p99 of the last minute against the first. Settings: SOAK_MINUTES
 * (default 3), SOAK_INGEST_RATE (transitions/s, default 200), SOAK_FEED_RATE
 * (pages/s at most for the one feed reader, default 20), SOAK_SAMPLE_SECONDS (default 10), SOAK_BACKENDS
 * (`sqlite,postgres`, default both when PostgreSQL answers).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, latencies, type Receivers, sleep, startReceivers, TRANSITION, until } from './push-kit.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('./soak-client.js', import.meta.url));

export interface SoakSettings {
  minutes: number;
  ingestRate: number;
  feedRate: number;
  sampleSeconds: number;
}

export function soakSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  return {
    minutes: Number(env.SOAK_MINUTES ?? 3),
    ingestRate: Number(env.SOAK_INGEST_RATE ?? 200),
    feedRate: Number(env.SOAK_FEED_RATE ?? 20),
    sampleSeconds: Number(env.SOAK_SAMPLE_SECONDS ?? 10),
  };
}

interface WindowFigures {
  ok: number;
  failed: number;
  p99: number;
  reasons: Record<string, number>;
}

/** One sample: the client's window, and the server's memory and the receiver's count at its end. */
export interface SoakSample {
  t: number;
  rssMb: number;
  ingest: WindowFigures;
  feed: WindowFigures;
  pushed: number;
}

export interface SoakFigures {
  backend: string;
  settings: SoakSettings;
  samples: SoakSample[];
  ingest: WindowFigures & { sent: number; p50: number };
  feed: WindowFigures & { sent: number; p50: number; pagesRead: number; eventsRead: number };
  /** `missing` counts events after the warm-up share (`latencies`); `arrived` every push received. */
  push: { arrived: number; p50: number; p99: number; missing: number; duplicates: number; drainSeconds: number };
  rss: { firstMinuteMb: number; lastMinuteMb: number; peakMb: number };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Resident memory of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function startServer(databaseUrl: string | null, dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--role', 'all'], {
    env: {
      ...process.env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      PORT: String(port),
      HOST: '127.0.0.1',
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_ADMIN_TOKEN: ADMIN,
      TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
      TIDINGS_LOG_LEVEL: 'warn',
      TIDINGS_LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`tidings serve exited ${child.exitCode}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    30_000,
    100,
  );
  return child;
}

interface ClientSample {
  t: number;
  ingest: WindowFigures;
  feed: WindowFigures;
}

interface ClientFinal {
  ingest: SoakFigures['ingest'];
  feed: SoakFigures['feed'];
  created: Record<string, number>;
  started: Record<string, number>;
}

async function api(
  base: string,
  auth: string,
  method: string,
  path: string,
  body: object,
): Promise<Record<string, string>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

/** Runs the client process, handing each sample line to `onSample`; resolves with its final line. */
function runClient(spec: object, onSample: (sample: ClientSample) => void): Promise<ClientFinal> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let rest = '';
    let final: ClientFinal | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = JSON.parse(line) as { sample?: ClientSample; final?: ClientFinal };
        if (parsed.sample) onSample(parsed.sample);
        if (parsed.final) final = parsed.final;
      }
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && final ? resolve(final) : reject(new Error(`soak client exited ${code}`)),
    );
  });
}

async function soakOne(
  backend: string,
  databaseUrl: string | null,
  settings: SoakSettings,
  receivers: Receivers,
): Promise<SoakFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-soak-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(databaseUrl, dataDir, port);
  try {
    const tenant = await api(base, `Bearer ${ADMIN}`, 'POST', '/v1/tenants', { name: 'soak' });
    const auth = `Bearer ${tenant.apiKey}`;
    await api(base, auth, 'POST', '/v1/endpoints', { url: receivers.urls[0]?.[0] });
    const paths: string[] = [];
    for (let i = 0; i < 256; i++) {
      await api(base, auth, 'POST', '/v1/subjects', { workflow: 'videoid-request', id: `soak-${i}` });
      paths.push(`/v1/subjects/soak-${i}/events`);
    }
    await until(async () => (await receivers.hits()) >= 256, 30_000, 100); // the creations' pushes
    await receivers.reset();

    const samples: SoakSample[] = [];
    const pending: Array<Promise<void>> = [];
    const final = await runClient(
      {
        origin: base,
        paths,
        body: JSON.stringify(TRANSITION),
        headers: { authorization: auth },
        ingestRate: settings.ingestRate,
        feedRate: settings.feedRate,
        durationMs: settings.minutes * 60_000,
        sampleMs: settings.sampleSeconds * 1000,
      },
      (sample) => {
        const rss = rssMb(server.pid ?? 0);
        pending.push(
          receivers.hits().then((pushed) => {
            samples.push({ t: sample.t, rssMb: rss, ingest: sample.ingest, feed: sample.feed, pushed });
          }),
        );
      },
    );
    await Promise.all(pending);
    const drainStart = Date.now();
    await until(async () => (await receivers.hits()) >= final.ingest.ok, 120_000, 200).catch(() => {});
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const push = latencies(
      { sent: final.ingest.sent, ok: final.ingest.ok, failed: final.ingest.failed, late: 0, ...final },
      await receivers.arrivals(),
    );
    const perMinute = (from: number, to: number) => samples.filter((s) => s.t > from && s.t <= to).map((s) => s.rssMb);
    const minutes = settings.minutes * 60;
    return {
      backend,
      settings,
      samples: samples.sort((a, b) => a.t - b.t),
      ingest: final.ingest,
      feed: final.feed,
      push: {
        arrived: await receivers.hits(),
        p50: push.p50,
        p99: push.p99,
        missing: push.missing,
        duplicates: await receivers.duplicates(),
        drainSeconds,
      },
      rss: {
        firstMinuteMb: Math.max(...perMinute(0, 60)),
        lastMinuteMb: Math.max(...perMinute(minutes - 60, minutes + 60)),
        peakMb: Math.max(...samples.map((s) => s.rssMb)),
      },
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The soak on each backend; `databaseUrl` null leaves PostgreSQL out. */
export async function benchSoak(opts: { databaseUrl: string | null; settings?: SoakSettings }) {
  const settings = opts.settings ?? soakSettings();
  const wanted = (process.env.SOAK_BACKENDS ?? 'sqlite,postgres').split(',');
  const receivers = await startReceivers([{ count: 1, mode: 'ok' }]);
  const figures: SoakFigures[] = [];
  try {
    if (wanted.includes('sqlite')) figures.push(await soakOne('SQLite', null, settings, receivers));
    if (wanted.includes('postgres') && opts.databaseUrl) {
      await receivers.reset();
      await sleep(100);
      figures.push(await soakOne('PostgreSQL', opts.databaseUrl, settings, receivers));
    }
  } finally {
    await receivers.close();
  }
  return { figures, table: soakTable(figures) };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const failures = (w: WindowFigures) =>
  w.failed === 0
    ? '0'
    : `${w.failed} (${Object.entries(w.reasons)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`;

export function soakTable(figures: SoakFigures[]): string[] {
  const lines: string[] = [];
  for (const f of figures) {
    const s = f.settings;
    const seconds = s.minutes * 60;
    lines.push(
      `### soak, ${f.backend} (${s.minutes} min: ${s.ingestRate} transitions/s pushed to one receiver, one feed reader at ≤ ${s.feedRate} pages/s)`,
      '',
      '| | ingest | feed pages | pushes |',
      '| --- | --- | --- | --- |',
      `| answered | ${f.ingest.ok} of ${f.ingest.sent} (${Math.round(f.ingest.ok / seconds)}/s) | ${f.feed.ok} of ${f.feed.sent}, ${f.feed.eventsRead} events | ${f.push.arrived} arrived, ${f.push.duplicates} duplicates, drained ${f.push.drainSeconds.toFixed(1)} s after the load |`,
      `| failed | ${failures(f.ingest)} | ${failures(f.feed)} | ${f.ingest.ok - f.push.arrived + f.push.duplicates} acknowledged never arrived |`,
      `| p50 / p99 ms | ${ms(f.ingest.p50)} / ${ms(f.ingest.p99)} | ${ms(f.feed.p50)} / ${ms(f.feed.p99)} | ${ms(f.push.p50)} / ${ms(f.push.p99)} (201 → arrival) |`,
      '',
      `Server RSS: first minute ${f.rss.firstMinuteMb.toFixed(0)} MB, last minute ${f.rss.lastMinuteMb.toFixed(0)} MB (× ${(f.rss.lastMinuteMb / f.rss.firstMinuteMb).toFixed(2)}), peak ${f.rss.peakMb.toFixed(0)} MB.`,
      '',
      '| t s | RSS MB | ingest ok | ingest failed | ingest p99 ms | feed ok | feed failed | feed p99 ms | pushed (total) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const x of f.samples) {
      lines.push(
        `| ${x.t} | ${x.rssMb.toFixed(0)} | ${x.ingest.ok} | ${x.ingest.failed} | ${ms(x.ingest.p99)} | ${x.feed.ok} | ${x.feed.failed} | ${ms(x.feed.p99)} | ${x.pushed} |`,
      );
    }
    lines.push('');
  }
  return lines;
}
