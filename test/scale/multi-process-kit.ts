import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real `tidings serve` processes (`dist/src/cli/main.js`, so build first) on
 * one PostgreSQL database: `--role api` children that listen and `--role
 * worker` children that push. Used by `multi-process-delivery.test.ts` and the
 * latency/throughput script `multi-process-measure.ts`.
 */

export const ADMIN = 'multi-process-admin-token-0123456789';

/** How long a child may take to start: generous, the test machines are shared. */
const STARTUP_MS = 60_000;

/** A workflow whose subjects take any number of `ticket-noted` events (per-subject order checks). */
const TICKET_YAML = `
name: ticket
title: Ticket
description: test workflow
states: [open, closed]
terminalStates: [closed]
initial:
  - type: ticket-opened
    to: open
transitions:
  - type: ticket-noted
    from: [open]
    to: open
  - type: ticket-closed
    from: [open]
    to: closed
`;

export interface ServeChild {
  role: 'api' | 'worker';
  process: ChildProcess;
  /** pino JSON lines the child wrote to stdout (info and above for workers). */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export class Cluster {
  readonly children: ServeChild[] = [];
  readonly base: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tidings-multi-'));
  private readonly workflowFile = join(this.dir, 'ticket.yaml');

  constructor(
    private readonly databaseUrl: string,
    private readonly port: number,
    private readonly extraEnv: Record<string, string> = {},
    /** The CLI to run (another build, e.g. for before/after measurements). */
    private readonly cli = 'dist/src/cli/main.js',
  ) {
    this.base = `http://127.0.0.1:${port}`;
    writeFileSync(this.workflowFile, TICKET_YAML);
  }

  spawn(role: 'api' | 'worker', env: Record<string, string> = {}): ServeChild {
    const child = spawn(process.execPath, [this.cli, 'serve', '--role', role], {
      env: {
        ...process.env,
        DATABASE_URL: this.databaseUrl,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        TIDINGS_DATA_DIR: this.dir,
        TIDINGS_ADMIN_TOKEN: ADMIN,
        TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
        TIDINGS_RETRY_SCHEDULE: '50ms,100ms,200ms,400ms,800ms',
        TIDINGS_WORKFLOW_FILES: this.workflowFile,
        TIDINGS_LOG_LEVEL: role === 'worker' ? 'info' : 'error',
        ...this.extraEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const logs: Array<Record<string, unknown>> = [];
    let rest = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
    });
    const exited = new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
    const entry = { role, process: child, logs, exited };
    this.children.push(entry);
    return entry;
  }

  async startApi(): Promise<ServeChild> {
    const child = this.spawn('api');
    // A start (module load, migrations) took 26-28 s at a load average of 24 on 2 cores, main's build too.
    const deadline = Date.now() + STARTUP_MS;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.base}/healthz`)).ok) return child;
      } catch {
        // not listening yet
      }
      if (child.process.exitCode !== null) throw new Error(`api exited with ${child.process.exitCode}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('api did not become healthy');
  }

  /** Starts a worker and waits until it runs its jobs (and, unless told otherwise, LISTENs). */
  async startWorker(env: Record<string, string> = {}, waitFor = 'listening for commits'): Promise<ServeChild> {
    const child = this.spawn('worker', env);
    await waitForLog(child, waitFor);
    return child;
  }

  /** SIGTERM (graceful drain) and wait for the exit. */
  async stop(child: ServeChild): Promise<void> {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
    await child.exited;
  }

  /** Teardown: SIGKILL whatever still runs, remove the temp folder. */
  async destroy(): Promise<void> {
    for (const c of this.children) {
      if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
    }
    await Promise.all(this.children.map((c) => c.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A tenant with an endpoint to `url`; returns the tenant's request headers. */
  async tenantWithEndpoint(url: string, endpoint: Record<string, unknown> = {}) {
    const res = await fetch(`${this.base}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Multi Co' }),
    });
    if (res.status !== 201) throw new Error(`tenant: ${res.status} ${await res.text()}`);
    const { apiKey } = (await res.json()) as { apiKey: string };
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const ep = await fetch(`${this.base}/v1/endpoints`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url, format: 'native', ...endpoint }),
    });
    if (ep.status !== 201) throw new Error(`endpoint: ${ep.status} ${await ep.text()}`);
    return headers;
  }
}

export async function waitForLog(
  child: ServeChild,
  msg: string,
  timeoutMs = STARTUP_MS,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = child.logs.find((l) => l.msg === msg);
    if (line) return line;
    if (child.process.exitCode !== null) throw new Error(`${child.role} exited with ${child.process.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${child.role} did not log "${msg}"`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Posts a transition; returns the status (0 when the request itself failed). */
export async function post(base: string, headers: Record<string, string>, path: string, body: object): Promise<number> {
  try {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** What a worker reported pushing when it stopped (`push dispatcher stopped` log line). */
export function attemptsOf(child: ServeChild): Record<string, number> {
  const line = child.logs.find((l) => l.msg === 'push dispatcher stopped');
  return (line?.attempts as Record<string, number> | undefined) ?? {};
}
