/**
 * Where the embedded store's commit waits for the disk (`TIDINGS_SQLITE_FSYNC`).
 * Both are equally durable: no change is answered before its fsync ends.
 *   - `off-loop` (the default): COMMIT without fsync, then an `fdatasync` of
 *     the WAL on the thread pool (`wal-sync.ts`). Requests and pushes run
 *     while the disk works.
 *   - `commit`: SQLite's own fsync inside COMMIT (`synchronous = FULL`). The
 *     event loop waits for the disk once per batch, and every slow fsync
 *     stalls every request.
 * Measured (bench `mixed` and `push-latency`, bench/RESULTS.md, session 13),
 * on a disk whose fdatasync takes 0.1–0.3 ms: level in the saturated mix, but
 * at a steady 1,000 transitions/s `commit` answered POSTs with a p99 of
 * 522–548 ms against 25–31 ms. A start-up probe of the disk's median fsync
 * chose `commit` on that disk and could not see the stalls, so it was dropped.
 */
export type FsyncMode = 'off-loop' | 'commit';
export const FSYNC_MODES: readonly FsyncMode[] = ['off-loop', 'commit'];
