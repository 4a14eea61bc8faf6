/**
 * Console load bench (not a timed test): cold first load of the console, the
 * subject page of a subject with 1,000 events, and the events page of a tenant
 * with 1,000,000 events (`TIDINGS_BENCH_CONSOLE_FEED`), in Debian's Chromium
 * over loopback, each the median of 3 cold loads; the compressed JavaScript
 * bytes the first load ships; and, side by side on the big feed, the request
 * the events page opens with (`GET /v1/events/latest`) against what it did
 * before (walking `GET /v1/events` from the start to reach the newest events).
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
import { fillSubjects } from './feed-fill.js';

if (!existsSync('/usr/bin/chromium'))
  throw new Error('the console bench needs /usr/bin/chromium (apt-get install -y chromium)');

const EVENTS = 1000;
const FEED_EVENTS = Number(process.env.TIDINGS_BENCH_CONSOLE_FEED ?? 1_000_000);
const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
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
async function coldLoad(
  path: string,
  ready: (page: import('playwright-core').Page) => Promise<unknown>,
  apiKey = tenant.apiKey,
) {
  const context = await browser.newContext();
  await context.addInitScript(
    (key) =>
      (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
        'tidings.console.session',
        JSON.stringify({ admin: null, key }),
      ),
    apiKey,
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

/** The median of `RUNS` cold loads. */
async function medianLoad(...args: Parameters<typeof coldLoad>) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await coldLoad(...args));
  return {
    ms: median(runs.map((r) => r.ms)),
    jsBytes: median(runs.map((r) => r.jsBytes)),
    runs: runs.map((r) => r.ms),
  };
}

const home = await medianLoad('/console/', (p) => p.getByRole('heading', { level: 1, name: 'Home' }).waitFor());
const subject = await medianLoad('/console/subjects/busy', async (p) => {
  await p.locator('.diagram .node.current').waitFor();
  await p.locator('.timeline > li').nth(199).waitFor();
});

// A tenant with FEED_EVENTS events (10 per subject), written through store.commit as the API would.
const big = (
  await runtime.app.inject({
    method: 'POST',
    url: '/v1/tenants',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { name: 'Busy' },
  })
).json() as { id: string; apiKey: string };
const filling = performance.now();
await fillSubjects(
  runtime.store,
  runtime.registry,
  big.id,
  Array.from({ length: Math.ceil(FEED_EVENTS / 10) }, (_, i) => ({
    workflow: 'videoid-request',
    id: `feed-${i}`,
    events: Array.from({ length: 9 }, (_, k) => ({ type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE', data: { k } })),
  })),
  { perCommit: 500 },
);
process.stderr.write(`filled ${FEED_EVENTS} events in ${((performance.now() - filling) / 1000).toFixed(1)} s\n`);
const newest = `feed-${Math.ceil(FEED_EVENTS / 10) - 1}`;
const events = await medianLoad(
  '/console/events',
  (p) => p.getByRole('link', { name: newest }).first().waitFor(),
  big.apiKey,
);

/** ms to the newest 50 events: one request from the end, or (before) the feed walked from its start. */
const bigAuth = { authorization: `Bearer ${big.apiKey}` };
async function fromTheEnd() {
  const started = performance.now();
  const res = await fetch(`${base}/v1/events/latest?format=native&count=50`, { headers: bigAuth });
  const body = (await res.json()) as { events: Array<{ subject: string }> };
  if (body.events[0]?.subject !== newest) throw new Error('latest did not start at the newest event');
  return performance.now() - started;
}
async function walkFromStart() {
  const started = performance.now();
  let after: string | null = null;
  for (;;) {
    const q: string = after ? `&afterEventId=${after}` : '';
    const res = await fetch(`${base}/v1/events?format=native&count=100${q}`, { headers: bigAuth });
    const body = (await res.json()) as { lastEventId: string | null; events: unknown[] };
    after = body.lastEventId;
    if (body.events.length < 100) break;
  }
  return performance.now() - started;
}
const latestRuns: number[] = [];
const walkRuns: number[] = [];
for (let i = 0; i < RUNS; i++) {
  latestRuns.push(await fromTheEnd());
  walkRuns.push(await walkFromStart());
}

const gz = readdirSync(join(CONSOLE_DIST, 'assets'))
  .filter((f) => f.endsWith('.js.gz'))
  .reduce((sum, f) => sum + statSync(join(CONSOLE_DIST, 'assets', f)).size, 0);

console.log(`medians of ${RUNS} cold loads (runs in brackets); a shared, noisy 2-core machine: compare ratios`);
console.log(
  `console first load (cold, loopback, to the Home heading): ${home.ms} ms [${home.runs.join(', ')}], ${home.jsBytes} B of JS on the wire`,
);
console.log(
  `subject page, ${EVENTS} events (diagram + first 200 timeline entries): ${subject.ms} ms [${subject.runs.join(', ')}]`,
);
console.log(
  `events page, ${FEED_EVENTS} events in the tenant (to the newest event's row): ${events.ms} ms [${events.runs.join(', ')}]`,
);
const latestMs = median(latestRuns);
const walkMs = median(walkRuns);
console.log(
  `newest 50 of ${FEED_EVENTS} events: GET /v1/events/latest ${latestMs.toFixed(1)} ms vs walking GET /v1/events from the start ${walkMs.toFixed(0)} ms (baseline, what the page did before): ${(walkMs / latestMs).toFixed(0)}x`,
);
console.log(`JS gzip -9 on disk: ${gz} B (budget 300 KB)`);
await browser.close();
await runtime.close();
rmSync(dataDir, { recursive: true, force: true });
