import { EVENT_COLUMNS, RENDER_EVENT_COLUMNS } from '../../storage/postgres/sql/columns.js';
import { DELIVERY_COLUMNS, ENDPOINT_COLUMNS } from './delivery-rows.js';
import { CLAIMED_BY_ENDPOINT_CTE } from './postgres-rowless-sql.js';

/** The statements of the PostgreSQL fan-out that leases what it creates (`fanOutLeased`). */

/**
 * Only one process fans out at a time (a transaction-scoped advisory lock,
 * "tidings-fanout"): two concurrent fan-outs skipping each other's rows could
 * create event n+1's delivery before event n's, which subject ordering relies on.
 */
export const FANOUT_LOCK_KEY = '7308895159001854324';

/**
 * The fan-out lock, then the outbox's oldest `$1` rows with their events
 * (`columns`) and each subject's attributes (what matching reads); no rows
 * when another process holds the lock (an uncorrelated subquery: PostgreSQL
 * runs it once, before the scan, as a one-time filter). One round trip where
 * the lock and the read were two. The read's snapshot may predate a fan-out
 * that committed while this one tried the lock: rows fanned out already are
 * then fanned out again, and `deliveries_once` skips them. The attributes
 * come from a subquery by the subject's key: joined, a planner without
 * statistics of `subjects` (a young database, before autovacuum's first
 * ANALYZE) read subjects_by_parent by tenant and filtered every row, 33 of
 * this query's 36 ms for 500 rows. Rows claimed by a fan-out (`postgres-rowless-sql.ts`)
 * are skipped until the claim runs out at `$3`; `outbox_claim` names such a
 * claim when it ran out.
 */
function outboxBatch(columns: string): string {
  return `SELECT o.id AS outbox_id, o.claim_token AS outbox_claim, ${columns
    .split(', ')
    .map((c) => `e.${c}`)
    .join(', ')},
    (SELECT s.attributes FROM subjects s WHERE s.tenant_id = e.tenant_id AND s.id = e.subject_id) AS subject_attributes
  FROM outbox o
  LEFT JOIN events e ON e.tenant_id = o.tenant_id AND e.sequence = o.event_sequence
  WHERE (SELECT pg_try_advisory_xact_lock($2::bigint)) AND (o.claim_until IS NULL OR o.claim_until <= $3)
  ORDER BY o.id LIMIT $1`;
}

/**
 * The oldest outbox row not claimed at `$1` (`postgres-rowless-sql.ts`):
 * whether a fan-out has anything to read.
 */
export const OUTBOX_HEAD_SQL =
  'SELECT id FROM outbox WHERE claim_until IS NULL OR claim_until <= $1 ORDER BY id LIMIT 1';

/** The outbox batch of `fanOut`, `$2` the lock's key, `$3` now: what matching reads. */
export const FAN_OUT_BATCH_SQL = outboxBatch(EVENT_COLUMNS);

/** The outbox batch of `fanOutLeased`: the events as a push renders them too (snapshot and trace context). */
export const FAN_OUT_RENDER_BATCH_SQL = outboxBatch(RENDER_EVENT_COLUMNS);

/**
 * A tenant's enabled endpoints (`$1`) with what each can take at `$2`
 * (the configuration as text: the store parses it only when the endpoint changed):
 * its leased deliveries, those of this process answered 2xx and awaiting
 * their record (`$3`) left out as the lease leaves them out, and the latest
 * of their leases' ends (by any worker: `capacityOf` tells from it whether
 * one was taken a moment ago); whether its
 * breaker is open (`probe_after` ahead); how many due, unleased deliveries
 * it has in rows, counted up to `$4` (a range of `deliveries_due`). The leased rows are
 * counted through `deliveries_leased`, as the lease counts them (on the lease
 * connection, without bitmap scans: `DISPATCH_SESSION_OPTIONS`); the
 * deliveries pushed without a row count as leased while their outbox claim
 * holds (`CLAIMED_BY_ENDPOINT_CTE`, through `outbox_claims`).
 */
export const ENDPOINT_CAPACITY_SQL = `WITH busy AS (
  SELECT endpoint_id, count(*)::int AS n, max(lease_until) AS last_lease_until FROM deliveries
  WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until > $2 AND id <> ALL($3::text[])
  GROUP BY endpoint_id
),
${CLAIMED_BY_ENDPOINT_CTE}
SELECT ${ENDPOINT_COLUMNS.split(', ')
  .map((c) => (c === 'spec' ? 'e.spec::text AS spec' : `e.${c}`))
  .join(', ')}, coalesce(busy.n, 0) + coalesce(claimed.n, 0) AS leased,
  greatest(busy.last_lease_until, claimed.last_claim_until) AS last_lease_until,
  (e.probe_after IS NOT NULL AND e.probe_after > $2) AS paused,
  (SELECT count(*)::int FROM (SELECT 1 FROM deliveries d
    WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $2
      AND (d.lease_until IS NULL OR d.lease_until <= $2) LIMIT $4) queued) AS backlog
FROM endpoints e LEFT JOIN busy ON busy.endpoint_id = e.id LEFT JOIN claimed ON claimed.endpoint_id = e.id
WHERE e.tenant_id = $1 AND e.enabled ORDER BY e.id`;

/**
 * The fan-out's writes in one statement, for `fanOut` and `fanOutLeased`:
 * the deliveries (`$4`–`$12`, one array per column; `leased` ones written
 * with the lease `$2`/`$3`, created at `$1`), and the consumed outbox rows
 * deleted (`$13`), those with deliveries leased without a row claimed with
 * the lease (`$14` their ids, `$15`/`$16` each one's claimed endpoints and
 * deliveries, comma-joined: ids of the form `ep_…` and `dlv_…` hold no
 * comma; see `postgres-rowless-sql.ts`). Returns the ids of the deliveries
 * written leased: one that already existed (a fan-out run again after a
 * crash) is not written, so not leased here.
 */
export const WRITE_FAN_OUT_SQL = `WITH v AS (
  SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::boolean[],
      $11::bigint[], $12::boolean[])
    AS v(id, tenant_id, endpoint_id, event_sequence, event_id, subject_id, ordered, next_attempt_at, leased)
),
created AS (
  INSERT INTO deliveries (${DELIVERY_COLUMNS})
  SELECT id, tenant_id, endpoint_id, event_sequence, event_id, subject_id, ordered, 'pending', 0, next_attempt_at,
    CASE WHEN leased THEN $2::bigint END, CASE WHEN leased THEN $3::text END, NULL, $1::bigint, $1::bigint
  FROM v
  ON CONFLICT DO NOTHING
  RETURNING id, lease_token
),
consumed AS (DELETE FROM outbox WHERE id = ANY($13::bigint[])),
claimed AS (
  UPDATE outbox o SET claim_until = $2, claim_token = $3,
    claim_endpoints = string_to_array(c.endpoints, ','), claim_deliveries = string_to_array(c.deliveries, ',')
  FROM unnest($14::bigint[], $15::text[], $16::text[]) AS c(id, endpoints, deliveries) WHERE o.id = c.id
)
SELECT id FROM created WHERE lease_token IS NOT NULL`;
