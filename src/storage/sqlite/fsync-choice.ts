import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the embedded store's commit waits for the disk. Both are equally
 * durable (no change is answered before its fsync ends); they differ in who
 * waits:
 *   - `commit`: SQLite's own fsync inside COMMIT (`synchronous = FULL`). The
 *     event loop waits for the disk, once per batch, and nothing else is paid.
 *   - `off-loop`: COMMIT without fsync, then an `fdatasync` of the WAL on the
 *     thread pool (`wal-sync.ts`). Pushes and requests run while the disk
 *     works, for a thread-pool hop, a promise and two pragmas per batch.
 * Measured in the mix of `npm start` (bench `mixed`, RESULTS.md, session 13):
 * on a disk that syncs in ~0.1 ms the fsync inside COMMIT is cheaper; on one
 * that takes milliseconds (a network volume) the off-loop fsync is.
 */
export type FsyncMode = 'commit' | 'off-loop';
export type FsyncSetting = FsyncMode | 'auto';
export const FSYNC_SETTINGS: readonly FsyncSetting[] = ['auto', 'commit', 'off-loop'];

/**
 * `auto` keeps the fsync inside COMMIT while the data directory's disk makes
 * a small write durable faster than this (median of the probe's samples).
 */
export const COMMIT_FSYNC_BELOW_MS = 1;

export interface FsyncChoice {
  mode: FsyncMode;
  /** The probe's median, in ms; null when the mode was configured, not measured. */
  probeMs: number | null;
}

/** The median of the probe's samples, in ms. */
function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The mode a setting stands for; `measure` (the probe) runs only for `auto`. */
export function chooseFsync(setting: FsyncSetting, measure: () => number[]): FsyncChoice {
  if (setting !== 'auto') return { mode: setting, probeMs: null };
  const probeMs = Math.round(median(measure()) * 1000) / 1000;
  return { mode: probeMs < COMMIT_FSYNC_BELOW_MS ? 'commit' : 'off-loop', probeMs };
}

/**
 * How long `dir`'s disk takes to make a 4 KiB write durable: `samples`
 * appends to a scratch file, each followed by an `fdatasync`, timed in ms.
 * A WAL commit of a small batch is about that: a page or two appended. The
 * file is removed.
 */
export function probeFsyncMs(dir: string, samples = 9): number[] {
  const path = join(dir, `.fsync-probe-${process.pid}`);
  const page = Buffer.alloc(4096, 0x5a);
  const fd = openSync(path, 'w');
  try {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      writeSync(fd, page, 0, page.length, i * page.length);
      const started = performance.now();
      fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
