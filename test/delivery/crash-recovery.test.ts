import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startReceiver } from './receiver.js';

const ADMIN = 'crash-test-admin-token-0123456789';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function startServer(port: number, dataDir: string): ChildProcess {
  return spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_ADMIN_TOKEN: ADMIN,
      TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
      TIDINGS_RETRY_SCHEDULE: '50ms,100ms,200ms,400ms,800ms',
      TIDINGS_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHealthy(base: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not become healthy');
}

describe('crash safety', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-crash-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('kill -9 during a burst loses no acknowledged event: after a restart the receiver gets every one', async (t) => {
    const receiver = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end(), 5));
    try {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const first = startServer(port, dataDir);
      children.push(first);
      await waitHealthy(base);
      const tenant = (await (
        await fetch(`${base}/v1/tenants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Crash Co' }),
        })
      ).json()) as { apiKey: string };
      const headers = { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' };
      const ep = await fetch(`${base}/v1/endpoints`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ url: receiver.url, format: 'native' }),
      });
      assert.equal(ep.status, 201);

      // The burst: every 201 is a promise that the receiver will get that event.
      const acknowledged: string[] = [];
      let killed = false;
      const burst = Array.from({ length: 300 }, async (_, i) => {
        const id = `crash-${i}`;
        try {
          const res = await fetch(`${base}/v1/subjects`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ workflow: 'idv-transaction', id }),
          });
          if (res.status === 201) acknowledged.push(id);
        } catch {
          // the server died mid-request: not acknowledged, no promise made
        }
      });
      // Kill once pushes are flowing, with requests still in flight.
      while (receiver.received.length < 100 && acknowledged.length < 300) await new Promise((r) => setTimeout(r, 2));
      first.kill('SIGKILL');
      killed = true;
      const pushedBeforeKill = receiver.received.length;
      await Promise.all(burst);
      t.diagnostic(`${acknowledged.length}/300 acknowledged, ${pushedBeforeKill} pushed before kill -9`);
      assert.ok(killed);
      assert.ok(acknowledged.length > 0);

      const second = startServer(port, dataDir);
      children.push(second);
      await waitHealthy(base);
      const deadline = Date.now() + 20_000;
      const missing = () => {
        const got = new Set(receiver.received.map((p) => (JSON.parse(p.body) as { subject: string }).subject));
        return acknowledged.filter((id) => !got.has(id));
      };
      while (missing().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(missing(), [], `${acknowledged.length} acknowledged`);
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    } finally {
      await receiver.close();
    }
  });
});
