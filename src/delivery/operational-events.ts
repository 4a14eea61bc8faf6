import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../events/event.js';
import { newEventId } from '../events/event-id.js';
import type { Store } from '../storage/store.js';
import { OPERATIONAL_WORKFLOW } from '../workflows/builtin/operational.js';
import { applyEvent, createSubject } from '../workflows/engine.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { DeliveryRecord } from './delivery.js';
import type { EndpointRecord } from './endpoint.js';

export interface OperationalEventsDeps {
  store: Store;
  registry: WorkflowRegistry;
  clock: () => Date;
  /** An endpoint failing this long gets `endpoint.failing` (`TIDINGS_ENDPOINT_FAILING_AFTER`). */
  failingAfterMs: number;
  /** After a commit: wake the dispatcher, count the transitions. */
  onCommitted?: (events: StoredEvent[]) => void;
  onError?: (error: unknown) => void;
}

type OperationalType = 'endpoint.failing' | 'endpoint.disabled' | 'endpoint.recovered' | 'delivery.dead-lettered';

/** A version conflict or a creation race is retried this many times; the engine re-judges each time. */
const MAX_WRITES = 4;

const iso = (ms: number) => new Date(ms).toISOString();

/** The operational subject of an endpoint. */
export const endpointSubjectId = (endpointId: string) => `endpoint.${endpointId}`;

/**
 * Records the `operational` workflow's events (`workflows/builtin/operational.ts`)
 * in the endpoint's tenant, through the workflow engine and the store's
 * commit like any event, so feeds, SETs, pushes and the console see them.
 * The state machine decides what is news: `endpoint.recovered` of an
 * endpoint never reported failing is not a transition and records nothing.
 * Never throws: a push's outcome is recorded already when this runs.
 */
export class OperationalEvents {
  constructor(private readonly deps: OperationalEventsDeps) {}

  /** After a failed attempt: `endpoint.failing` once the endpoint has failed for `failingAfterMs`. */
  async failed(endpoint: EndpointRecord, nowMs: number): Promise<void> {
    const since = endpoint.failingSince ?? nowMs;
    if (nowMs - since < this.deps.failingAfterMs) return;
    await this.record(endpoint, 'endpoint.failing', ['healthy', null], {
      failingSince: iso(since),
    });
  }

  /** After a success of an endpoint that was failing, or when a disabled endpoint is enabled again. */
  async recovered(endpoint: EndpointRecord, how: 'succeeded' | 'enabled'): Promise<void> {
    await this.record(endpoint, 'endpoint.recovered', ['failing', 'disabled'], { how });
  }

  async disabled(endpoint: EndpointRecord, reason: string): Promise<void> {
    await this.record(endpoint, 'endpoint.disabled', ['healthy', 'failing', null], { reason });
  }

  /** A delivery gave up; nothing for a delivery of an operational event (a failing operator endpoint would feed itself). */
  async deadLettered(endpoint: EndpointRecord, delivery: DeliveryRecord, attempts: number, lastError: string) {
    try {
      const event = await this.deps.store.getEvent(delivery.tenantId, delivery.eventId);
      if (event?.workflow === OPERATIONAL_WORKFLOW) return;
    } catch (error) {
      this.deps.onError?.(error);
      return;
    }
    await this.record(endpoint, 'delivery.dead-lettered', ['healthy', 'failing', 'disabled', null], {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      attempts,
      lastError,
    });
  }

  /**
   * Commits `type` on the endpoint's subject when its status is one of
   * `from` (`null`: no subject yet, the event creates it). Skipped when the
   * server has no `operational` workflow (a test registry).
   */
  private async record(
    endpoint: EndpointRecord,
    type: OperationalType,
    from: Array<string | null>,
    details: Record<string, unknown>,
  ): Promise<void> {
    const { store, registry } = this.deps;
    if (!registry.get(OPERATIONAL_WORKFLOW)) return;
    const tenantId = endpoint.tenantId;
    const id = endpointSubjectId(endpoint.id);
    const data = { endpointId: endpoint.id, url: endpoint.url, ...details };
    try {
      for (let write = 0; write < MAX_WRITES; write++) {
        const subject = await store.getSubject(tenantId, id);
        if (!from.includes(subject?.status ?? null)) return;
        const ctx = { now: this.deps.clock(), newSubjectId: randomUUID, newEventId };
        const change = subject
          ? applyEvent(registry, subject, { type, data }, ctx)
          : createSubject(registry, { tenantId, workflow: OPERATIONAL_WORKFLOW, id, parent: null, type, data }, ctx);
        if (!change.ok) throw change.error;
        const result = await store.commit(tenantId, change.value);
        if (result.ok) {
          this.deps.onCommitted?.(result.events);
          return;
        }
        // another process recorded first: judge again against what it wrote
      }
    } catch (error) {
      this.deps.onError?.(error);
    }
  }
}
