import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { operational } from '../../src/workflows/builtin/operational.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { eventually, FAST_DISPATCH, ticket } from './delivery-kit.js';
import { startReceiver } from './receiver.js';

/**
 * Operational events survive a crash between their cause and themselves, on
 * both backends: a process (`operational-crash-child.ts`) records a push's
 * 410 Gone (the dead letter, the endpoint disabled) and is killed with
 * SIGKILL before anything records their events; the next process on the same
 * database records them from the intents the causes left, and pushes them.
 * And `tidings keys rotate`, a process that never records operational
 * events, leaves its `signing-key.rotated` to the running server.
 */
const backends = await testBackends();
after(() => dropBackends(backends));
const registry = createWorkflowRegistry([...BUILTIN_WORKFLOWS, operational, ticket]);
const here = dirname(fileURLToPath(import.meta.url));
const mainJs = join(here, '..', '..', 'src', 'cli', 'main.js');

type CloudEvent = { subject: string; eventtype: string; data: { data: Record<string, unknown> } };

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise<{ out: string; code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ out, code, signal })),
  );
}

for (const backend of backends) {
  describe(`operational events across a crash (${backend.name})`, { skip: backend.skip }, () => {
    const closers: Array<{ close(): Promise<void> }> = [];
    after(async () => {
      for (const c of closers.reverse()) await c.close();
    });

    test('kill -9 after the causes are committed: the next process records and pushes their events', async () => {
      const gone = await startReceiver((_req, res) => res.writeHead(410).end());
      const ops = await startReceiver();
      closers.push(gone, ops);
      const dataDir = mkdtempSync(join(tmpdir(), 'tidings-ops-crash-'));
      const child = await run(
        [join(here, 'operational-crash-child.js'), dataDir, JSON.stringify(backend.env), gone.url, ops.url],
        process.env,
      );
      assert.equal(child.signal, 'SIGKILL', `the child died by SIGKILL (exit ${child.code})`);
      const { tenantId, endpointId } = JSON.parse(child.out) as { tenantId: string; endpointId: string };

      const t: TestApp = await startTestApp(backend.env, { registry, delivery: FAST_DISPATCH }, dataDir);
      closers.push(t);
      // the crash came between the causes and their events: the causes are there, the events are not
      const endpoint = await t.runtime.push.deliveries.getEndpoint(tenantId, endpointId);
      assert.equal(endpoint?.enabled, false);
      const types = async () => (await t.runtime.store.listEvents(tenantId, { limit: 100 })).map((e) => e.type);
      assert.deepEqual(await types(), ['ticket-opened']);
      assert.deepEqual(
        (await t.runtime.pull.storage.intents.oldest(10)).map((i) => i.type),
        ['delivery.dead-lettered', 'endpoint.disabled'],
      );
      assert.equal(ops.received.length, 0);

      t.runtime.startWorkers();
      await eventually(async () => (await types()).length === 3, 20_000);
      assert.deepEqual(await types(), ['ticket-opened', 'delivery.dead-lettered', 'endpoint.disabled']);
      // an intent is deleted after its event commits (`OperationalEvents.drain`): the last one a moment later
      await eventually(async () => (await t.runtime.pull.storage.intents.oldest(10)).length === 0, 5_000);
      await eventually(() => ops.received.length === 2, 20_000);
      // pushed concurrently (no ordering asked): compared in type order
      const pushed = ops.received
        .map((r) => JSON.parse(r.body) as CloudEvent)
        .sort((a, b) => a.eventtype.localeCompare(b.eventtype));
      assert.deepEqual(
        pushed.map((e) => [e.eventtype, e.subject]),
        [
          ['delivery.dead-lettered', `endpoint.${endpointId}`],
          ['endpoint.disabled', `endpoint.${endpointId}`],
        ],
      );
      assert.equal(pushed[1]?.data.data.reason, 'endpoint answered 410 Gone');
    });

    test('tidings keys rotate, in a process of its own, gets its signing-key.rotated recorded by the server', async () => {
      const ops = await startReceiver();
      closers.push(ops);
      const t = await startTestApp(backend.env, { registry, delivery: FAST_DISPATCH });
      closers.push(t);
      t.runtime.startWorkers();
      const { auth } = await t.tenant();
      const created = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/endpoints',
        headers: auth,
        payload: { url: ops.url, eventTypes: ['signing-key.rotated'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      await t.runtime.pull.keys.activeKey('default');

      const { DATABASE_URL: _inherited, ...inherited } = process.env; // the backend's, or none: SQLite
      const cli = await run([mainJs, 'keys', 'rotate', 'default'], {
        ...inherited,
        TIDINGS_DATA_DIR: t.dataDir,
        TIDINGS_LOG_LEVEL: 'silent',
        ...backend.env,
      });
      assert.equal(cli.code, 0, cli.out);
      const kid = /new default key (\S+)/.exec(cli.out)?.[1];
      assert.ok(kid, cli.out);
      await eventually(() => ops.received.length === 1, 20_000);
      const event = JSON.parse(ops.received[0]?.body ?? '{}') as CloudEvent;
      assert.equal(event.eventtype, 'signing-key.rotated');
      assert.equal(event.data.data.kid, kid);
    });
  });
}
