import type pg from 'pg';
import type { StoredEvent } from '../../events/event.js';
import { type EventRow, eventFromRow } from '../../storage/rows.js';
import type { EndpointRecord } from '../endpoint.js';
import { type EndpointCapacity, KEEPS_UP_MS } from '../fan-out-admission.js';
import type { EndpointMatcher } from './delivery-store.js';

/** An outbox row as the fan-out reads it: its event's columns are null when the event is gone (retention). */
export type FanOutRow = EventRow & {
  outbox_id: string;
  /** The claim of a fan-out whose worker did not record it in time (`postgres-rowless-sql.ts`). */
  outbox_claim: string | null;
  subject_attributes: unknown;
  id: string | null;
};

/** One delivery a fan-out would create. */
export interface PlannedDelivery {
  event: StoredEvent;
  endpoint: EndpointRecord;
  /** Under subject ordering, behind an older pending delivery of its subject: written held (`HELD`). */
  held: boolean;
}

/** What one outbox row fans out to (nothing when its event is gone or no endpoint matches). */
export interface PlannedRow {
  outboxId: string;
  /** Claimed before by a fan-out whose claim ran out: its deliveries get rows (`postgres-rowless.ts`). */
  recovered: boolean;
  deliveries: PlannedDelivery[];
}

/**
 * Matches each outbox row's event against its tenant's enabled endpoints
 * (`endpointsOf`, called once per tenant) and marks the deliveries that
 * subject ordering holds: a subject that already has an ordered delivery
 * pending for the endpoint, in the table or earlier in this batch. Rows stay
 * in outbox order, so a caller that consumes only the first rows keeps every
 * hold it writes right.
 */
export async function planFanOut(
  client: pg.PoolClient,
  rows: readonly FanOutRow[],
  match: EndpointMatcher,
  endpointsOf: (tenantId: string) => Promise<EndpointRecord[]>,
): Promise<PlannedRow[]> {
  const byTenant = new Map<string, EndpointRecord[]>();
  const planned: PlannedRow[] = [];
  for (const row of rows) {
    const deliveries: PlannedDelivery[] = [];
    planned.push({ outboxId: row.outbox_id, recovered: row.outbox_claim !== null, deliveries });
    if (row.id === null) continue;
    const event = eventFromRow(row as EventRow);
    let endpoints = byTenant.get(event.tenantId);
    if (!endpoints) {
      endpoints = await endpointsOf(event.tenantId);
      byTenant.set(event.tenantId, endpoints);
    }
    if (endpoints.length === 0) continue;
    const attributes = (row.subject_attributes ?? null) as Record<string, unknown> | null;
    for (const endpoint of match(event, attributes, endpoints)) deliveries.push({ event, endpoint, held: false });
  }
  const ordered = planned.flatMap((p) => p.deliveries).filter((d) => d.endpoint.ordering === 'subject');
  if (ordered.length === 0) return planned;
  const pairKey = (endpointId: string, subjectId: string) => `${endpointId}\u0000${subjectId}`;
  const busyPairs = new Set<string>();
  const existing = await client.query<{ endpoint_id: string; subject_id: string }>({
    text: `SELECT DISTINCT endpoint_id, subject_id FROM deliveries
           WHERE status = 'pending' AND ordered
             AND endpoint_id = ANY($1::text[]) AND subject_id = ANY($2::text[])`,
    values: [[...new Set(ordered.map((d) => d.endpoint.id))], [...new Set(ordered.map((d) => d.event.subjectId))]],
  });
  for (const r of existing.rows) busyPairs.add(pairKey(r.endpoint_id, r.subject_id));
  for (const delivery of ordered) {
    const key = pairKey(delivery.endpoint.id, delivery.event.subjectId);
    delivery.held = busyPairs.has(key);
    busyPairs.add(key);
  }
  return planned;
}

/** An endpoint as `ENDPOINT_CAPACITY_SQL` returns it. */
export interface CapacityRow {
  leased: number;
  /** When the latest of those leases ends (epoch ms, as text: a bigint), null without any. */
  last_lease_until: string | null;
  paused: boolean;
  backlog: number;
}

/**
 * What an endpoint can take now, as the lease would judge it: its cap (1
 * while failing: the breaker's probe), less its leased deliveries, and none
 * while it has some leased and fewer than a refill group (`minBatch`) free.
 * It keeps up when this process heard from it lately (`heardLately`) or any
 * worker leased to it within `KEEPS_UP_MS`: a lease ends `leaseMs` after it
 * was taken (workers share their timeouts' configuration). Without the
 * second, a worker's first fan-out for an endpoint that another worker was
 * pushing to wrote its whole batch pending, and a queue past `SHORT_QUEUE`
 * then took every later delivery of a drain through rows and the lease.
 */
export function capacityOf(
  endpoint: EndpointRecord,
  row: CapacityRow,
  request: { nowMs: number; leaseMs: number; perEndpointCap: number; minBatch: number },
  heardLately: boolean,
): EndpointCapacity {
  const failing = endpoint.failingSince !== null || row.paused;
  const cap = endpoint.failingSince === null ? request.perEndpointCap : 1;
  const free = cap - row.leased;
  const refill = row.leased > 0 && free < Math.min(request.minBatch, cap);
  const leasedLately =
    row.last_lease_until !== null && Number(row.last_lease_until) - request.leaseMs >= request.nowMs - KEEPS_UP_MS;
  return { free: refill ? 0 : Math.max(free, 0), queued: row.backlog, failing, keepsUp: heardLately || leasedLately };
}
