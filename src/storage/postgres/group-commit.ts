import type pg from 'pg';
import type { Change } from '../../workflows/engine.js';
import type { CommitResult, IdempotencyWrite } from '../store.js';
import { commitBatch, type PendingCommit } from './commit-batch.js';

export interface GroupCommitOptions {
  /** Batches in flight at once, each on its own connection (default 2). */
  parallel?: number;
  /** Changes per transaction at most (default 256), to bound the statement's arrays and the lock window. */
  maxBatch?: number;
  /** `false`: events without render snapshots (bench only, see `PostgresStoreOptions`). */
  renderSnapshots?: boolean;
}

/**
 * Groups the `commit` calls of this process into shared transactions, as the
 * SQLite store does: calls issued in one event-loop turn form a batch; while
 * batches are in flight the next calls queue up and leave together as soon as
 * a slot frees. See `commit-batch.ts` for what one batch does.
 *
 * Measured with `npm run bench` (ingest: 64 HTTP clients, one tenant,
 * synchronous_commit on, PostgreSQL 15 on the same shared 2-core machine as
 * Node; load average 2.5-4 from other work, so single runs scatter by 2x):
 * one transaction per change, 6 runs of 3 s: 432-751/s, median ~640/s;
 * grouped, 2 batches in flight: 1,683-3,520/s, median ~2,560/s (about 4x,
 * SQLite ~5,000-7,400/s in the same runs). 1 or 4 batches in flight
 * measured 2,120/s and 2,500/s (medians of 3): within the noise here, where
 * PostgreSQL and Node share two cores; parallel batches overlap their subject
 * writes and only their append statement and COMMIT queue on the tenant row,
 * so they should pay off when the database has cores of its own.
 */
export class GroupCommit {
  private queue: PendingCommit[] = [];
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private drained: Array<() => void> = [];
  private readonly parallel: number;
  private readonly maxBatch: number;
  private readonly renderSnapshots: boolean;

  constructor(
    private readonly pool: pg.Pool,
    options: GroupCommitOptions = {},
  ) {
    this.parallel = Math.max(1, options.parallel ?? 2);
    this.maxBatch = Math.max(1, options.maxBatch ?? 256);
    this.renderSnapshots = options.renderSnapshots ?? true;
  }

  commit(tenantId: string, change: Change, idempotency: IdempotencyWrite | undefined): Promise<CommitResult> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        tenantId,
        change,
        idempotency,
        resolve,
        reject,
        ...(this.renderSnapshots ? {} : { renderSnapshots: false as const }),
      });
      this.schedule();
    });
  }

  /** Refuses new commits and resolves once every queued and in-flight batch has settled. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight === 0 && this.queue.length === 0 && !this.scheduled) return;
    await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  /** Waits one turn so that every commit issued in this turn joins the batch. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.parallel) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.inFlight < this.parallel && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void commitBatch(this.pool, batch)
        // commitBatch settles every change itself; this only guards against a bug leaving callers waiting.
        .catch((error: unknown) => {
          for (const item of batch) item.reject(error);
        })
        .finally(() => {
          this.inFlight -= 1;
          if (this.queue.length > 0) this.startBatches();
          else if (this.inFlight === 0 && !this.scheduled) for (const done of this.drained.splice(0)) done();
        });
    }
    if (this.inFlight === 0 && this.queue.length === 0) for (const done of this.drained.splice(0)) done();
  }
}
