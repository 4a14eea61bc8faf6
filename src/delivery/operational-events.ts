import type { StoredEvent } from '../events/event.js';
import type { Store } from '../storage/store.js';
import { OPERATIONAL_WORKFLOW } from '../workflows/builtin/operational.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { DeliveryRecord } from './delivery.js';
import type { EndpointRecord } from './endpoint.js';
import { newIntent, type OperationalIntent, type OperationalType } from './operational-intent.js';
import { recordIntent } from './operational-record.js';
import type { OperationalIntentStorage } from './storage/operational-intent-storage.js';

export interface OperationalEventsDeps {
  store: Store;
  registry: WorkflowRegistry;
  /** The outbox the causes write their intents to. */
  intents: OperationalIntentStorage;
  clock: () => Date;
  /** An endpoint failing this long gets `endpoint.failing` (`TIDINGS_ENDPOINT_FAILING_AFTER`). */
  failingAfterMs: number;
  /** After a commit: wake the dispatcher, count the transitions. */
  onCommitted?: (events: StoredEvent[]) => void;
  onError?: (error: unknown) => void;
}

/** What one retention run deleted in one tenant (`RetentionJob`). */
export interface RetentionTally {
  events: number;
  deliveries: number;
  attempts: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Intents read per query of a drain: far more than ever wait at once. */
const DRAIN_BATCH = 100;

/**
 * The `operational` workflow's events (`workflows/builtin/operational.ts`).
 * Their causes do not record them: each writes an intent in its own
 * transaction (`operational-intent.ts`), built here, and `drain` records
 * the intents in the tenants as ordinary events (`operational-record.ts`)
 * and deletes them. A transactional outbox rather than the event in the
 * cause's transaction: the causes are the delivery stores' group-committed
 * attempt records (on PostgreSQL a single statement with no transaction
 * around it), an endpoint's health update, a key rotation and a retention
 * run, while an event needs the workflow engine's read-judge-write against
 * its subject and the store's own group commit with its per-tenant sequence
 * lock; an intent is one INSERT in the cause's statement, on rare paths only.
 * The builders return null when the server has no `operational` workflow (a
 * test registry): nothing is written then.
 */
export class OperationalEvents {
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private again = false;

  constructor(private readonly deps: OperationalEventsDeps) {}

  private intent(tenantId: string | null, type: OperationalType, data: Record<string, unknown>) {
    if (!this.deps.registry.get(OPERATIONAL_WORKFLOW)) return null;
    return newIntent(tenantId, type, data, this.deps.clock().getTime());
  }

  private endpointIntent(endpoint: EndpointRecord, type: OperationalType, details: Record<string, unknown>) {
    return this.intent(endpoint.tenantId, type, { endpointId: endpoint.id, url: endpoint.url, ...details });
  }

  /** After a failed attempt: `endpoint.failing` once the endpoint has failed for `failingAfterMs`. */
  failed(endpoint: EndpointRecord, nowMs: number): OperationalIntent | null {
    const since = endpoint.failingSince ?? nowMs;
    if (nowMs - since < this.deps.failingAfterMs) return null;
    return this.endpointIntent(endpoint, 'endpoint.failing', { failingSince: iso(since) });
  }

  /** After a success of an endpoint that was failing, or when a disabled endpoint is enabled again. */
  recovered(endpoint: EndpointRecord, how: 'succeeded' | 'enabled'): OperationalIntent | null {
    return this.endpointIntent(endpoint, 'endpoint.recovered', { how });
  }

  disabled(endpoint: EndpointRecord, reason: string): OperationalIntent | null {
    return this.endpointIntent(endpoint, 'endpoint.disabled', { reason });
  }

  /** A delivery gave up (none is recorded for a delivery of an operational event: see `recordIntent`). */
  deadLettered(endpoint: EndpointRecord, delivery: DeliveryRecord, attempts: number, lastError: string) {
    return this.endpointIntent(endpoint, 'delivery.dead-lettered', {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      attempts,
      lastError,
    });
  }

  /**
   * After a retention run: `retention.completed` in each tenant it deleted
   * something of. Written after the run's last delete: a crash during the run
   * loses its tally (what it deleted stays deleted and is not counted again).
   */
  async retentionCompleted(cutoff: string, byTenant: ReadonlyMap<string, RetentionTally>): Promise<void> {
    const intents = [...byTenant]
      .filter(([, t]) => t.events + t.deliveries + t.attempts > 0)
      .map(([tenantId, tally]) => this.intent(tenantId, 'retention.completed', { cutoff, ...tally }))
      .filter((i): i is OperationalIntent => i !== null);
    if (intents.length === 0) return;
    await this.deps.intents.add(intents);
    this.wake();
  }

  /** Drains every `pollMs` (intents of other processes: the API's, `tidings keys rotate`) and when woken. */
  start(pollMs = 1_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.draining;
  }

  /** A cause of this process wrote an intent: drain now (only where `start` was called). */
  wake(): void {
    if (!this.timer) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .then(
        () => undefined,
        (error: unknown) => this.deps.onError?.(error),
      )
      .finally(() => {
        this.draining = null;
        if (this.again && this.timer) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Records every intent, oldest first, each in its tenant (every tenant for
   * a tenantless one), then deletes it: at least once, and never twice
   * thanks to the commit's Idempotency-Key. Stops at the first failure, so
   * an endpoint's events keep their order; the rest wait for the next drain.
   * Returns how many intents were done; 0 when another process drains.
   */
  async drain(): Promise<number> {
    const { intents, store } = this.deps;
    const done = await intents.exclusively(async () => {
      let count = 0;
      for (;;) {
        const batch = await intents.oldest(DRAIN_BATCH);
        for (const intent of batch) {
          const tenants = intent.tenantId === null ? (await store.listTenants()).map((t) => t.id) : [intent.tenantId];
          if (this.deps.registry.get(OPERATIONAL_WORKFLOW)) {
            for (const tenantId of tenants) await recordIntent(this.deps, tenantId, intent);
          }
          await intents.delete(intent.seq);
          count += 1;
        }
        if (batch.length < DRAIN_BATCH) return count;
      }
    });
    return done ?? 0;
  }
}
