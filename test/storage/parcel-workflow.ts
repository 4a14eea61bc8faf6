import { randomUUID } from 'node:crypto';
import { newEventId } from '../../src/events/event-id.js';
import type { ApiKeyRecord, Store, Tenant } from '../../src/storage/store.js';
import type { Subject } from '../../src/subjects/subject.js';
import {
  applyEvent,
  type Change,
  createSubject,
  type EngineContext,
  updateAttributes,
} from '../../src/workflows/engine.js';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';

/**
 * A tiny test-only workflow, so the storage tests build real `Change`s through
 * the engine without depending on the built-in workflows: a parcel is opened,
 * packed (spawning one `item` child per entry of `data.items`), shipped
 * (arming a one-day "lost" timer) and delivered.
 */
const parcel: WorkflowDefinition = {
  name: 'parcel',
  title: 'Parcel',
  description: 'test workflow',
  states: ['open', 'shipped', 'delivered', 'lost'],
  terminalStates: ['delivered', 'lost'],
  initial: [{ type: 'parcel-opened', to: 'open' }],
  transitions: [
    {
      type: 'parcel-packed',
      from: ['open'],
      to: 'open',
      spawn: { workflow: 'item', field: 'items', type: 'item-added' },
    },
    { type: 'parcel-shipped', from: ['open'], to: 'shipped' },
    { type: 'parcel-delivered', from: ['shipped'], to: 'delivered' },
    { type: 'parcel-lost', from: ['shipped'], to: 'lost' },
  ],
  timers: [{ name: 'lost-after-a-day', states: ['shipped'], after: '1d', fire: 'parcel-lost', data: { by: 'timer' } }],
  format: 'native',
};

const item: WorkflowDefinition = {
  name: 'item',
  title: 'Item',
  description: 'test workflow, child of a parcel',
  states: ['in'],
  terminalStates: [],
  initial: [{ type: 'item-added', to: 'in' }],
  transitions: [],
  parent: { workflows: ['parcel'], required: true },
  format: 'native',
};

const registry = createWorkflowRegistry([parcel, item]);

/** A clock that moves one second per change, so every subject has its own `createdAt`. */
export function testClock(start = '2030-01-01T00:00:00.000Z') {
  let now = Date.parse(start);
  return (): EngineContext => {
    now += 1_000;
    return { now: new Date(now), newSubjectId: () => `sub_${randomUUID()}`, newEventId };
  };
}

const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

export function openParcel(
  ctx: EngineContext,
  tenantId: string,
  options: { id?: string; attributes?: Record<string, unknown>; data?: Record<string, unknown> } = {},
): Change {
  return unwrap(createSubject(registry, { tenantId, workflow: 'parcel', parent: null, ...options }, ctx));
}

export function moveParcel(ctx: EngineContext, subject: Subject, type: string, data?: Record<string, unknown>): Change {
  return unwrap(applyEvent(registry, subject, { type, ...(data ? { data } : {}) }, ctx));
}

/** An attribute change: a subject write with no event. */
export function patchParcel(ctx: EngineContext, subject: Subject, patch: Record<string, unknown>): Change {
  return unwrap(updateAttributes(registry, subject, patch, ctx));
}

/** The first (main) subject a change writes. */
export function subjectOf(change: Change): Subject {
  const write = change.subjects[0];
  if (!write) throw new Error('change writes no subject');
  return write.subject;
}

let tenantCounter = 0;

/** A new tenant with one API key; ids are random so tests sharing a database do not meet. */
export async function newTenant(store: Store, name = 'Acme'): Promise<{ tenant: Tenant; key: ApiKeyRecord }> {
  tenantCounter += 1;
  const createdAt = new Date(Date.UTC(2030, 0, 1, 0, 0, tenantCounter)).toISOString();
  const tenant: Tenant = { id: `ten_${randomUUID()}`, name, createdAt };
  const key: ApiKeyRecord = {
    id: `key_${randomUUID()}`,
    tenantId: tenant.id,
    name: 'first',
    secretHash: 'a'.repeat(64),
    scopes: ['subjects:write', 'events:read'],
    createdAt,
    revokedAt: null,
  };
  await store.createTenant(tenant, key);
  return { tenant, key };
}
