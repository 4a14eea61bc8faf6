import { DELIVERY_COLUMNS } from './delivery-rows.js';

/**
 * The statements of PostgreSQL's happy path without delivery rows
 * (`postgres-rowless.ts`). A fan-out that leases a delivery of a healthy,
 * unordered endpoint writes no row for it: it claims the delivery's outbox
 * row instead (`claim_until`, `claim_token`, and the claimed deliveries with
 * their endpoints in two parallel arrays). The record writes the row, final,
 * and gives the claim back; the outbox row goes once none of its deliveries
 * is left. A claim that runs out (its worker died) makes the outbox row
 * readable again, and the next fan-out writes rows for all its deliveries,
 * `deliveries_once` skipping those recorded before the crash.
 */
export const OUTBOX_CLAIMS_MIGRATION = `
ALTER TABLE outbox ADD COLUMN claim_until bigint, ADD COLUMN claim_token text,
  ADD COLUMN claim_endpoints text[], ADD COLUMN claim_deliveries text[];
CREATE INDEX outbox_claims ON outbox (claim_until) WHERE claim_until IS NOT NULL;
`;

/**
 * The deliveries claimed and not yet recorded, per endpoint of tenant `$1`,
 * at `$2`, those of this process answered 2xx (`$3`) left out: what the
 * fan-out's capacity counts beside leased rows (`ENDPOINT_CAPACITY_SQL`).
 */
export const CLAIMED_BY_ENDPOINT_CTE = `claimed AS (
  SELECT c.endpoint_id, count(*)::int AS n, max(o.claim_until) AS last_claim_until
  FROM outbox o CROSS JOIN LATERAL unnest(o.claim_endpoints, o.claim_deliveries) AS c(endpoint_id, delivery_id)
  WHERE o.claim_until > $2 AND o.tenant_id = $1 AND c.delivery_id <> ALL($3::text[])
  GROUP BY c.endpoint_id
)`;

/**
 * Rows for claimed deliveries, one array per column (`$1`–`$14`): final
 * (`succeeded`, attempted once) when the push succeeded, else pending and
 * still leased, for the usual record to move on (`RECORD_BATCH_SQL`). A row
 * is written only while its endpoint exists; where one exists already
 * (another worker took the outbox row over after the claim ran out), that
 * one is the delivery's row. The attempts (`$15`–`$26`, none for pending
 * rows) are kept on the delivery's row, whichever it is; the claims are
 * given back, and an outbox row none of whose deliveries is left goes.
 * Returns each delivery's row id (null when its endpoint is gone) and
 * whether this statement wrote it.
 */
export const WRITE_CLAIMED_SQL = `WITH v AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[],
      $8::bigint[], $9::bigint[], $10::text[], $11::text[], $12::integer[], $13::text[], $14::bigint[])
    AS v(id, tenant_id, endpoint_id, event_sequence, event_id, subject_id, created_at, now_ms, outbox_id, claim_token,
      status, attempts, lease_token, lease_until)
),
created AS (
  INSERT INTO deliveries (${DELIVERY_COLUMNS})
  SELECT v.id, v.tenant_id, v.endpoint_id, v.event_sequence, v.event_id, v.subject_id, false, v.status, v.attempts,
    v.now_ms, v.lease_until, v.lease_token, NULL, v.created_at, v.now_ms
  FROM v WHERE EXISTS (SELECT 1 FROM endpoints e WHERE e.id = v.endpoint_id)
  ON CONFLICT DO NOTHING
  RETURNING id
),
rows_of AS (
  SELECT v.id, coalesce(c.id, d.id) AS row_id, c.id IS NOT NULL AS created
  FROM v LEFT JOIN created c ON c.id = v.id
  LEFT JOIN deliveries d ON c.id IS NULL AND d.endpoint_id = v.endpoint_id AND d.event_sequence = v.event_sequence
),
kept AS (
  INSERT INTO delivery_attempts (tenant_id, endpoint_id, delivery_id, event_id, attempt, started_at, outcome, http_status,
    latency_ms, response_excerpt, error_class, error_message)
  SELECT a.tenant_id, a.endpoint_id, r.row_id, a.event_id, a.attempt, a.started_at, a.outcome, a.http_status,
    a.latency_ms, a.response_excerpt, a.error_class, a.error_message
  FROM unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::integer[], $20::bigint[], $21::text[],
      $22::integer[], $23::integer[], $24::text[], $25::text[], $26::text[])
    AS a(tenant_id, endpoint_id, delivery_id, event_id, attempt, started_at, outcome, http_status, latency_ms,
      response_excerpt, error_class, error_message)
  JOIN rows_of r ON r.id = a.delivery_id WHERE r.row_id IS NOT NULL
),
given AS (SELECT outbox_id, claim_token, array_agg(id) AS ids FROM v GROUP BY outbox_id, claim_token),
emptied AS (
  DELETE FROM outbox o USING given g
  WHERE o.id = g.outbox_id AND o.claim_token = g.claim_token AND o.claim_deliveries <@ g.ids
),
shrunk AS (
  UPDATE outbox o SET (claim_endpoints, claim_deliveries) = (
    SELECT array_agg(x.endpoint_id ORDER BY x.k), array_agg(x.delivery_id ORDER BY x.k)
    FROM unnest(o.claim_endpoints, o.claim_deliveries) WITH ORDINALITY AS x(endpoint_id, delivery_id, k)
    WHERE x.delivery_id <> ALL(g.ids)
  )
  FROM given g WHERE o.id = g.outbox_id AND o.claim_token = g.claim_token AND NOT (o.claim_deliveries <@ g.ids)
)
SELECT id, row_id, created FROM rows_of`;
