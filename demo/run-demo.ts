/**
 * `npm run demo`: Tidings on a temporary SQLite directory, an integrator built
 * on @tidings/sdk receiving one endpoint per seed system, and one subject of
 * each seed system walked through its life, told as it happens. Stays up
 * until Ctrl-C so a person can look around; `--exit` ends after the story
 * (exit 1 when a push or SET failed to verify), which is how the tests run it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CloudEvent, feed, memoryCursorStore } from '@tidings/sdk';
import { loadConfig } from '../src/config/config.js';
import { createRuntime } from '../src/server/create-runtime.js';
import { demoClock } from './demo-clock.js';
import { startDemoReceiver } from './demo-receiver.js';
import { tellStory } from './demo-story.js';

const { values } = parseArgs({
  options: { exit: { type: 'boolean' }, port: { type: 'string' } },
  strict: true,
});
const say = (line = '') => process.stdout.write(`${line}\n`);

const dataDir = mkdtempSync(join(tmpdir(), 'tidings-demo-'));
const adminToken = randomUUID();
const STORY_DAYS_AGO = 14;
const clock = demoClock(-(STORY_DAYS_AGO * 86_400_000 + 1000));
const config = loadConfig({
  TIDINGS_DATA_DIR: dataDir,
  TIDINGS_LOG_LEVEL: 'silent',
  TIDINGS_ALLOW_INSECURE_ENDPOINTS: '1',
  TIDINGS_ADMIN_TOKEN: adminToken,
  TIDINGS_RETRY_SCHEDULE: '2s,10s,1m',
  TIDINGS_TIMER_INTERVAL: '200ms',
  PORT: values.port ?? '0',
});
const runtime = await createRuntime(config, { clock: clock.now });
await runtime.app.listen({ port: config.port, host: '127.0.0.1' });
runtime.startWorkers();
const url = `http://127.0.0.1:${(runtime.app.server.address() as AddressInfo).port}`;

const tenantRes = await fetch(`${url}/v1/tenants`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'Demo Trust Services' }),
});
const tenant = (await tenantRes.json()) as { id: string; apiKey: string };

say(`Tidings is up at ${url} (SQLite in ${dataDir}); tenant "Demo Trust Services" created.`);
say('An integrator built on @tidings/sdk receives one endpoint per seed system and verifies every push.');
say(`The story starts ${STORY_DAYS_AGO} days ago on the demo's clock, which jumps to now in part 3.`);

// The SDK's feed consumer follows the tenant's events; the story waits on it to know what each step caused.
const stopFeed = new AbortController();
const seen: CloudEvent[] = [];
const following = (async () => {
  for await (const event of feed({
    url,
    apiKey: tenant.apiKey,
    cursorStore: memoryCursorStore(),
    pollIntervalMs: 100,
    signal: stopFeed.signal,
  })) {
    seen.push(event);
  }
})();

let outcome: { ok: boolean; close(): Promise<void> } = { ok: false, close: async () => {} };
try {
  outcome = await tellStory({ url, apiKey: tenant.apiKey, clock, seen, say, startReceiver: startDemoReceiver });
} catch (error) {
  say(`the demo stopped: ${(error as Error).message}`);
}

async function shutDown(code: number) {
  stopFeed.abort();
  await following.catch(() => undefined);
  await outcome.close();
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}

if (values.exit) await shutDown(outcome.ok ? 0 : 1);
say();
say(`Tidings keeps running at ${url} (API docs: ${url}/docs). Look around:`);
say(`  export TIDINGS_URL=${url} TIDINGS_API_KEY=${tenant.apiKey}`);
say('  npx tidings events tail');
say('  npx tidings subjects show sub-2026-001');
say('  npx tidings listen --forward-to http://localhost:3000/hooks');
say('Ctrl-C stops it and deletes the temporary data.');
process.once('SIGINT', () => void shutDown(0));
process.once('SIGTERM', () => void shutDown(0));
