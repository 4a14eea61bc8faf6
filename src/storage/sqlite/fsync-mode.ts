/**
 * Where the embedded store's commit waits for the disk (`TIDINGS_SQLITE_FSYNC`).
 * Both are equally durable: no change is answered before its fsync ends.
 *   - `off-loop` (the default): COMMIT without fsync, then an `fdatasync` of
 *     the WAL on the thread pool (`wal-sync.ts`). Requests and pushes run
 *     while the disk works.
 *   - `commit`: SQLite's own fsync inside COMMIT (`synchronous = FULL`). The
 *     event loop waits for the disk once per batch: cheaper on a fast disk
 *     at saturation, but every slow fsync stalls every request.
 * Measured (bench `mixed` and `push-latency`, bench/RESULTS.md, session 13),
 * on a disk whose fdatasync takes 0.1–0.3 ms: `commit` runs the saturated mix
 * at 1.05× the deliveries/s and 0.91× the CPU an event, but at a steady
 * 1,000 transitions/s its POSTs' p99 was 552–620 ms against 25–49 ms, and
 * 201 → receipt 46–70 ms against 9–11; where every fsync takes 3 ms more it
 * also loses the mix (0.91×). A start-up probe of the disk's median fsync
 * chose `commit` on that disk and could not see the stalls, so it was dropped.
 */
export type FsyncMode = 'off-loop' | 'commit';
export const FSYNC_MODES: readonly FsyncMode[] = ['off-loop', 'commit'];
