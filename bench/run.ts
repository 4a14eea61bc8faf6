/**
 * `npm run bench`: runs every scenario with its baseline in the same run,
 * repeats each and keeps medians (these 2-core machines are noisy), then
 * writes bench/results/latest.json and prints a Markdown table to paste into
 * bench/RESULTS.md. Settings: BENCH_REPEATS (default 3), BENCH_SECONDS
 * (default 5), BENCH_ONLY (comma-separated scenario names).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { postgresTestDatabase } from '../test/helpers/postgres.js';
import { benchFeed, feedTable } from './feed.js';
import { benchIngest } from './ingest.js';
import { PGBENCH_SINGLE_INSERT } from './ingest-baselines.js';
import { pushScenarios } from './push.js';
import { benchSdk } from './sdk.js';
import { benchSnapshots, snapshotsTable } from './snapshots.js';
import { benchSoak } from './soak.js';
import { benchTracing } from './tracing.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const durationMs = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const only = process.env.BENCH_ONLY?.split(',');
const wants = (name: string) => !only || only.includes(name);

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const lines: string[] = [];
const results: Record<string, unknown> = { date: new Date().toISOString(), machine, repeats, durationMs };

if (wants('ingest')) {
  const pg = await postgresTestDatabase();
  try {
    const rows = await benchIngest({ repeats, durationMs, databaseUrl: pg.url ?? null });
    results.ingest = rows;
    const ceiling = rows[0]?.perSecond ?? 1;
    lines.push(
      '### ingest (64 clients, durable 201)',
      '',
      '| system | transitions/s | × raw ceiling | × baseline | CPU ms/event (server + its database) | p50 ms | p99 ms | failed | runs |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of rows) {
      // pgbench has no HTTP in front: a ratio to the HTTP ceiling would mean nothing.
      const ofCeiling = r.label === PGBENCH_SINGLE_INSERT ? '—' : (r.perSecond / ceiling).toFixed(2);
      const ofBaseline = r.against.map((a) => `${a.ratio.toFixed(2)} × ${a.name}`).join('; ') || '—';
      lines.push(
        `| ${r.label} | ${Math.round(r.perSecond)} | ${ofCeiling} | ${ofBaseline} | ${r.cpuMsPerEvent.toFixed(3)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failed} | ${r.runs.join(', ')} |`,
      );
    }
    lines.push('');
  } finally {
    await pg.drop();
  }
}

if (wants('feed')) {
  const pg = await postgresTestDatabase();
  try {
    const rows = await benchFeed({ repeats, durationMs, databaseUrl: pg.url ?? null });
    results.feed = rows;
    lines.push(...feedTable(rows));
  } finally {
    await pg.drop();
  }
}

if (wants('snapshots')) {
  const pg = await postgresTestDatabase();
  try {
    const rows = await benchSnapshots({ repeats, durationMs, databaseUrl: pg.url ?? null });
    results.snapshots = rows;
    lines.push(...snapshotsTable(rows));
  } finally {
    await pg.drop();
  }
}

for (const scenario of pushScenarios) {
  if (!wants(scenario.name)) continue;
  const pg = await postgresTestDatabase();
  try {
    const { figures, table } = await scenario.run({ repeats, durationMs, databaseUrl: pg.url ?? null });
    results[scenario.name] = figures;
    lines.push(...table);
  } finally {
    await pg.drop();
  }
}

if (wants('tracing')) {
  const { figures, table } = await benchTracing({ repeats, durationMs });
  results.tracing = figures;
  lines.push(...table);
}

if (wants('sdk')) {
  const { figures, table } = await benchSdk({ repeats });
  results.sdk = figures;
  lines.push(...table);
}

// Minutes long (SOAK_MINUTES, default 3, per backend): a drift check, not a rate, so not repeated.
if (wants('soak')) {
  const pg = await postgresTestDatabase();
  try {
    const { figures, table } = await benchSoak({ databaseUrl: pg.url ?? null });
    results.soak = figures;
    lines.push(...table);
  } finally {
    await pg.drop();
  }
}

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(
  `## ${results.date} on ${machine} (medians of ${repeats} × ${durationMs / 1000} s)\n\n${lines.join('\n')}\n`,
);
