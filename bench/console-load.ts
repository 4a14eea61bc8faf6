/**
 * Console load bench (not a timed test): cold first load of the console and
 * the subject page of a subject with 1,000 events, in Debian's Chromium over
 * loopback, and the compressed JavaScript bytes the first load ships.
 *
 *   npm run build && node dist/bench/console-load.js
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config/config.js';
import { CONSOLE_DIST } from '../src/http/routes/console-routes.js';
import { createRuntime } from '../src/server/create-runtime.js';

if (!existsSync('/usr/bin/chromium'))
  throw new Error('the console bench needs /usr/bin/chromium (apt-get install -y chromium)');

const EVENTS = 1000;
const ADMIN = 'bench-admin-token-0123456789';

const dataDir = mkdtempSync(join(tmpdir(), 'tidings-console-bench-'));
const runtime = await createRuntime(
  loadConfig({ TIDINGS_DATA_DIR: dataDir, TIDINGS_ADMIN_TOKEN: ADMIN, TIDINGS_LOG_LEVEL: 'silent' }),
);
await runtime.app.listen({ port: 0, host: '127.0.0.1' });
const address = runtime.app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const tenant = (
  await runtime.app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { name: 'Bench' },
  })
).json() as { apiKey: string };
const auth = { authorization: `Bearer ${tenant.apiKey}` };
await runtime.app.inject({
  method: 'POST',
  url: '/v1/subjects',
  headers: auth,
  payload: { workflow: 'videoid-request', id: 'busy' },
});
for (let i = 1; i < EVENTS; i++) {
  const res = await runtime.app.inject({
    method: 'POST',
    url: '/v1/subjects/busy/events',
    headers: auth,
    payload: { type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE' },
  });
  if (res.statusCode !== 201) throw new Error(`event ${i}: ${res.body}`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/** A cold context (empty cache), signed in through sessionStorage; ms until `ready` resolves, and JS bytes on the wire. */
async function coldLoad(path: string, ready: (page: import('playwright-core').Page) => Promise<unknown>) {
  const context = await browser.newContext();
  await context.addInitScript(
    (key) =>
      (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
        'tidings.console.session',
        JSON.stringify({ admin: null, key }),
      ),
    tenant.apiKey,
  );
  const page = await context.newPage();
  let jsBytes = 0;
  page.on('requestfinished', async (request) => {
    if (request.resourceType() === 'script') jsBytes += (await request.sizes()).responseBodySize;
  });
  const started = performance.now();
  await page.goto(`${base}${path}`);
  await ready(page);
  const ms = performance.now() - started;
  await context.close();
  return { ms: Math.round(ms), jsBytes };
}

const home = await coldLoad('/console/', (p) => p.getByRole('heading', { level: 1, name: 'Home' }).waitFor());
const subject = await coldLoad('/console/subjects/busy', async (p) => {
  await p.locator('.diagram .node.current').waitFor();
  await p.locator('.timeline > li').nth(199).waitFor();
});
const gz = readdirSync(join(CONSOLE_DIST, 'assets'))
  .filter((f) => f.endsWith('.js.gz'))
  .reduce((sum, f) => sum + statSync(join(CONSOLE_DIST, 'assets', f)).size, 0);

console.log(
  `console first load (cold, loopback, to the Home heading): ${home.ms} ms, ${home.jsBytes} B of JS on the wire`,
);
console.log(`subject page, ${EVENTS} events (diagram + first 200 timeline entries): ${subject.ms} ms`);
console.log(`JS gzip -9 on disk: ${gz} B (budget 300 KB)`);
await browser.close();
await runtime.close();
rmSync(dataDir, { recursive: true, force: true });
