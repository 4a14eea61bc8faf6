#!/usr/bin/env node
// Ingest of one or more builds side by side, warmed up, with CPU per event:
//
//   node bench/ingest-warm.mjs <built tree> [<built tree> ...]
//
// Each build's Tidings runs in a process of its own (the API role on a fresh
// PostgreSQL database, or on SQLite with INGEST_WARM_BACKEND=sqlite), 64
// clients post transitions to 64 subjects for INGEST_WARM_SECONDS (default 2)
// untimed, then for INGEST_WARM_MEASURE_SECONDS (default 6) with the CPU of the
// server and its database's backends metered from /proc. The builds alternate,
// INGEST_WARM_RUNS times (default 3). `npm run bench`'s ingest scenario starts
// each Tidings cold, so a change to the server's per-request work shows there
// behind its JIT warm-up; here it does not. A built tree is a checkout with
// `npx tsc -p tsconfig.json` run (its `dist/`); this tree's `dist/bench` supplies
// the load client and the meter, so both builds are loaded and measured alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const [, , ...roots] = process.argv;
const child = process.env.INGEST_WARM_CHILD;

if (child) {
  await measure(child);
} else {
  if (roots.length === 0) {
    console.error('node bench/ingest-warm.mjs <built tree> [<built tree> ...]');
    process.exit(2);
  }
  const runs = Number(process.env.INGEST_WARM_RUNS ?? 3);
  for (let i = 0; i < runs; i++) {
    for (const root of roots) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
        env: { ...process.env, INGEST_WARM_CHILD: resolve(root) },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (r.status !== 0) process.exit(r.status ?? 1);
    }
  }
}

async function measure(root) {
  const load = (tree, path) => import(pathToFileURL(join(tree, 'dist', path)).href);
  const { loadConfig } = await load(root, 'src/config/config.js');
  const { createRuntime } = await load(root, 'src/server/create-runtime.js');
  const { runLoad } = await load(here, 'bench/run-load.js');
  const { startCpuMeter, thisProcess, postgresBackends } = await load(here, 'bench/cpu-accounting.js');
  const { postgresTestDatabase } = await load(here, 'test/helpers/postgres.js');
  const { ingestSubjects } = await load(here, 'bench/ingest-kit.js');
  const onSqlite = process.env.INGEST_WARM_BACKEND === 'sqlite';
  const db = onSqlite ? null : await postgresTestDatabase();
  if (db && !db.available) throw new Error('no PostgreSQL server: set INGEST_WARM_BACKEND=sqlite');
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-ingest-warm-'));
  const runtime = await createRuntime(
    loadConfig({
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_ADMIN_TOKEN: 'bench',
      TIDINGS_LOG_LEVEL: 'silent',
      TIDINGS_ROLE: 'api',
      ...(db ? { DATABASE_URL: db.url } : {}),
    }),
  );
  try {
    const origin = await runtime.app.listen({ port: 0, host: '127.0.0.1' });
    const admin = { authorization: 'Bearer bench' };
    const tenant = await runtime.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: admin,
      payload: { name: 'b' },
    });
    const headers = { authorization: `Bearer ${tenant.json().apiKey}` };
    const paths = await ingestSubjects(runtime.app, headers, 64);
    const body = JSON.stringify({ type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE', data: { note: 'x'.repeat(200) } });
    const seconds = (name, fallback) => 1000 * Number(process.env[name] ?? fallback);
    await runLoad({ origin, paths, body, headers, concurrency: 64, durationMs: seconds('INGEST_WARM_SECONDS', 2) });
    const groups = [thisProcess('server'), ...(db ? [postgresBackends(new URL(db.url).pathname.slice(1))] : [])];
    const meter = startCpuMeter(groups);
    const r = await runLoad({
      origin,
      paths,
      body,
      headers,
      concurrency: 64,
      durationMs: seconds('INGEST_WARM_MEASURE_SECONDS', 6),
    });
    const cpu = meter.stop();
    const us = (s) => Math.round((1e6 * s) / Math.max(1, r.ok));
    const split = cpu.groups.map((g) => `${g.name.split(' ')[0]} ${us(g.seconds)}`).join(', ');
    console.log(
      `${root} on ${runtime.store.kind}: ${Math.round(r.ok / r.seconds)} transitions/s, ` +
        `${us(cpu.seconds)} µs CPU an event (${split}), ${r.failed} failed`,
    );
  } finally {
    await runtime.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
