/**
 * Backlog: a Tidings process (`tidings serve --role worker`, its own process,
 * SQLite) starts with `BACKLOG_DELIVERIES` pending deliveries (default
 * 1,000,000) to one loopback receiver. Figures: its peak resident memory
 * (the kernel's VmHWM) while it drains, and its drain rate (deliveries
 * received per second from its start until all arrived or a window of
 * 2 × BENCH_SECONDS, at least 10 s, ended), beside the same process draining a
 * small queue (`SMALL_BACKLOG`) in the same run, so the ratio says what a
 * large backlog costs. Bars (performance.md): RSS ≤ 500 MB; goal ≤ 256 MB
 * and draining at full push throughput.
 *
 * The backlog is written the fast but real way: events built by the
 * workflow engine and committed through `store.commit` (`feed-fill.ts`),
 * then fanned out by the delivery store's own `fanOut`, before the measured
 * process starts.
 */
import { readFileSync, rmSync } from 'node:fs';
import { matchEndpoints } from '../src/delivery/match-endpoints.js';
import { fillSubjects, type SubjectPlan } from './feed-fill.js';
import { now, openTidings, type Receivers, sleep, startReceivers, startWorkerProcess, TRANSITION } from './push-kit.js';
import { median } from './stats.js';

const EVENTS_PER_SUBJECT = 100;
const SMALL_BACKLOG = 12_500;

export interface BacklogRow {
  label: string;
  pending: number;
  /** Peak resident set of the server process during the window, MB. */
  peakRssMb: number;
  drainPerSecond: number;
  runs: Array<{ peakRssMb: number; drainPerSecond: number }>;
}

/** Writes `deliveries` pending deliveries (one endpoint, `url`) into a fresh SQLite data dir, and returns it. */
async function fillBacklog(deliveries: number, url: string): Promise<{ dataDir: string; pending: number }> {
  const t = await openTidings({ databaseUrl: null, role: 'api', subjectCount: 0 });
  try {
    await t.createEndpoints([url]);
    const registry = t.runtime.registry;
    const subjects = Math.ceil(deliveries / (EVENTS_PER_SUBJECT + 1)); // + its creation event
    const chunk = 100;
    for (let first = 0; first < subjects; first += chunk) {
      const plans: SubjectPlan[] = [];
      for (let i = first; i < Math.min(subjects, first + chunk); i++) {
        plans.push({
          workflow: 'videoid-request',
          id: `backlog-${i}`,
          events: Array.from({ length: EVENTS_PER_SUBJECT }, () => TRANSITION),
        });
      }
      // the stored events are dropped chunk by chunk: only the database holds the backlog
      await fillSubjects(t.runtime.store, registry, t.tenantId, plans, { perCommit: 10, inFlight: 4 });
    }
    let pending = 0;
    for (;;) {
      const consumed = await t.runtime.push.deliveries.fanOut(5_000, matchEndpoints, Date.now());
      if (consumed === 0) break;
      pending += consumed;
    }
    return { dataDir: t.dataDir, pending };
  } finally {
    await t.runtime.close(); // not t.close(): the data dir is the measured process's
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/** One run: fill, start the worker process, count pushes received over the window, read its peak RSS. */
async function drain(receivers: Receivers, url: string, deliveries: number, windowMs: number) {
  const { dataDir, pending } = await fillBacklog(deliveries, url);
  try {
    await receivers.reset();
    const worker = await startWorkerProcess(null, { dataDir });
    try {
      const started = now();
      let received = 0;
      // until every delivery arrived or the window ended, whichever is first
      while (now() - started < windowMs && received < pending) {
        await sleep(50);
        received = await receivers.hits();
      }
      const seconds = (now() - started) / 1000;
      const peakRssMb = statusKb(worker.pid, 'VmHWM') / 1024;
      return { pending, peakRssMb, drainPerSecond: received / seconds };
    } finally {
      await worker.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchBacklog(opts: { repeats: number; durationMs: number }): Promise<BacklogRow[]> {
  const large = Number(process.env.BACKLOG_DELIVERIES ?? 1_000_000);
  const windowMs = Math.max(2 * opts.durationMs, 10_000);
  const receivers = await startReceivers([{ count: 1, mode: 'ok' }]);
  const url = receivers.urls[0]?.[0] as string;
  const rows = new Map<number, Array<{ pending: number; peakRssMb: number; drainPerSecond: number }>>();
  try {
    for (let i = 0; i < opts.repeats; i++) {
      for (const size of [SMALL_BACKLOG, large]) {
        const run = await drain(receivers, url, size, windowMs);
        rows.set(size, [...(rows.get(size) ?? []), run]);
      }
    }
  } finally {
    await receivers.close();
  }
  return [...rows.entries()].map(([size, runs]) => ({
    label: `${size === SMALL_BACKLOG ? 'small queue' : 'backlog'}: ${runs[0]?.pending ?? size} pending at start (SQLite, one worker process)`,
    pending: runs[0]?.pending ?? size,
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
    drainPerSecond: median(runs.map((r) => r.drainPerSecond)),
    runs: runs.map((r) => ({ peakRssMb: Math.round(r.peakRssMb), drainPerSecond: Math.round(r.drainPerSecond) })),
  }));
}
