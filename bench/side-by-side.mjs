#!/usr/bin/env node
// Before/after of one change, side by side: runs `dist/bench/run.js` (BENCH_ONLY,
// default ingest,feed) alternately in a build of the old tree (BEFORE_DIR, e.g.
// `git archive <commit> | tar -x -C DIR`, node_modules linked, `npx tsc`) and in
// this one, SIDE_BY_SIDE_RUNS times (default 3), one repeat each so that noise
// hits both sides alike; prints each figure's medians and their ratio.
// Used for issue 13 (render snapshots): results in bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const before = process.env.BEFORE_DIR;
if (!before) {
  console.error('BEFORE_DIR=<built old tree> node bench/side-by-side.mjs');
  process.exit(2);
}
const runs = Number(process.env.SIDE_BY_SIDE_RUNS ?? 3);
const env = {
  ...process.env,
  BENCH_ONLY: process.env.BENCH_ONLY ?? 'ingest,feed',
  BENCH_REPEATS: '1',
  BENCH_SECONDS: process.env.BENCH_SECONDS ?? '3',
};

function once(dir) {
  const r = spawnSync(process.execPath, ['dist/bench/run.js'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench failed in ${dir}`);
  const json = JSON.parse(readFileSync(join(dir, 'bench/results/latest.json'), 'utf8'));
  const figures = new Map();
  for (const row of json.ingest ?? []) figures.set(`ingest ${row.label}`, row.perSecond);
  for (const row of json.feed ?? []) {
    figures.set(`feed ${row.backend} ${row.label}`, row.perSecond);
    // server CPU µs per item (bench builds that measure it): lower is better
    if (typeof row.cpuUs === 'number')
      figures.set(`feed ${row.backend} ${row.label}, server CPU µs per item`, row.cpuUs);
  }
  figures.set('load average after the run', Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
  return figures;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sides = { before: [], after: [] };
for (let i = 0; i < runs; i++) {
  sides.before.push(once(before));
  sides.after.push(once(process.cwd()));
}
console.log('| figure | before | after | after ÷ before | runs before | runs after |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const key of sides.after[0].keys()) {
  const b = sides.before.map((m) => m.get(key) ?? Number.NaN);
  const a = sides.after.map((m) => m.get(key) ?? Number.NaN);
  const round = (xs) => xs.map((x) => (x < 100 ? x.toFixed(1) : Math.round(x))).join(', ');
  console.log(
    `| ${key} | ${median(b).toFixed(1)} | ${median(a).toFixed(1)} | ${(median(a) / median(b)).toFixed(2)} | ${round(b)} | ${round(a)} |`,
  );
}
