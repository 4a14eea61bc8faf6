import { HELD } from '../delivery.js';
import { DELIVERY_COLUMNS, LEASED_EVENT_COLUMNS } from './delivery-rows.js';

/** The lease and hold/release statements of the PostgreSQL delivery store, one per action. */

/**
 * Like the SQLite lease: per enabled endpoint, its free slots (cap minus its
 * leased rows, except those of this process answered 2xx and awaiting their
 * record, `$7`; 1 while the endpoint is failing: the circuit breaker; none
 * while it has leased rows and fewer than `minBatch` free, or while its
 * breaker is open: `probe_after` ahead) of due,
 * unleased deliveries, oldest first, skipping those held back by subject
 * ordering: an index range scan per endpoint (LATERAL), so
 * the cost follows what is leased, not the backlog. The picked rows are then
 * locked with SKIP LOCKED and the lease re-checked on the locked row version,
 * so two workers never lease the same delivery.
 */
const LEASE_CTES = `busy AS (
  SELECT endpoint_id, count(*)::int AS n FROM deliveries
  WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until > $1 AND id <> ALL($7::text[])
  GROUP BY endpoint_id
),
picked AS (
  SELECT c.id, c.next_attempt_at FROM endpoints e
  LEFT JOIN busy ON busy.endpoint_id = e.id
  CROSS JOIN LATERAL (SELECT CASE WHEN e.failing_since IS NULL THEN $4::int ELSE 1 END AS n) cap
  CROSS JOIN LATERAL (
    SELECT d.id, d.next_attempt_at FROM deliveries d
    WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $1
      AND (d.lease_until IS NULL OR d.lease_until <= $1)
      AND (NOT d.ordered OR NOT EXISTS (
        SELECT 1 FROM deliveries p
        WHERE p.endpoint_id = d.endpoint_id AND p.subject_id = d.subject_id AND p.ordered
          AND p.status = 'pending' AND p.event_sequence < d.event_sequence))
    ORDER BY d.next_attempt_at, d.event_sequence
    LIMIT CASE
      WHEN coalesce(busy.n, 0) > 0 AND cap.n - busy.n < least($6, cap.n) THEN 0
      ELSE greatest(cap.n - coalesce(busy.n, 0), 0) END
  ) c
  WHERE e.enabled AND (e.probe_after IS NULL OR e.probe_after <= $1)
  ORDER BY c.next_attempt_at LIMIT $5
),
locked AS (
  SELECT id FROM deliveries
  WHERE id IN (SELECT id FROM picked) AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)
  FOR UPDATE SKIP LOCKED
)`;

/**
 * `LEASE_CTES`, the lease itself, and what the dispatcher reads to push each
 * leased delivery: its event's columns (a lookup by the events' key per leased
 * row, LATERAL so the plan holds without statistics) and its endpoint's
 * version (`LeasedDelivery.endpointVersion`). One round trip per tick where
 * the lease, the versions and the events were three in a row. The events are
 * read in the statement's snapshot: a delivery's event was committed before
 * the delivery was created.
 */
export const LEASE_SQL = `WITH ${LEASE_CTES},
leased AS (
  UPDATE deliveries SET lease_until = $2, lease_token = $3
  WHERE id IN (SELECT id FROM locked)
  RETURNING ${DELIVERY_COLUMNS}
)
SELECT l.*, ${LEASED_EVENT_COLUMNS.map((c) => `ev.${c}`).join(', ')},
  en.updated_at || ':' || coalesce(en.failing_since::text, '') AS endpoint_version
FROM leased l
LEFT JOIN LATERAL (
  SELECT ${LEASED_EVENT_COLUMNS.join(', ')} FROM events
  WHERE events.tenant_id = l.tenant_id AND events.sequence = l.event_sequence
) ev ON true
LEFT JOIN endpoints en ON en.id = l.endpoint_id`;

/**
 * Whether any delivery may be leased at `$1`: a due, unleased, pending row
 * of an enabled endpoint whose breaker is not open (an index range of
 * `deliveries_due` per endpoint, stopping at the first: a LATERAL with a
 * LIMIT, which the planner keeps as a lookup per endpoint where an EXISTS
 * became a scan of every due row joined afterwards). Every row the lease
 * could take satisfies this, so when it is false the lease would take
 * nothing. Prepared (planned once), where the lease is planned on every run
 * (~0.9 ms): a worker that fans out what it pushes finds nothing to lease on
 * almost every tick of a drain, and asks this instead (`lease` after an empty one).
 */
export const ANY_DUE_SQL = `SELECT EXISTS (
  SELECT 1 FROM endpoints e
  CROSS JOIN LATERAL (
    SELECT 1 FROM deliveries d
    WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $1
      AND (d.lease_until IS NULL OR d.lease_until <= $1)
    LIMIT 1
  ) due
  WHERE e.enabled AND (e.probe_after IS NULL OR e.probe_after <= $1)
) AS due`;

/**
 * The dispatcher's statements (lease, fan-out, attempt records) run on
 * connections of their own (`leasePool`, `recordPool` of the PostgreSQL
 * store) that plan index lookups only, set once as startup options:
 *
 * - Each of those statements reaches rows by their keys or by a short index
 *   range, yet a prepared statement's generic plan is fixed after five runs
 *   with the tables as they were then. At the start of a push run
 *   `deliveries` holds a few hundred rows, and the record's plan was a hash
 *   join over a sequential scan of it, kept for the connection's life while
 *   the table grew (auto_explain, 50,000 deliveries: 27–75 ms a record of ~35
 *   deliveries, the database's largest cost per delivery).
 * - Bitmap scans off: counting each endpoint's leased rows through
 *   `deliveries_leased` with one never marks the index entries of finished
 *   deliveries dead, so until a vacuum every lease re-read all of them
 *   (10,100 entries, 614 heap pages, 1.4 ms for 64 live leases, 20 s into a
 *   push run); a plain index scan marks them once: 0.1 ms.
 *
 * With only index paths open, the generic plans of the records and of the
 * fan-out's writes are right at every table size, and PostgreSQL keeps them,
 * each planned once per connection. Two statements are still planned for
 * their parameters on every run: the lease (sent unnamed, see
 * `PostgresDeliveryStore.lease`: its generic plan took 94 ms a lease with a
 * queue of due rows) and the fan-out's read (left to choose, PostgreSQL keeps
 * custom plans for its `LIMIT $1`; forced generic, it took 13–18 ms a read).
 */
export const DISPATCH_SESSION_OPTIONS = [
  // A path these settings turn off is not removed, only priced at 10^10: where it is the only one (the due
  // probe reads `endpoints` whole, and a full scan of an index is no path when nothing orders by it), that price
  // passes `jit_above_cost` and every run would compile the statement with LLVM first (the probe: 66-163 ms a run).
  'jit=off',
  'enable_seqscan=off',
  'enable_bitmapscan=off',
  'enable_hashjoin=off',
  'enable_mergejoin=off',
]
  .map((setting) => `-c ${setting}`)
  .join(' ');

/**
 * When ordered deliveries are final, each one's subject's next pending
 * delivery is no longer held: `$1` the final deliveries' ids, `$2` when each
 * became final. One statement for a batch of records (a round trip each
 * before): a batch holds at most one delivery per endpoint and subject, since
 * a younger one is leased only once its elders are final.
 */
export const RELEASE_NEXT_SQL = `UPDATE deliveries SET next_attempt_at = f.now_ms
  FROM (
    SELECT v.now_ms, (
      SELECT n.id FROM deliveries n
      WHERE n.endpoint_id = r.endpoint_id AND n.subject_id = r.subject_id AND n.ordered AND n.status = 'pending'
      ORDER BY n.event_sequence LIMIT 1) AS next_id
    FROM unnest($1::text[], $2::bigint[]) AS v(id, now_ms) JOIN deliveries r ON r.id = v.id AND r.ordered
  ) f
  WHERE deliveries.id = f.next_id AND deliveries.next_attempt_at = ${HELD}`;

/**
 * Repairs the one race the release above cannot see: a fan-out that held a
 * delivery behind a predecessor finishing concurrently (READ COMMITTED).
 */
export const RELEASE_HELD_SQL = `UPDATE deliveries d SET next_attempt_at = $1
  WHERE d.status = 'pending' AND d.next_attempt_at = ${HELD}
    AND NOT EXISTS (
      SELECT 1 FROM deliveries p
      WHERE p.endpoint_id = d.endpoint_id AND p.subject_id = d.subject_id AND p.ordered
        AND p.status = 'pending' AND p.event_sequence < d.event_sequence)`;

/**
 * Under subject ordering, a retry holds back the subject's later deliveries
 * (see the SQLite store): `$1` the retried deliveries' ids, `$2` each one's
 * next attempt. One statement for a batch of records, as `RELEASE_NEXT_SQL`.
 */
export const HOLD_BACK_SQL = `UPDATE deliveries d SET next_attempt_at = v.next_attempt_at
  FROM unnest($1::text[], $2::bigint[]) AS v(id, next_attempt_at) JOIN deliveries r ON r.id = v.id
  WHERE r.ordered AND d.endpoint_id = r.endpoint_id AND d.subject_id = r.subject_id
    AND d.ordered AND d.status = 'pending' AND d.event_sequence > r.event_sequence AND d.next_attempt_at < v.next_attempt_at`;
