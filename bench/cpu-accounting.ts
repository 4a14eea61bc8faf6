/**
 * CPU accounting for the benchmarks, from `/proc` (Linux): the user + system
 * time of every process that serves a system under test, summed, so a
 * scenario can print CPU seconds per delivery beside its wall-time figure.
 * On these shared 2-core machines wall time depends on what the neighbours
 * run; CPU time spent by the system's own processes much less so.
 *
 * A meter is given groups of processes (`self`, pids, a PostgreSQL
 * database's backends, the PostgreSQL server's shared processes, the Redis
 * server). It reads each matching process's `utime + stime` at the start,
 * every `sampleMs` while running (so a backend that exits meanwhile keeps
 * what it spent) and at the end. A process that appears in the window is
 * counted from zero, since all its time falls inside the window. Threads
 * (SQLite's checkpoint worker, libuv's pool) are part of their process's
 * figures.
 *
 * Shared processes (Redis, PostgreSQL's walwriter and checkpointer) also
 * serve whatever else runs on the machine: on a busy machine their share is
 * an upper bound. Each group is reported apart so a reader can see it.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ; 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/** A named way to find processes: returns the pids that belong to the group now. */
export interface ProcessGroup {
  name: string;
  pids(): number[];
}

/** CPU seconds (user + system) of one process, or null when it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU seconds of a process's main thread alone (its thread id is its pid), or
 * null when it is gone. For Node this is the event loop, the part of a
 * process that cannot use a second core; a PostgreSQL backend has no other.
 */
export function mainThreadCpuSecondsOf(pid: number): number | null {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuSeconds(path: string): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    // the command name (field 2) may hold spaces: fields after its closing parenthesis are fixed
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Pids whose command line matches `test`. */
export function pidsWhere(test: (cmdline: string) => boolean): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (test(commandLine(entry))) out.push(Number(entry));
  }
  return out;
}

/** This process (an in-process system under test, e.g. Tidings on SQLite, or a queue's worker). */
export const thisProcess = (name = 'this process'): ProcessGroup => ({ name, pids: () => [process.pid] });

/** Fixed pids, e.g. `tidings serve` children. */
export const processes = (name: string, pids: number[]): ProcessGroup => ({ name, pids: () => pids });

/** The backends serving one PostgreSQL database (their title names it: `postgres: user db host(port) state`). */
export function postgresBackends(database: string): ProcessGroup {
  const needle = ` ${database} `;
  return {
    name: `PostgreSQL backends of ${database}`,
    pids: () => pidsWhere((c) => c.startsWith('postgres: ') && c.includes(needle)),
  };
}

/** The PostgreSQL server's own processes that serve every database: WAL writer, checkpointer, background writer. */
export const postgresShared = (): ProcessGroup => ({
  name: 'PostgreSQL shared (walwriter, checkpointer, bgwriter)',
  pids: () => pidsWhere((c) => /^postgres: .*(walwriter|checkpointer|background writer)/.test(c)),
});

/** The Redis server (shared with anything else on the machine that uses it). */
export const redisServer = (): ProcessGroup => ({
  name: 'redis-server',
  pids: () => pidsWhere((c) => c.startsWith('redis-server')),
});

export interface CpuReport {
  /** CPU seconds of all groups together. */
  seconds: number;
  /** Wall seconds the meter ran. */
  wallSeconds: number;
  groups: Array<{ name: string; seconds: number }>;
  /** Each process seen: its CPU seconds, and its main thread's (see `mainThreadCpuSecondsOf`). */
  processes: Array<{ group: string; pid: number; seconds: number; mainThreadSeconds: number }>;
}

/**
 * Starts measuring the given groups; `stop()` returns CPU seconds spent in
 * the window. A pid listed by two groups counts once, in the first.
 */
export function startCpuMeter(groups: ProcessGroup[], sampleMs = 250): { stop(): CpuReport } {
  const startedAt = performance.now();
  /** pid → group index, CPU at start and last seen, its main thread's at start and last seen */
  const seen = new Map<number, { g: number; start: number; last: number; mainStart: number; mainLast: number }>();
  const sample = (first: boolean) => {
    groups.forEach((group, g) => {
      for (const pid of group.pids()) {
        const cpu = cpuSecondsOf(pid);
        const main = mainThreadCpuSecondsOf(pid);
        if (cpu === null || main === null) continue;
        const known = seen.get(pid);
        if (known) {
          known.last = cpu;
          known.mainLast = main;
        } else {
          seen.set(pid, { g, start: first ? cpu : 0, last: cpu, mainStart: first ? main : 0, mainLast: main });
        }
      }
    });
  };
  sample(true);
  const timer = setInterval(() => sample(false), sampleMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      const totals = groups.map((group) => ({ name: group.name, seconds: 0 }));
      const perProcess: CpuReport['processes'] = [];
      for (const [pid, { g, start, last, mainStart, mainLast }] of seen) {
        const total = totals[g];
        if (total) total.seconds += last - start;
        perProcess.push({
          group: groups[g]?.name ?? '',
          pid,
          seconds: last - start,
          mainThreadSeconds: mainLast - mainStart,
        });
      }
      return {
        seconds: totals.reduce((n, t) => n + t.seconds, 0),
        wallSeconds: (performance.now() - startedAt) / 1000,
        groups: totals,
        processes: perProcess,
      };
    },
  };
}

/**
 * What the CPU accounting says a configuration could do on a machine with
 * `cores` cores to itself, in items per second: the work is bounded both by
 * all its CPU shared over the cores and by its busiest single thread (a Node
 * event loop or a PostgreSQL backend cannot use a second core). On these
 * 2-core machines, where a second worker process only shares the same two
 * cores, this is how "two workers beat one where a third core is free" is
 * read (issue 17): wall time cannot show it. A model: it assumes no waits
 * (locks, round trips) grow with the cores, which the wall time at 2 cores
 * can check only for the worse.
 */
export function coreBound(
  report: CpuReport,
  items: number,
  cores: number,
): {
  perSecond: number;
  busiestThread: { group: string; pid: number; msPerItem: number } | null;
} {
  let busiest: CpuReport['processes'][number] | null = null;
  for (const p of report.processes) if (!busiest || p.mainThreadSeconds > busiest.mainThreadSeconds) busiest = p;
  const perItemAll = report.seconds / items / cores;
  const perItemThread = busiest ? busiest.mainThreadSeconds / items : 0;
  return {
    perSecond: 1 / Math.max(perItemAll, perItemThread),
    busiestThread: busiest ? { group: busiest.group, pid: busiest.pid, msPerItem: 1000 * perItemThread } : null,
  };
}

/** "0.123 ms" of CPU per item, for tables. */
export function cpuMsPer(report: CpuReport | undefined, items: number): number {
  return report && items > 0 ? (1000 * report.seconds) / items : Number.NaN;
}

/** The machine's 1-minute load average, to print beside a figure taken on a shared machine. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}
