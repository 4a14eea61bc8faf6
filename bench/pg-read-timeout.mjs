#!/usr/bin/env node
// What a client read timeout costs pg's readers (bench/RESULTS.md, session 15).
// Reads 100-row pages of ~1 KB rows in a closed loop, one configuration at a
// time in a fresh child process, interleaved for ROUNDS rounds:
//   - `pg, no timeout`: pg.Pool as it comes;
//   - `pg query_timeout`: pg.Pool with `query_timeout` (what Tidings used);
//   - `readTimeoutClient`: pg.Pool with Tidings' Client (`read-timeout-client.ts`).
// Prints rows/s and GC time from `PerformanceObserver` per configuration (medians).
// Needs PostgreSQL (DATABASE_URL, default the test server) and a build (`npx tsc`).
// Usage: node bench/pg-read-timeout.mjs [seconds=4] [rounds=3]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONFIGS = ['pg, no timeout', 'pg query_timeout', 'readTimeoutClient'];

if (process.argv[2] === '--child') {
  const { default: pg } = await import('pg');
  const { readTimeoutClient } = await import(
    new URL('../dist/src/storage/postgres/read-timeout-client.js', import.meta.url)
  );
  const { PerformanceObserver } = await import('node:perf_hooks');
  const [config, seconds, database] = [process.argv[3], Number(process.argv[4]), process.argv[5]];
  const connectionString = Object.assign(new URL(url), { pathname: `/${database}` }).toString();
  const pool = new pg.Pool({
    connectionString,
    max: 2,
    ...(config === 'pg query_timeout' ? { query_timeout: 30_000 } : {}),
    ...(config === 'readTimeoutClient' ? { Client: readTimeoutClient(30_000) } : {}),
  });
  const page = (after) =>
    pool.query({ name: 'page', text: 'SELECT * FROM pages WHERE n > $1 ORDER BY n LIMIT 100', values: [after] });
  for (let i = 0, after = 0; i < 200; i++) after = (await page(after)).rows.at(-1)?.n ?? 0; // warm-up
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  let rows = 0;
  let after = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const result = await page(after);
    rows += result.rowCount;
    after = result.rows.at(-1)?.n ?? 0;
  }
  const elapsed = (performance.now() - started) / 1000;
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  await pool.end();
  process.stdout.write(JSON.stringify({ rowsPerSecond: rows / elapsed, gcMsPer10kRows: (gcMs * 10_000) / rows }));
  process.exit(0);
}

const { default: pg } = await import('pg');
const [seconds, rounds] = [Number(process.argv[2] ?? 4), Number(process.argv[3] ?? 3)];
const database = `tidings_bench_rto_${process.pid}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
try {
  const db = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: `/${database}` }).toString() });
  await db.connect();
  // 20,000 rows shaped like the feed's: a few short columns, a time, ~1 KB of JSON text.
  await db.query(`CREATE TABLE pages (n bigint PRIMARY KEY, id text, kind text, at timestamptz, body text)`);
  await db.query(
    `INSERT INTO pages SELECT g, md5(g::text), 'VIDEOID_UPDATED', now(), repeat('x', 900) FROM generate_series(1, 20000) g`,
  );
  await db.query('ANALYZE pages');
  await db.end();
  const figures = new Map(CONFIGS.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    for (const config of CONFIGS) {
      const child = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', config, String(seconds), database],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      if (child.status !== 0) throw new Error(`${config}: child exited ${child.status}`);
      figures.get(config).push(JSON.parse(child.stdout));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(figures.get(CONFIGS[0]).map((f) => f.rowsPerSecond));
  console.log('| configuration | rows/s | × pg, no timeout | GC ms per 10k rows | runs (rows/s) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [config, list] of figures) {
    const rps = median(list.map((f) => f.rowsPerSecond));
    const gc = median(list.map((f) => f.gcMsPer10kRows));
    const runs = list.map((f) => Math.round(f.rowsPerSecond)).join(', ');
    console.log(`| ${config} | ${Math.round(rps)} | ${(rps / base).toFixed(2)} | ${gc.toFixed(1)} | ${runs} |`);
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.end();
}
