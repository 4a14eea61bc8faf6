import { type EventRow, eventFromRow } from '../../storage/rows.js';
import type { ErrorClass } from '../attempt-outcome.js';
import type { AttemptRecord, DeliveryRecord, DeliveryStatus } from '../delivery.js';
import type { EndpointRecord, EndpointSpec } from '../endpoint.js';
import type { LeasedDelivery } from './delivery-store.js';

/** Row shapes of migration 2 on both backends; PostgreSQL bigints arrive as text, json already parsed. */
type Int = number | string;
const int = (v: Int): number => Number(v);
const intOrNull = (v: Int | null): number | null => (v === null ? null : Number(v));

export interface EndpointRow {
  id: string;
  tenant_id: string;
  spec: string | EndpointSpec;
  enabled: number | boolean;
  disabled_reason: string | null;
  failing_since: Int | null;
  probe_after: Int | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Int | null;
  created_at: Int;
  updated_at: Int;
}

export const ENDPOINT_COLUMNS =
  'id, tenant_id, spec, enabled, disabled_reason, failing_since, probe_after, secret, previous_secret, previous_secret_expires_at, created_at, updated_at';

export function endpointFromRow(r: EndpointRow): EndpointRecord {
  const spec = (typeof r.spec === 'string' ? JSON.parse(r.spec) : r.spec) as EndpointSpec;
  return {
    ...spec,
    // specs stored before destinations existed are HTTP endpoints
    type: spec.type ?? 'http',
    destination: spec.destination ?? null,
    proxy: spec.proxy ?? null,
    filter: spec.filter ?? null,
    transform: spec.transform ?? null,
    retrySchedule: spec.retrySchedule ?? null,
    id: r.id,
    tenantId: r.tenant_id,
    enabled: r.enabled === true || r.enabled === 1,
    disabledReason: r.disabled_reason,
    failingSince: intOrNull(r.failing_since),
    probeAfter: intOrNull(r.probe_after),
    secret: r.secret,
    previousSecret: r.previous_secret,
    previousSecretExpiresAt: intOrNull(r.previous_secret_expires_at),
    createdAt: int(r.created_at),
    updatedAt: int(r.updated_at),
  };
}

/** The JSON document of an endpoint's configuration (the `spec` column). */
export function specOf(e: EndpointRecord): string {
  const spec: EndpointSpec = {
    type: e.type,
    url: e.url,
    destination: e.destination,
    description: e.description,
    eventTypes: e.eventTypes,
    workflows: e.workflows,
    format: e.format,
    auth: e.auth,
    tls: e.tls,
    headers: e.headers,
    ordering: e.ordering,
    rateLimit: e.rateLimit,
    proxy: e.proxy,
    ...(e.ssfAudience !== undefined ? { ssfAudience: e.ssfAudience } : {}),
    filter: e.filter,
    transform: e.transform,
    retrySchedule: e.retrySchedule,
  };
  return JSON.stringify(spec);
}

export interface DeliveryRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_sequence: Int;
  event_id: string;
  subject_id: string;
  ordered: number | boolean;
  status: string;
  attempts: Int;
  next_attempt_at: Int;
  lease_until: Int | null;
  lease_token: string | null;
  last_error: string | null;
  created_at: Int;
  updated_at: Int;
}

export const DELIVERY_COLUMNS =
  'id, tenant_id, endpoint_id, event_sequence, event_id, subject_id, ordered, status, attempts, next_attempt_at, lease_until, lease_token, last_error, created_at, updated_at';

export function deliveryFromRow(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    eventSequence: int(r.event_sequence),
    eventId: r.event_id,
    subjectId: r.subject_id,
    ordered: r.ordered === true || r.ordered === 1,
    status: r.status as DeliveryStatus,
    attempts: int(r.attempts),
    nextAttemptAt: int(r.next_attempt_at),
    leaseUntil: intOrNull(r.lease_until),
    leaseToken: r.lease_token,
    lastError: r.last_error,
    createdAt: int(r.created_at),
    updatedAt: int(r.updated_at),
  };
}

/**
 * The event columns a lease reads beside its deliveries' (`DeliveryStore.lease`):
 * the event's tenant, sequence, id and subject are the delivery's own columns,
 * so only these travel, under names no delivery column has.
 */
export const LEASED_EVENT_COLUMNS = [
  'parent_id',
  'workflow',
  'type',
  'from_status',
  'to_status',
  'occurred_at',
  'subject_version',
  'data',
  'render_context',
  'trace_context',
] as const;

/** A delivery row with its event's columns (all null when the event is gone) and its endpoint's version. */
export type LeasedRow = DeliveryRow & {
  [K in (typeof LEASED_EVENT_COLUMNS)[number]]: EventRow[K] | null;
} & { endpoint_version: string | null };

export function leasedFromRow(r: LeasedRow): LeasedDelivery {
  // `workflow` is NOT NULL in events: null here means no event matched (deleted by retention)
  const event =
    r.workflow === null
      ? null
      : eventFromRow({
          tenant_id: r.tenant_id,
          sequence: r.event_sequence,
          id: r.event_id,
          subject_id: r.subject_id,
          parent_id: r.parent_id,
          workflow: r.workflow,
          type: r.type as string,
          from_status: r.from_status,
          to_status: r.to_status as string,
          occurred_at: r.occurred_at as string | Date,
          subject_version: r.subject_version as number | string,
          data: r.data as EventRow['data'],
          render_context: r.render_context ?? null,
          trace_context: r.trace_context,
        });
  return { ...deliveryFromRow(r), event, endpointVersion: r.endpoint_version };
}

export interface AttemptRow {
  id: Int;
  tenant_id: string;
  endpoint_id: string;
  delivery_id: string;
  event_id: string;
  attempt: Int;
  started_at: Int;
  outcome: string;
  http_status: Int | null;
  latency_ms: Int;
  response_excerpt: string | null;
  error_class: string | null;
  error_message: string | null;
}

export const ATTEMPT_COLUMNS =
  'id, tenant_id, endpoint_id, delivery_id, event_id, attempt, started_at, outcome, http_status, latency_ms, response_excerpt, error_class, error_message';

export function attemptFromRow(r: AttemptRow): AttemptRecord {
  return {
    id: int(r.id),
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    deliveryId: r.delivery_id,
    eventId: r.event_id,
    attempt: int(r.attempt),
    startedAt: int(r.started_at),
    outcome: r.outcome as AttemptRecord['outcome'],
    httpStatus: intOrNull(r.http_status),
    latencyMs: int(r.latency_ms),
    responseExcerpt: r.response_excerpt,
    errorClass: r.error_class as ErrorClass | null,
    errorMessage: r.error_message,
  };
}

/** The values of an attempt row, in `ATTEMPT_COLUMNS` order without `id`. */
export function attemptValues(a: AttemptRecord): unknown[] {
  return [
    a.tenantId,
    a.endpointId,
    a.deliveryId,
    a.eventId,
    a.attempt,
    a.startedAt,
    a.outcome,
    a.httpStatus,
    Math.round(a.latencyMs),
    a.responseExcerpt,
    a.errorClass,
    a.errorMessage,
  ];
}
