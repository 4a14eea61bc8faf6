import { HELD } from '../delivery.js';
import { DELIVERY_COLUMNS, LEASED_EVENT_COLUMNS } from './delivery-rows.js';

/** The lease and hold/release statements of the SQLite delivery store, one per action. */

/**
 * The enabled endpoints, and whether each has pending ordered deliveries (a
 * probe of `deliveries_subject_order`, which holds only those): an endpoint
 * without any is leased with `DUE_SQL`, which skips the per-row sibling
 * check. That check cost ~10 µs per lease query even where every row is
 * unordered (SQLite, 100 endpoints: 20 µs against 9 µs a query). An endpoint
 * whose circuit breaker is open (`probe_after` ahead) is not leasable.
 */
export const LEASABLE_ENDPOINTS_SQL = `SELECT e.id, e.failing_since, EXISTS (
    SELECT 1 FROM deliveries o INDEXED BY deliveries_subject_order
    WHERE o.endpoint_id = e.id AND o.status = 'pending' AND o.ordered = 1) AS has_ordered
  FROM endpoints e WHERE e.enabled = 1 AND (e.probe_after IS NULL OR e.probe_after <= @now) ORDER BY e.id`;

/**
 * One endpoint's due deliveries, oldest first, up to `@scan` (ids). The
 * leases are in memory (`process-leases.ts`): the caller scans as many rows
 * as it wants plus those the endpoint has leased, and skips the leased ones.
 * An index range scan per endpoint, so the cost follows what is leased, not
 * the size of the backlog (ranking every due row took 35 ms per lease at
 * 20k pending, 117 ms at 100k).
 */
export const DUE_SQL = `SELECT d.id FROM deliveries d
  WHERE d.endpoint_id = @endpointId AND d.status = 'pending' AND d.next_attempt_at <= @now
  ORDER BY d.next_attempt_at, d.event_sequence LIMIT @scan`;

/**
 * `DUE_SQL` under subject ordering: only deliveries with no older pending
 * ordered delivery of the same subject.
 */
export const ORDERED_DUE_SQL = `SELECT d.id FROM deliveries d
  WHERE d.endpoint_id = @endpointId AND d.status = 'pending' AND d.next_attempt_at <= @now
    AND (d.ordered = 0 OR NOT EXISTS (
      SELECT 1 FROM deliveries p
      WHERE p.endpoint_id = d.endpoint_id AND p.subject_id = d.subject_id AND p.ordered = 1
        AND p.status = 'pending' AND p.event_sequence < d.event_sequence))
  ORDER BY d.next_attempt_at, d.event_sequence LIMIT @scan`;

/**
 * The picked deliveries, whole (reading whole rows per endpoint query cost
 * ~14 µs more a query), each with what pushing it reads: its event's columns
 * (by the events' key) and its endpoint's version (`LeasedDelivery.endpointVersion`).
 */
export const LEASED_DELIVERIES_SQL = `SELECT ${DELIVERY_COLUMNS.split(', ')
  .map((c) => `d.${c}`)
  .join(', ')}, ${LEASED_EVENT_COLUMNS.map((c) => `ev.${c}`).join(', ')},
    en.updated_at || ':' || coalesce(en.failing_since, '') AS endpoint_version
  FROM deliveries d
  LEFT JOIN events ev ON ev.tenant_id = d.tenant_id AND ev.sequence = d.event_sequence
  LEFT JOIN endpoints en ON en.id = d.endpoint_id
  WHERE d.id IN (SELECT value FROM json_each(@ids))`;

/** When an ordered delivery is final, its subject's next pending delivery is no longer held. */
export const RELEASE_NEXT_SQL = `UPDATE deliveries SET next_attempt_at = @now
  WHERE next_attempt_at = ${HELD} AND id = (
    SELECT n.id FROM deliveries n JOIN deliveries r ON r.id = @id AND r.ordered = 1
    WHERE n.endpoint_id = r.endpoint_id AND n.subject_id = r.subject_id AND n.ordered = 1 AND n.status = 'pending'
    ORDER BY n.event_sequence LIMIT 1)`;

export const RELEASE_HELD_SQL = `UPDATE deliveries SET next_attempt_at = @now
  WHERE status = 'pending' AND next_attempt_at = ${HELD}
    AND NOT EXISTS (
      SELECT 1 FROM deliveries p
      WHERE p.endpoint_id = deliveries.endpoint_id AND p.subject_id = deliveries.subject_id AND p.ordered = 1
        AND p.status = 'pending' AND p.event_sequence < deliveries.event_sequence)`;

/**
 * Under subject ordering, a retry holds back the subject's later deliveries:
 * they are not due before it, so the lease does not keep scanning them.
 * Pinned to the subject-order index: without statistics the planner walked
 * the endpoint's whole due range (`deliveries_due`) instead.
 */
export const HOLD_BACK_SQL = `UPDATE deliveries INDEXED BY deliveries_subject_order SET next_attempt_at = @next
  WHERE status = 'pending' AND ordered = 1 AND next_attempt_at < @next
    AND (endpoint_id, subject_id) = (SELECT endpoint_id, subject_id FROM deliveries WHERE id = @id AND ordered = 1)
    AND event_sequence > (SELECT event_sequence FROM deliveries WHERE id = @id)`;
