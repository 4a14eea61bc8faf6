import { randomUUID } from 'node:crypto';

/** The `operational` workflow's event types (`workflows/builtin/operational.ts`). */
export const OPERATIONAL_TYPES = [
  'endpoint.failing',
  'endpoint.disabled',
  'endpoint.recovered',
  'delivery.dead-lettered',
  'signing-key.rotated',
  'retention.completed',
] as const;
export type OperationalType = (typeof OPERATIONAL_TYPES)[number];

/**
 * An operational event to record, stored in the transaction of the change
 * that causes it (an attempt record, an endpoint disabled, a key rotated), a
 * transactional outbox: `OperationalEvents.drain` turns it into the event and
 * deletes it. A crash between cause and event leaves the intent, and the
 * next drain, in this process after a restart or in another worker, records
 * the event. A drain redone after a crash between the event's commit and the
 * intent's delete records nothing twice: `key` is the Idempotency-Key of the
 * event's commit in each tenant (`Store.commit`), and the state machine
 * refuses a second `endpoint.failing` anyway.
 */
export interface OperationalIntent {
  /** Random (a guessable key could be taken first by a tenant's own Idempotency-Key). */
  key: string;
  /** null: every tenant (a signing key is the deployment's, and every tenant's integrators verify with it). */
  tenantId: string | null;
  type: OperationalType;
  /** The event's data, and what the drain needs to pick the subject (`endpointId`, `purpose`). */
  data: Record<string, unknown>;
  /** Epoch ms of the cause. */
  createdAt: number;
}

/** An intent as stored: `seq` orders the intents as their causes were committed. */
export interface StoredIntent extends OperationalIntent {
  seq: number;
}

export function newIntent(
  tenantId: string | null,
  type: OperationalType,
  data: Record<string, unknown>,
  createdAt: number,
): OperationalIntent {
  return { key: randomUUID(), tenantId, type, data, createdAt };
}

/** What a signing-key rotation tells integrators (`KeyRing.rotate`). */
export interface KeyRotation {
  purpose: string;
  kid: string;
  alg: string;
  /** The key it replaced, now rotated out; null when there was none (a first key). */
  retiredKid: string | null;
  rotatedAt: string;
  /** The new key signs from then (`TIDINGS_KEY_PUBLISH_LEAD` after its creation). */
  signsFrom: string;
  /** The retired key leaves the JWKS then (`TIDINGS_KEY_OVERLAP` after the rotation): SETs it signed no longer verify. */
  retiredKeyLeavesJwksAt: string | null;
}

/** `signing-key.rotated`, for every tenant. */
export function signingKeyRotated(rotation: KeyRotation): OperationalIntent {
  return newIntent(null, 'signing-key.rotated', { ...rotation }, Date.parse(rotation.rotatedAt));
}
