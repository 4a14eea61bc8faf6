import type { DeliveryStore } from '../delivery/storage/delivery-store.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Store } from '../storage/store.js';
import type { FeedStorage } from './storage/feed-storage.js';
import type { StreamStorage } from './storage/stream-storage.js';

export interface RetentionJobDeps {
  store: Store;
  storage: FeedStorage;
  /** Its recorded setErrs age out with the events they were about. */
  streams?: StreamStorage;
  /** Push deliveries and their attempts, finished and older than the window, go too. */
  deliveries?: Pick<DeliveryStore, 'pruneFinished'>;
  keys: KeyRing;
  clock: () => Date;
  retentionDays: number;
  /**
   * Rows deleted per transaction (default 1,000): short enough that a SQLite
   * writer waits at most a few ms behind it, large enough that 1M expired
   * events take 1,000 statements.
   */
  batchSize?: number;
  logger?: { error: (obj: object, msg: string) => void };
  /**
   * After a run, with what it deleted per tenant and its cutoff: the server
   * records `retention.completed` in each tenant it deleted something of
   * (`OperationalEvents.retentionCompleted`).
   */
  onCompleted?: (cutoff: string, byTenant: ReadonlyMap<string, TenantTally>) => Promise<void>;
}

/** What a run deleted of one tenant's data. */
export interface TenantTally {
  events: number;
  deliveries: number;
  attempts: number;
}

/**
 * What a run deleted: the totals, and per tenant what is counted by tenant
 * (events, deliveries, attempts). SETs dropped for re-signing, SET errors and
 * idempotency records are counted for the deployment only: they are deleted
 * in global batches, and a dropped SET is signed again, not lost.
 */
export interface RetentionRun {
  events: number;
  sets: number;
  idempotencyRecords: number;
  setErrors: number;
  deliveries: number;
  attempts: number;
  byTenant: Map<string, TenantTally>;
}

const nothing = (): RetentionRun => ({
  events: 0,
  sets: 0,
  idempotencyRecords: 0,
  setErrors: 0,
  deliveries: 0,
  attempts: 0,
  byTenant: new Map(),
});

/**
 * Idempotency-Key answers are kept a day (as Stripe does): long enough for any
 * client retry, and short enough that an erased subject's data does not live
 * on in a stored answer.
 */
export const IDEMPOTENCY_TTL_MS = 86_400_000;

/**
 * Deletes events older than the retention window (default 90 days, seed 003's
 * "3 months") in bounded batches, with their SETs; finished push deliveries
 * created before it, with their attempts; and drops stored SETs signed
 * by keys rotated out of the JWKS, so they are re-signed with a published key
 * at next read.
 */
export class RetentionJob {
  private handle: NodeJS.Timeout | null = null;
  private running: Promise<RetentionRun> | null = null;

  constructor(private readonly deps: RetentionJobDeps) {}

  async runOnce(): Promise<RetentionRun> {
    const { store, storage, keys, clock } = this.deps;
    const batch = this.deps.batchSize ?? 1_000;
    const cutoff = new Date(clock().getTime() - this.deps.retentionDays * 86_400_000).toISOString();
    const run = nothing();
    for (const tenant of await store.listTenants()) {
      for (;;) {
        const deleted = await storage.deleteExpiredEvents(tenant.id, cutoff, batch);
        run.events += deleted;
        if (deleted > 0) tallyOf(run, tenant.id).events += deleted;
        if (deleted < batch) break;
        await yieldToEventLoop();
      }
    }
    const retired = await keys.retiredKids();
    for (;;) {
      const deleted = await storage.deleteSetsSignedBy(retired, batch);
      run.sets += deleted;
      if (deleted < batch) break;
      await yieldToEventLoop();
    }
    for (;;) {
      const deleted = (await this.deps.streams?.deleteSetErrorsBefore(cutoff, batch)) ?? 0;
      run.setErrors += deleted;
      if (deleted < batch) break;
      await yieldToEventLoop();
    }
    await this.pruneDeliveries(Date.parse(cutoff), batch, run);
    const keysBefore = new Date(clock().getTime() - IDEMPOTENCY_TTL_MS).toISOString();
    for (;;) {
      const deleted = await store.deleteIdempotencyRecords(keysBefore, batch);
      run.idempotencyRecords += deleted;
      if (deleted < batch) break;
      await yieldToEventLoop();
    }
    await this.deps.onCompleted?.(cutoff, run.byTenant);
    return run;
  }

  /**
   * Walks the deliveries oldest first, a batch per transaction, until it meets
   * one created inside the window; a pending one is passed over, not deleted.
   */
  private async pruneDeliveries(beforeMs: number, batch: number, run: RetentionRun): Promise<void> {
    const deliveries = this.deps.deliveries;
    if (!deliveries) return;
    let after: string | null = null;
    do {
      const pruned = await deliveries.pruneFinished(beforeMs, after, batch);
      run.deliveries += pruned.deliveries;
      run.attempts += pruned.attempts;
      for (const [tenantId, t] of Object.entries(pruned.byTenant)) {
        const tally = tallyOf(run, tenantId);
        tally.deliveries += t.deliveries;
        tally.attempts += t.attempts;
      }
      after = pruned.next;
      await yieldToEventLoop();
    } while (after !== null);
  }

  /** Runs now and then every `intervalMs` (default 10 min: the window is counted in days). */
  start(intervalMs = 600_000, logger = this.deps.logger): void {
    if (this.handle) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((error: unknown) => {
          logger?.error({ err: error }, 'retention run failed');
          return nothing();
        })
        .finally(() => {
          this.running = null;
        });
    };
    this.handle = setInterval(tick, intervalMs);
    this.handle.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
    await this.running;
  }
}

function tallyOf(run: RetentionRun, tenantId: string): TenantTally {
  let tally = run.byTenant.get(tenantId);
  if (!tally) {
    tally = { events: 0, deliveries: 0, attempts: 0 };
    run.byTenant.set(tenantId, tally);
  }
  return tally;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
