#!/usr/bin/env node
// The feed page's render step alone, after `npm run build`: µs per event of one
// page of 100 videoid events (as bench `feed` fills them), from the same rows,
// through the object path (rows parsed, render contexts, renderNative, one
// JSON.stringify: the feed before the text path) and the text path
// (`renderRows`: nativeJson), and both for `vendor` (Uanataca, objects either
// way). Interleaved, 400 rounds; the minimum and quartiles are steady on a busy
// machine where end-to-end wall and CPU figures are not. SQLite, then
// PostgreSQL on a fresh database when one answers. Used for issue 17.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillSubjects } from '../dist/bench/feed-fill.js';
import { loadConfig } from '../dist/src/config/config.js';
import { pageJson } from '../dist/src/feeds/skipped-event.js';
import { createRuntime } from '../dist/src/server/create-runtime.js';
import { eventFromRow } from '../dist/src/storage/rows.js';
import { postgresTestDatabase } from '../dist/test/helpers/postgres.js';

const ROUNDS = 400;

async function measure(databaseUrl) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-render-cost-'));
  const env = { TIDINGS_DATA_DIR: dataDir, TIDINGS_ADMIN_TOKEN: 'bench', TIDINGS_LOG_LEVEL: 'silent' };
  const runtime = await createRuntime(loadConfig({ ...env, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }));
  try {
    const headers = { authorization: 'Bearer bench' };
    const tenant = (
      await runtime.app.inject({ method: 'POST', url: '/v1/tenants', headers, payload: { name: 'x' } })
    ).json();
    const plans = Array.from({ length: 10 }, (_, i) => ({
      workflow: 'videoid-request',
      id: `feed-${i}`,
      attributes: { profile: 'PFnubeQAFCiudadano', registration_authority: 139, pk: `feed-${i}` },
      events: Array.from({ length: 9 }, (_, k) => ({
        type: 'VIDEOID_UPDATED',
        to: 'VIDEOINCOMPLETE',
        data: { upload: k, note: 'x'.repeat(200) },
      })),
    }));
    await fillSubjects(runtime.store, runtime.registry, tenant.id, plans);
    const feed = runtime.pull.feed;
    const { rows } = await runtime.pull.storage.feed.listFeedRows(tenant.id, null, { limit: 100 });
    const page = (r) => pageJson({ lastEventId: rows.at(-1).id, ...r }, r.eventIds);
    // private methods of FeedService, called as the page does
    const ways = {
      'native, object path (before)': async () => page(await feed.render(tenant.id, rows.map(eventFromRow), 'native')),
      'native, text path (after)': async () => page(await feed.renderRows(tenant.id, rows, 'native')),
      'vendor, object path (before)': async () => page(await feed.render(tenant.id, rows.map(eventFromRow), 'vendor')),
      'vendor, rows path (after)': async () => page(await feed.renderRows(tenant.id, rows, 'vendor')),
    };
    const [before, after] = [await ways['native, object path (before)'](), await ways['native, text path (after)']()];
    if (before !== after) throw new Error('the two paths wrote different bytes');
    const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, write] of Object.entries(ways)) {
        const start = performance.now();
        await write();
        times[name].push(((performance.now() - start) * 1000) / rows.length);
      }
    }
    for (const [name, xs] of Object.entries(times)) {
      xs.sort((x, y) => x - y);
      const at = (q) => xs[Math.floor(q * (xs.length - 1))].toFixed(2);
      console.log(`| ${runtime.store.kind} | ${name} | ${at(0)} | ${at(0.25)} | ${at(0.5)} |`);
    }
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log('| database | render step | min µs/event | p25 | median |');
console.log('| --- | --- | --- | --- | --- |');
await measure(null);
const pg = await postgresTestDatabase();
try {
  if (pg.url) await measure(pg.url);
} finally {
  await pg.drop();
}
console.log(`\nload average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ')}`);
