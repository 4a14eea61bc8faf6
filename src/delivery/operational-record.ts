import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../events/event.js';
import { newEventId } from '../events/event-id.js';
import type { IdempotencyWrite, Store } from '../storage/store.js';
import { OPERATIONAL_WORKFLOW } from '../workflows/builtin/operational.js';
import { applyEvent, createSubject } from '../workflows/engine.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { OperationalIntent, OperationalType } from './operational-intent.js';

export interface RecordDeps {
  store: Store;
  registry: WorkflowRegistry;
  clock: () => Date;
  onCommitted?: (events: StoredEvent[]) => void;
  onError?: (error: unknown) => void;
}

/** A version conflict or a creation race is retried this many times; the engine re-judges each time. */
const MAX_WRITES = 4;

/** The operational subject of an endpoint. */
export const endpointSubjectId = (endpointId: string) => `endpoint.${endpointId}`;

/**
 * Where each type is recorded, and from which states of that subject (`null`:
 * no subject yet, the event creates it). What is not news is not recorded:
 * `endpoint.failing` of a subject already failing, `endpoint.recovered` of one
 * never reported failing or disabled.
 */
const PLACES: Record<OperationalType, { subject: (data: Record<string, unknown>) => string; from: unknown[] }> = {
  'endpoint.failing': { subject: (d) => endpointSubjectId(String(d.endpointId)), from: ['healthy', null] },
  'endpoint.disabled': { subject: (d) => endpointSubjectId(String(d.endpointId)), from: ['healthy', 'failing', null] },
  'endpoint.recovered': { subject: (d) => endpointSubjectId(String(d.endpointId)), from: ['failing', 'disabled'] },
  'delivery.dead-lettered': {
    subject: (d) => endpointSubjectId(String(d.endpointId)),
    from: ['healthy', 'failing', 'disabled', null],
  },
  'signing-key.rotated': { subject: (d) => `signing-key.${String(d.purpose)}`, from: ['rotated', null] },
  'retention.completed': { subject: () => 'retention', from: ['pruned', null] },
};

/**
 * Records one intent's event in `tenantId` through the workflow engine and
 * the store's commit, like any event, so feeds, SETs, pushes and the console
 * see it. Its commit carries the intent's key as Idempotency-Key: a drain
 * redone after a crash that came between this commit and the intent's delete
 * gets `idempotency_replay` and records nothing twice (the key is kept a day,
 * `IDEMPOTENCY_TTL_MS`, far longer than any intent waits). Throws when the
 * store fails or conflicts keep coming: the intent stays for the next drain.
 */
export async function recordIntent(deps: RecordDeps, tenantId: string, intent: OperationalIntent): Promise<void> {
  const { store, registry } = deps;
  const place = PLACES[intent.type];
  if (!place) return; // a type this version does not know (written by a newer one): nothing to record it as
  const type = intent.type;
  const data = intent.data;
  const id = place.subject(data);
  if (type === 'delivery.dead-lettered') {
    // a dead letter of an operational event records nothing: a failing operator endpoint would feed itself
    const event = await store.getEvent(tenantId, String(data.eventId));
    if (event?.workflow === OPERATIONAL_WORKFLOW) return;
  }
  for (let write = 0; write < MAX_WRITES; write++) {
    const subject = await store.getSubject(tenantId, id);
    if (!place.from.includes(subject?.status ?? null)) return;
    const ctx = { now: deps.clock(), newSubjectId: randomUUID, newEventId };
    const change = subject
      ? applyEvent(registry, subject, { type, data }, ctx)
      : createSubject(registry, { tenantId, workflow: OPERATIONAL_WORKFLOW, id, parent: null, type, data }, ctx);
    if (!change.ok) {
      // the definition refuses it, now and on every retry: reported, and the intent is done
      deps.onError?.(change.error);
      return;
    }
    const result = await store.commit(tenantId, change.value, idempotencyOf(intent, ctx.now));
    if (result.ok) {
      deps.onCommitted?.(result.events);
      return;
    }
    if (result.reason === 'idempotency_replay') return;
    // another process recorded on this subject first: judge again against what it wrote
  }
  throw new Error(`operational event ${type} on ${id}: the subject kept changing`);
}

/** Never a hash the HTTP layer makes (hex), so no API request can replay it. */
const INTENT_HASH = 'operational-intent';

function idempotencyOf(intent: OperationalIntent, now: Date): IdempotencyWrite {
  return {
    key: `tidings-operational-${intent.key}`,
    requestHash: INTENT_HASH,
    createdAt: now.toISOString(),
    respond: (events) => ({ status: 201, body: { events: events.map((e) => e.id) } }),
  };
}
