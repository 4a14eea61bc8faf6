import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { startReceiver } from '../delivery/receiver.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/test-runtime.js';

/**
 * The console in a real browser (Debian's Chromium driven by playwright-core)
 * against a real server, real SQLite and loopback webhook receivers.
 * Screenshots of every page go to test-artifacts/console/ (not committed).
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-artifacts/console';
const requireBrowser = process.env.TIDINGS_REQUIRE_BROWSER === '1';
const missing = !existsSync(CHROMIUM);
if (missing) {
  const message = `Chromium not found at ${CHROMIUM}: SKIPPING the console's browser tests (apt-get install -y chromium)`;
  if (requireBrowser) throw new Error(`${message}; TIDINGS_REQUIRE_BROWSER=1 requires them`);
  console.warn(`\n*** ${message} ***\n`);
}
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('console in a browser', { skip: missing ? 'Chromium missing' : false }, () => {
  let t: TestApp;
  let base = '';
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let key = '';
  const ok = startReceiver();
  let failing = true;
  const flaky = startReceiver((_req, res) =>
    res.writeHead(failing ? 500 : 204).end(failing ? 'down for maintenance' : ''),
  );
  const gone = startReceiver((_req, res) => res.writeHead(410).end());
  let flakyEndpoint = '';

  before(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    // endpoint.failing at the first failed attempt (docs/operational-events.md), so the health views have events
    t = await startTestApp({
      TIDINGS_RETRY_SCHEDULE: '300ms,300ms',
      TIDINGS_PUSH_TIMEOUT: '2s',
      TIDINGS_ENDPOINT_FAILING_AFTER: '0s',
    });
    await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
    t.runtime.startWorkers();
    const address = t.runtime.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    key = (await t.tenant('Acme Trust')).apiKey;
    // playwright launches Chromium with a fresh temporary --user-data-dir of its own (it refuses one passed in args).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await (await ok).close();
    await (await flaky).close();
    await (await gone).close();
  });

  const call = async (method: string, url: string, body?: object, bearer = key) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };

  /** No serious or critical axe-core violation on the page as it is now. */
  async function accessible(p: Page, name: string) {
    await p.evaluate(axeSource);
    const violations = await p.evaluate(async () => {
      const result = await (
        globalThis as unknown as {
          axe: {
            run: () => Promise<{
              violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
            }>;
          };
        }
      ).axe.run();
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(violations, [], `axe on ${name}`);
  }

  /** The `datetime` of each `<time>` in these rows, in page order. */
  async function datetimes(rows: Locator) {
    const times: string[] = [];
    for (const time of await rows.locator('time').all()) times.push((await time.getAttribute('datetime')) ?? '');
    return times;
  }

  async function shot(p: Page, name: string) {
    await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  }

  async function visit(path: string, heading: string | RegExp, name: string) {
    await page.goto(`${base}/console${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await accessible(page, name);
    await shot(page, name);
  }

  test('signs in with the admin token and an API key, kept out of the URL', async () => {
    await page.goto(`${base}/`);
    assert.equal(new URL(page.url()).pathname, '/console/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await accessible(page, 'sign-in');
    await shot(page, '01-sign-in');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    assert.ok(!page.url().includes(key));
    await page.getByText('ready').first().waitFor();
  });

  test('creates an endpoint to a loopback receiver and sees a delivery succeed', async () => {
    await visit('/endpoints/new', 'New endpoint', '03-endpoint-new');
    await page.getByLabel('URL').fill((await ok).url);
    await page.getByLabel('Description').fill('loopback receiver');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByText(/^whsec_/).waitFor();
    await page.getByRole('button', { name: 'Open the endpoint' }).click();
    await page.getByRole('heading', { name: /^Endpoint http/ }).waitFor();
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page.getByText(/^Test event msg_test_.*HTTP 204 in \d+ ms, OK/).waitFor();
    const [test] = await (await ok).waitFor(1);
    assert.equal(JSON.parse(test?.body ?? '{}').type, 'tidings.endpoint.test');
    await shot(page, '04-endpoint-tested');
    await call('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'req-1' });
    await (await ok).waitFor(2);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('tr.delivery.succeeded').first().waitFor();
    await accessible(page, 'endpoint');
    await shot(page, '04-endpoint-succeeded');
  });

  test('walks a subject: diagram with path and current state, timeline, SET verified in the page', async () => {
    await call('POST', '/v1/subjects/req-1/events', { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' });
    await call('POST', '/v1/subjects/req-1/events', { type: 'REQUEST_APPROVED' });
    await visit('/subjects', 'Subjects', '05-subjects');
    await page.getByRole('link', { name: 'req-1' }).click();
    await page.getByRole('heading', { name: 'Subject req-1' }).waitFor();
    await page.locator('.diagram .node.current').waitFor();
    assert.equal(await page.locator('.diagram .node.current text').first().textContent(), 'ENROLLREADY');
    assert.equal(await page.locator('.diagram .edge.taken').count(), 3);
    assert.equal(await page.locator('.timeline > li').count(), 3);
    await page.locator('.timeline summary').nth(1).click();
    await page.getByRole('tab', { name: 'SET (verified)' }).click();
    await page.getByText('signature verified against /.well-known/jwks.json').waitFor();
    await page.getByRole('tab', { name: 'vendor' }).click();
    await page.getByText('"event_type": "VIDEOID_UPDATED"').waitFor();
    await accessible(page, 'subject');
    await shot(page, '06-subject');
  });

  test('records a transition from the subject page', async () => {
    await page.getByLabel('Event type').selectOption('REQUEST_ENROLLED');
    await page.getByRole('button', { name: 'Record' }).click();
    await page.locator('.timeline > li').nth(3).waitFor();
    assert.equal(await page.locator('.diagram .node.current text').first().textContent(), 'ISSUED');
  });

  test('a subject of each workflow shows its diagram and timeline', async () => {
    const workflows = (await call('GET', '/v1/workflows')).workflows as Array<{ name: string; parent: string[] }>;
    const parentOf: Record<string, string> = {
      'videoid-certificate': 'req-1',
      'fit-submission': 'case-1',
      'fit-reply': 'case-1',
      'crypto-signature': 'form-1',
    };
    const ids: Record<string, string> = {
      'fit-case': 'case-1',
      'fit-submission': 'sub-1',
      'crypto-certificate-form': 'form-1',
    };
    const order = [
      'videoid-request',
      'fit-case',
      'fit-submission',
      'crypto-certificate-form',
      // `operational` subjects are written by Tidings only (docs/operational-events.md): the nine are walked
      ...workflows.map((w) => w.name).filter((name) => name !== 'operational'),
    ];
    const seen = new Set<string>(['videoid-request']);
    for (const name of order) {
      if (seen.has(name)) continue;
      seen.add(name);
      const id = ids[name] ?? `${name}-1`;
      const parent = parentOf[name];
      const attributes: Record<string, object> = {
        'image-check': { ImageType: 'Custom' },
        'videoid-certificate': { serial_number: '4F2A' },
      };
      const res = await fetch(`${base}/v1/subjects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          workflow: name,
          id,
          ...(parent ? { parentId: parent } : {}),
          ...(attributes[name] ? { attributes: attributes[name] } : {}),
        }),
      });
      assert.equal(res.status, 201, `${name}: ${await res.text()}`);
      await page.goto(`${base}/console/subjects/${id}`);
      await page.locator('.diagram .node.current').waitFor();
      await page.locator('.timeline > li').first().waitFor();
      if (name === 'idv-transaction') {
        // GET /v1/subjects/{id}/consent-text comes from another branch; without it the page says so.
        await page.getByRole('heading', { name: 'Consent text' }).waitFor();
        await shot(page, '07-subject-idv');
      }
    }
    assert.equal(seen.size, 9, `walked ${[...seen].join(', ')}`);
  });

  test('a failing delivery, retried by hand after the receiver recovers, then replayed since a time', async () => {
    const since = new Date(Date.now() - 1000);
    const endpoint = await call('POST', '/v1/endpoints', { url: (await flaky).url, workflows: ['image-check'] });
    flakyEndpoint = endpoint.id;
    await call('POST', '/v1/subjects', { workflow: 'image-check', id: 'img-1', attributes: { ImageType: 'Custom' } });
    await (await flaky).waitFor(3, 15_000);
    await page.goto(`${base}/console/endpoints/${endpoint.id}`);
    await page.getByLabel('Status').selectOption('failed');
    for (let i = 0; i < 50 && (await page.locator('tr.delivery.failed').count()) === 0; i++) {
      await page.waitForTimeout(200);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    await page.locator('tr.delivery.failed').first().waitFor();
    await page.getByRole('button', { name: 'Attempts' }).first().click();
    await page.getByText('down for maintenance').first().waitFor();
    await accessible(page, 'endpoint-failed');
    await shot(page, '08-endpoint-failed');
    failing = false;
    await page.getByRole('button', { name: 'Retry' }).first().click();
    await page.getByLabel('Status').selectOption('succeeded');
    for (let i = 0; i < 50 && (await page.locator('tr.delivery.succeeded').count()) === 0; i++) {
      await page.waitForTimeout(200);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    await page.locator('tr.delivery.succeeded').first().waitFor();
    const local = new Date(since.getTime() - since.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.getByLabel('Since').fill(local);
    await page.getByLabel('all deliveries, not only failed ones').check();
    const before = (await flaky).received.length;
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByText('1 deliveries queued again.').waitFor();
    await (await flaky).waitFor(before + 1);
    await shot(page, '09-endpoint-replayed');
  });

  test("an endpoint's health history: its operational events newest first, its reported state", async () => {
    // The test before: the first 500 recorded endpoint.failing, the third gave up (delivery.dead-lettered), the retry
    // by hand succeeded (endpoint.recovered).
    await page.goto(`${base}/console/endpoints/${flakyEndpoint}`);
    await page.getByRole('heading', { level: 2, name: 'Health history' }).waitFor();
    const rows = page.locator('table.health-history tbody tr');
    for (let i = 0; i < 50 && (await rows.count()) < 3; i++) {
      await page.waitForTimeout(200);
      await page.getByRole('button', { name: 'Reload history' }).click();
    }
    const types = await rows.locator('td:nth-child(2)').allTextContents();
    assert.deepEqual(types, ['endpoint.recovered', 'delivery.dead-lettered', 'endpoint.failing']);
    const times = await datetimes(rows);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    await page.locator('section[aria-labelledby="health-history"] .badge.ok', { hasText: 'healthy' }).waitFor();
    const deadLetter = rows.nth(1);
    assert.match((await deadLetter.textContent()) ?? '', /lastError.*HTTP 500; gave up after 3 attempts/);
    assert.match((await rows.nth(0).textContent()) ?? '', /howsucceeded/);
    await accessible(page, 'endpoint-health-history');
    await shot(page, '19-endpoint-health-history');
  });

  test("the operator's operational events of every tenant, filtered by type and tenant, linking to the endpoint", async () => {
    const beta = await t.tenant('Beta Signing');
    await call('POST', '/v1/endpoints', { url: (await gone).url, workflows: ['image-check'] }, beta.apiKey);
    await call(
      'POST',
      '/v1/subjects',
      { workflow: 'image-check', id: 'img-beta', attributes: { ImageType: 'Custom' } },
      beta.apiKey,
    );
    await page.goto(`${base}/console/operational-events`);
    await page.getByRole('heading', { level: 1, name: 'Operational events' }).waitFor();
    const rows = page.locator('table.operational tbody tr');
    // Beta's endpoint answered 410: the dead letter of the delivery that got it, and endpoint.disabled (a loaded
    // machine may time a try out first: endpoint.failing too).
    const betaRows = rows.filter({ hasText: 'Beta Signing' });
    for (let i = 0; i < 50 && (await betaRows.filter({ hasText: 'endpoint.disabled' }).count()) === 0; i++) {
      await page.waitForTimeout(200);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    assert.equal(await betaRows.filter({ hasText: 'delivery.dead-lettered' }).count(), 1);
    assert.equal(await rows.filter({ hasText: 'Acme Trust' }).count(), 3);
    const times = await datetimes(rows);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    await page.getByText('endpoint answered 410 Gone', { exact: true }).waitFor();
    await accessible(page, 'operational-events');
    await shot(page, '20-operational-events');

    await page.getByLabel('Type').selectOption('endpoint.disabled');
    await rows.filter({ hasText: 'Acme Trust' }).first().waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /Beta Signing.*endpoint\.disabled/);
    await shot(page, '21-operational-events-disabled');

    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Tenant').selectOption({ label: 'Acme Trust' });
    await rows.filter({ hasText: 'Beta Signing' }).first().waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 3);
    // The link opens the endpoint's page with the API key signed in (Acme's).
    await rows
      .first()
      .getByRole('link', { name: `endpoint.${flakyEndpoint}` })
      .click();
    await page.getByRole('heading', { level: 1, name: /^Endpoint http/ }).waitFor();
    await page.locator('table.health-history tbody tr').nth(2).waitFor();
  });

  test('every page passes axe-core and is captured at 1280 px, on a phone and in dark mode', async () => {
    const pages: Array<[string, string | RegExp, string]> = [
      ['/', 'Home', '02-home'],
      ['/events', 'Events', '10-events'],
      ['/endpoints', 'Endpoints', '11-endpoints'],
      ['/workflows', 'Workflows', '12-workflows'],
      ['/workflows/idv-transaction', 'Workflow idv-transaction', '13-workflow'],
      ['/keys', 'Keys', '14-keys'],
      ['/api-keys', 'API keys', '15-api-keys'],
      ['/tenants', 'Tenants', '16-tenants'],
    ];
    for (const [path, heading, name] of pages) await visit(path, heading, name);
    // Home's charts and queue come from the server's aggregate, not from the browser adding pages up.
    const statsAnswer = page.waitForResponse((r) => r.url().includes('/v1/stats/deliveries') && r.ok());
    await page.goto(`${base}/console/`);
    const stats = await (await statsAnswer).json();
    assert.ok(stats.totals.attempts.succeeded >= 2 && stats.totals.attempts.failed >= 1, JSON.stringify(stats.totals));
    await page.getByText('attempts failed, last hour').waitFor();
    assert.equal(await page.locator('.chart canvas').count(), 2);
    await page.waitForTimeout(300);
    await shot(page, '02-home-charts');
    // The events page opens at the feed's end, then follows with the cursor.
    const latest = page.waitForRequest((r) => r.url().includes('/v1/events/latest'));
    await page.goto(`${base}/console/events`);
    await latest;
    await page.getByRole('link', { name: 'img-1' }).first().waitFor();
    await call('POST', '/v1/subjects', {
      workflow: 'image-check',
      id: 'img-live',
      attributes: { ImageType: 'Custom' },
    });
    await page.getByRole('link', { name: 'img-live' }).first().waitFor();
    await page.getByLabel('Workflow').selectOption('videoid-request');
    await page.getByRole('link', { name: 'req-1' }).first().waitFor();
    assert.equal(await page.getByRole('link', { name: 'img-live' }).count(), 0);
    await shot(page, '10-events-filtered');
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await phone.addInitScript(
      ([admin, apiKey]) =>
        (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
          'tidings.console.session',
          JSON.stringify({ admin, key: apiKey }),
        ),
      [ADMIN_TOKEN, key],
    );
    const p = await phone.newPage();
    for (const [path, name] of [
      ['/', 'phone-dark-home'],
      ['/subjects/req-1', 'phone-dark-subject'],
      ['/endpoints', 'phone-dark-endpoints'],
      [`/endpoints/${flakyEndpoint}`, 'phone-dark-endpoint-health'],
      ['/operational-events', 'phone-dark-operational-events'],
    ] as const) {
      await p.goto(`${base}/console${path}`);
      await p.locator('h1').waitFor();
      await p.waitForTimeout(300);
      await accessible(p, name);
      await shot(p, name);
    }
    await phone.close();
  });

  test('keyboard: the skip link and the navigation are reachable with Tab', async () => {
    await page.goto(`${base}/console/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    // The heading has focus after navigation; going back with Shift+Tab walks the navigation to the skip link.
    const active = () =>
      page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document
            .activeElement?.textContent,
      );
    const seen: Array<string | undefined> = [];
    for (let i = 0; i < 20 && seen.at(-1) !== 'Skip to content'; i++) {
      await page.keyboard.press('Shift+Tab');
      seen.push(await active());
    }
    assert.equal(seen.at(-1), 'Skip to content', seen.join(' | '));
    assert.ok(seen.includes('Subjects') && seen.includes('Sign out'), seen.join(' | '));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await active(), 'Subjects');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Subjects' }).waitFor();
  });

  test('a portal link in a fresh context sees only its tenant, keeps no token in the URL, and expires', async () => {
    await call(
      'POST',
      '/v1/subjects',
      { workflow: 'image-check', id: 'other-tenant-img', attributes: { ImageType: 'Custom' } },
      (await t.tenant('Other')).apiKey,
    );
    const link = await call('POST', '/v1/portal-links', { access: 'read', ttlSeconds: 60 });
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await fresh.newPage();
    await p.clock.install();
    await p.goto(link.url.replace(/^http:\/\/[^/]+/, base));
    await p.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    assert.ok(!p.url().includes('token'), p.url());
    assert.equal(
      await p.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length),
      0,
    );
    await p.getByText('portal · read-only').waitFor();
    assert.equal(await p.getByRole('link', { name: 'Tenants' }).count(), 0);
    assert.equal(await p.getByRole('link', { name: 'API keys' }).count(), 0);
    await p.getByRole('link', { name: 'Subjects' }).click();
    await p.getByRole('link', { name: 'req-1' }).waitFor();
    assert.equal(await p.getByRole('link', { name: 'other-tenant-img' }).count(), 0);
    await accessible(p, 'portal');
    await shot(p, '17-portal-subjects');
    await p.getByRole('link', { name: 'Endpoints' }).click();
    await p.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
    assert.equal(await p.getByRole('link', { name: 'New endpoint' }).count(), 0);
    await p.goto(`${base}/console/subjects/other-tenant-img`);
    // A reload drops the in-memory session: the portal needs its link again.
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    // A link opens the console once: the same link again is refused, a new one works.
    await p.goto(link.url.replace(/^http:\/\/[^/]+/, base));
    await p.getByText('the portal link was already opened; ask for a new one').waitFor();
    await shot(p, '18-portal-link-used');
    const second = await call('POST', '/v1/portal-links', { access: 'read', ttlSeconds: 60 });
    await p.goto(second.url.replace(/^http:\/\/[^/]+/, base));
    await p.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await p.clock.fastForward('01:01');
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    await fresh.close();
  });
});
