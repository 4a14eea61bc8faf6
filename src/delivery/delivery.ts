import type { ErrorClass } from './attempt-outcome.js';

/**
 * A delivery's states:
 *   pending   → waiting for its next try (or being tried, while `leaseUntil` is in the future)
 *   succeeded → final: a 2xx was received
 *   failed    → final: a dead letter (schedule exhausted, or the endpoint answered 410);
 *               `replay` / `retry` put it back to pending
 */
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * `next_attempt_at` of a delivery held back by subject ordering until its
 * predecessor is final (the largest instant a Date holds). Held rows are
 * never due, so the lease never scans them; finishing a delivery releases the
 * next one. The lease still checks for an older pending sibling, so a missed
 * release only delays (the periodic `releaseHeld` sweep repairs it), never reorders.
 */
export const HELD = 8_640_000_000_000_000;

export interface DeliveryRecord {
  id: string;
  tenantId: string;
  endpointId: string;
  eventSequence: number;
  eventId: string;
  subjectId: string;
  /** Held back while an older delivery of the same subject to the same endpoint is pending. */
  ordered: boolean;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  leaseToken: string | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface AttemptRecord {
  id?: number;
  tenantId: string;
  endpointId: string;
  deliveryId: string;
  eventId: string;
  attempt: number;
  startedAt: number;
  outcome: 'succeeded' | 'failed';
  httpStatus: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
}

export const ATTEMPT_OUTCOMES = ['succeeded', 'failed'] as const;

const iso = (ms: number) => new Date(ms).toISOString();

export function publicDelivery(d: DeliveryRecord) {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventSequence: d.eventSequence,
    subjectId: d.subjectId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' && d.nextAttemptAt < HELD ? iso(d.nextAttemptAt) : null,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

export function publicAttempt(a: AttemptRecord) {
  return {
    id: String(a.id),
    deliveryId: a.deliveryId,
    eventId: a.eventId,
    attempt: a.attempt,
    startedAt: iso(a.startedAt),
    outcome: a.outcome,
    httpStatus: a.httpStatus,
    latencyMs: a.latencyMs,
    responseExcerpt: a.responseExcerpt,
    errorClass: a.errorClass,
    errorMessage: a.errorMessage,
  };
}
