/**
 * The push scenarios of `npm run bench` (`BENCH_ONLY=push`, `push-latency`,
 * `isolation`, `backlog`), each returning its figures (for latest.json) and its
 * Markdown table.
 */
import { benchBacklog } from './push-backlog.js';
import { benchIsolation, ISOLATION_DELIVERY } from './push-isolation.js';
import { benchPushLatency } from './push-latency.js';
import { benchMixed, mixedTable } from './push-mixed.js';
import { benchPush, type PushFigures } from './push-throughput.js';

interface Settings {
  repeats: number;
  durationMs: number;
  databaseUrl: string | null;
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');

async function push(s: Settings) {
  const { deliveries, rows } = await benchPush(s);
  const table: string[] = [];
  for (const receivers of [1, 100]) {
    const group = rows.filter((r) => r.receivers === receivers);
    if (group.length === 0) continue;
    const raw = group.find((r) => r.label.startsWith('raw'))?.perSecond ?? Number.NaN;
    const bull = group.find((r) => r.label.startsWith('BullMQ'))?.perSecond ?? Number.NaN;
    // the better of the two durable PostgreSQL queues in this table (none without PostgreSQL)
    const queues = group.filter((r) => /^(pg-boss|graphile-worker)/.test(r.label));
    const durable = queues.length > 0 ? Math.max(...queues.map((r) => r.perSecond)) : Number.NaN;
    // CPU: against the durable queue (BullMQ included: Redis is durable enough for many) that spent least per delivery
    const cheapest = Math.min(
      ...group.filter((r) => /^(BullMQ|pg-boss|graphile-worker)/.test(r.label)).map((r) => r.cpuMsPerDelivery),
    );
    table.push(
      `### push throughput, ${receivers} receiver${receivers > 1 ? 's' : ''} (${deliveries} deliveries per run, prefilled; end to end to "succeeded" recorded)`,
      '',
      '| system | deliveries/s | × raw ceiling | × BullMQ | × better durable queue | CPU ms/delivery | CPU × cheapest queue | runs | CPU runs | load avg |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of group) {
      table.push(
        `| ${r.label} | ${Math.round(r.perSecond)} | ${(r.perSecond / raw).toFixed(2)} | ${(r.perSecond / bull).toFixed(2)} | ${(r.perSecond / durable).toFixed(2)} | ${r.cpuMsPerDelivery.toFixed(3)} | ${(r.cpuMsPerDelivery / cheapest).toFixed(2)} | ${r.runs.join(', ')} | ${r.cpuRuns.join(', ')} | ${r.loads.map((l) => l.toFixed(1)).join(', ')} |`,
      );
    }
    table.push('', ...scaleOutTable(receivers, group), '');
  }
  return { figures: { deliveries, rows }, table };
}

/**
 * Issue 17's scale-out bar on a 2-core machine: what each configuration could
 * do with cores to spare, from its CPU accounting (`coreBound`), since wall time
 * cannot show a second worker process helping when two cores are all there is.
 */
function scaleOutTable(receivers: number, group: PushFigures[]): string[] {
  const one = group.find((r) => r.label === 'Tidings on PostgreSQL, 1 worker process');
  return [
    `#### what the CPU accounting allows, ${receivers} receiver${receivers > 1 ? 's' : ''} (medians; a model: waits such as locks and round trips are not CPU)`,
    '',
    '| system | CPU ms/delivery, all its processes | busiest thread ms/delivery (whose) | deliveries/s, a core per thread | deliveries/s, 3 cores | 3 cores × 1 Tidings worker process |',
    '| --- | --- | --- | --- | --- | --- |',
    ...group.map(
      (r) =>
        `| ${r.label} | ${r.cpuMsPerDelivery.toFixed(3)} | ${r.busiestThreadMs.toFixed(3)} (${r.busiestThreadGroups.join('; ')}) | ${Math.round(r.threadBound)} | ${Math.round(r.threeCoreBound)} | ${one ? (r.threeCoreBound / one.threeCoreBound).toFixed(2) : 'n/a'} |`,
    ),
  ];
}

async function pushLatency(s: Settings) {
  const rows = await benchPushLatency(s);
  const table = [
    `### push latency, 201 → receipt, steady ${rows[0]?.rate ?? '?'} events/s (open loop)`,
    '',
    '| system | p50 ms | p99 ms | max ms | from request sent p50 / p99 ms | arrived before the 201 was read | missing | runs (p50/p99; p99 from request sent) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${ms(r.sentP50)} / ${ms(r.sentP99)} | ${(100 * r.beforeAck).toFixed(0)}% | ${r.missing} | ${r.runs.map((x) => `${ms(x.p50)}/${ms(x.p99)}; ${ms(x.sentP99)}`).join(', ')} |`,
    ),
    '',
  ];
  return { figures: rows, table };
}

async function isolation(s: Settings) {
  const rows = await benchIsolation(s);
  const alone = rows[0]?.p99 ?? Number.NaN;
  const table = [
    `### isolation: healthy endpoint latency at ${rows[0]?.rate ?? '?'} events/s (timeouts ${ISOLATION_DELIVERY.totalTimeoutMs} ms)`,
    '',
    '| configuration | p50 ms | p99 ms | × p99 alone | from request sent p50 / p99 ms | max ms | missing | runs (p50/p99) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${ms(r.p50)} | ${ms(r.p99)} | ${(r.p99 / alone).toFixed(2)} | ${ms(r.sentP50)} / ${ms(r.sentP99)} | ${ms(r.max)} | ${r.missing} | ${r.runs.map((x) => `${ms(x.p50)}/${ms(x.p99)}`).join(', ')} |`,
    ),
    '',
  ];
  return { figures: rows, table };
}

async function backlog(s: Settings) {
  const rows = await benchBacklog(s);
  const small = rows[0]?.drainPerSecond ?? Number.NaN;
  const table = [
    '### backlog: one worker process (SQLite) starting with pending deliveries, one receiver',
    '',
    '| queue at start | peak RSS MB | drain deliveries/s | × small queue | runs (MB, /s) |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${Math.round(r.peakRssMb)} | ${Math.round(r.drainPerSecond)} | ${(r.drainPerSecond / small).toFixed(2)} | ${r.runs.map((x) => `${x.peakRssMb}, ${x.drainPerSecond}`).join('; ')} |`,
    ),
    '',
  ];
  return { figures: rows, table };
}

async function mixed(s: Settings) {
  const rows = await benchMixed(s);
  return { figures: rows, table: mixedTable(rows) };
}

export const pushScenarios: Array<{
  name: string;
  run(s: Settings): Promise<{ figures: unknown; table: string[] }>;
}> = [
  { name: 'mixed', run: mixed },
  { name: 'push', run: push },
  { name: 'push-latency', run: pushLatency },
  { name: 'isolation', run: isolation },
  { name: 'backlog', run: backlog },
];
