/**
 * The SDK beside its baselines in one run:
 * - `verifyWebhook` (HMAC `v1`, a 500-byte Uanataca body) beside the
 *   `standardwebhooks` package's `verify` on the same request, one core,
 *   verifications/s (aim: ≥ 2×); and the SDK's portable WebCrypto path too;
 * - `feed()` draining N native events (pages of 100, memory cursor saved after
 *   every event) beside a plain fetch loop over the same pages (aim: ≥ 0.9×).
 * Standalone: `npm run build && node dist/bench/sdk.js` (BENCH_REPEATS,
 * BENCH_SDK_EVENTS, BENCH_SDK_VERIFIES), or `BENCH_ONLY=sdk npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { feed, memoryCursorStore, signWebhook, verifyWebhook } from '@tidings/sdk';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../src/config/config.js';
import { createRuntime } from '../src/server/create-runtime.js';
import { median } from './stats.js';

export interface SdkBenchFigures {
  verifies: { standardwebhooks: number; sdk: number; sdkWebCrypto: number; ratio: number };
  feed: { plainFetch: number; sdkFeed: number; ratio: number; events: number };
}

async function rate(n: number, run: (i: number) => unknown): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await run(i);
  return n / ((performance.now() - started) / 1000);
}

async function benchVerify(repeats: number, n: number) {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const body = JSON.stringify({
    event_type: 'VIDEOID_UPDATED',
    sent_at: '20260115100000',
    request: { status: 'VIDEOREVIEW', given_name: 'Ana', surname_1: 'Garcia', note: 'x'.repeat(380) },
    certificates: [],
  });
  const headers = await signWebhook(secret, 'msg_2x', body);
  const baseline = new Webhook(secret);
  const runs = { standardwebhooks: [] as number[], sdk: [] as number[], sdkWebCrypto: [] as number[] };
  for (let r = 0; r < repeats; r++) {
    runs.standardwebhooks.push(await rate(n, () => baseline.verify(body, headers)));
    runs.sdk.push(await rate(n, () => verifyWebhook({ headers, body }, secret)));
    runs.sdkWebCrypto.push(await rate(n, () => verifyWebhook({ headers, body }, secret, { webCryptoOnly: true })));
  }
  const standardwebhooks = median(runs.standardwebhooks);
  const sdk = median(runs.sdk);
  return { standardwebhooks, sdk, sdkWebCrypto: median(runs.sdkWebCrypto), ratio: sdk / standardwebhooks };
}

async function benchFeed(repeats: number, events: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-sdk-'));
  const config = loadConfig({ TIDINGS_DATA_DIR: dataDir, TIDINGS_LOG_LEVEL: 'silent' });
  const runtime = await createRuntime(config);
  try {
    await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(runtime.app.server.address() as AddressInfo).port}`;
    const tenant = { id: 'bench-tenant', name: 'bench', createdAt: new Date().toISOString() };
    const { generateApiKey, SCOPES } = await import('../src/tenants/api-key.js');
    const { apiKey, record } = generateApiKey(tenant.id, 'bench', SCOPES, new Date());
    await runtime.store.createTenant(tenant, record);
    for (let i = 0; i < events; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, events - i) }, (_, j) =>
          runtime.subjects.create(tenant.id, {
            workflow: 'image-check',
            id: `img-${i + j}`,
            attributes: { ImageType: 'Gallery' },
          }),
        ),
      );
    }
    const plain = async () => {
      let cursor: string | null = null;
      let seen = 0;
      const started = performance.now();
      while (seen < events) {
        const query = new URLSearchParams({ count: '100', format: 'native' });
        if (cursor) query.set('afterEventId', cursor);
        const res = await fetch(`${url}/v1/events?${query}`, { headers: { authorization: `Bearer ${apiKey}` } });
        const page = (await res.json()) as { lastEventId: string; events: unknown[] };
        seen += page.events.length;
        cursor = page.lastEventId;
      }
      return seen / ((performance.now() - started) / 1000);
    };
    const sdk = async () => {
      const stop = new AbortController();
      let seen = 0;
      const started = performance.now();
      for await (const _ of feed({ url, apiKey, cursorStore: memoryCursorStore(), signal: stop.signal })) {
        if (++seen === events) stop.abort();
      }
      return seen / ((performance.now() - started) / 1000);
    };
    await plain(); // warm-up: JIT and the SQLite page cache
    const runs = { plain: [] as number[], sdk: [] as number[] };
    for (let r = 0; r < repeats; r++) {
      runs.plain.push(await plain());
      runs.sdk.push(await sdk());
    }
    const plainFetch = median(runs.plain);
    const sdkFeed = median(runs.sdk);
    return { plainFetch, sdkFeed, ratio: sdkFeed / plainFetch, events };
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchSdk(options: { repeats: number }): Promise<{ figures: SdkBenchFigures; table: string[] }> {
  const verifies = await benchVerify(options.repeats, Number(process.env.BENCH_SDK_VERIFIES ?? 20_000));
  const feedFigures = await benchFeed(options.repeats, Number(process.env.BENCH_SDK_EVENTS ?? 5_000));
  const table = [
    '### sdk (one process, loopback)',
    '',
    '| measure | baseline | @tidings/sdk | ratio |',
    '| --- | --- | --- | --- |',
    `| webhook verifications/s | standardwebhooks ${Math.round(verifies.standardwebhooks)} | ${Math.round(verifies.sdk)} (WebCrypto only: ${Math.round(verifies.sdkWebCrypto)}) | ${verifies.ratio.toFixed(2)} |`,
    `| feed events/s (${feedFigures.events} native events) | plain fetch loop ${Math.round(feedFigures.plainFetch)} | feed() ${Math.round(feedFigures.sdkFeed)} | ${feedFigures.ratio.toFixed(2)} |`,
    '',
  ];
  return { figures: { verifies, feed: feedFigures }, table };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { table } = await benchSdk({ repeats: Number(process.env.BENCH_REPEATS ?? 3) });
  process.stdout.write(`${table.join('\n')}\n`);
}
