/**
 * Migration 2 (`delivery`) for both backends: endpoints, deliveries, attempts.
 * Instants are epoch milliseconds (integers) on both, because the lease and
 * due-time comparisons run on every poll and integers compare the same way in
 * SQLite and PostgreSQL. An endpoint's configuration is one JSON document
 * (`spec`): nothing filters on its fields in SQL, fan-out matches in code.
 */
export const SQLITE_DELIVERY_MIGRATION = `
CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  spec TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT,
  -- first failure since the last success; long enough ago, the endpoint is disabled
  failing_since INTEGER,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX endpoints_by_tenant ON endpoints(tenant_id, id);

CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  event_sequence INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  ordered INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  lease_token TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- one delivery per (endpoint, event) even if a fan-out batch is retried
CREATE UNIQUE INDEX deliveries_once ON deliveries(endpoint_id, event_sequence);
-- the lease walks each endpoint's due rows oldest first, and counts its leased rows
CREATE INDEX deliveries_due ON deliveries(endpoint_id, next_attempt_at, event_sequence) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries(lease_until) WHERE status = 'pending' AND lease_until IS NOT NULL;
CREATE INDEX deliveries_subject_order ON deliveries(endpoint_id, subject_id, event_sequence) WHERE status = 'pending';
CREATE INDEX deliveries_by_endpoint ON deliveries(endpoint_id, id);
-- deliveries held back by subject ordering (next_attempt_at = HELD in ../delivery.ts)
CREATE INDEX deliveries_held ON deliveries(endpoint_id) WHERE status = 'pending' AND next_attempt_at = 8640000000000000;

CREATE TABLE delivery_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  http_status INTEGER,
  latency_ms INTEGER NOT NULL,
  response_excerpt TEXT,
  error_class TEXT,
  error_message TEXT
);
CREATE INDEX delivery_attempts_by_endpoint ON delivery_attempts(endpoint_id, id);
`;

export const POSTGRES_DELIVERY_MIGRATION = `
CREATE TABLE endpoints (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL REFERENCES tenants(id),
  spec json NOT NULL,
  enabled boolean NOT NULL,
  disabled_reason text,
  failing_since bigint,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX endpoints_by_tenant ON endpoints(tenant_id, id);

CREATE TABLE deliveries (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  event_sequence bigint NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  subject_id text COLLATE "C" NOT NULL,
  ordered boolean NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  lease_until bigint,
  lease_token text,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX deliveries_once ON deliveries(endpoint_id, event_sequence);
-- the lease walks each endpoint's due rows oldest first, and counts its leased rows
CREATE INDEX deliveries_due ON deliveries(endpoint_id, next_attempt_at, event_sequence) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries(lease_until) WHERE status = 'pending' AND lease_until IS NOT NULL;
CREATE INDEX deliveries_subject_order ON deliveries(endpoint_id, subject_id, event_sequence) WHERE status = 'pending';
CREATE INDEX deliveries_by_endpoint ON deliveries(endpoint_id, id);
-- deliveries held back by subject ordering (next_attempt_at = HELD in ../delivery.ts)
CREATE INDEX deliveries_held ON deliveries(endpoint_id) WHERE status = 'pending' AND next_attempt_at = 8640000000000000;

CREATE TABLE delivery_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  delivery_id text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  attempt integer NOT NULL,
  started_at bigint NOT NULL,
  outcome text NOT NULL,
  http_status integer,
  latency_ms integer NOT NULL,
  response_excerpt text,
  error_class text,
  error_message text
);
CREATE INDEX delivery_attempts_by_endpoint ON delivery_attempts(endpoint_id, id);
`;

/**
 * Migration 5: the subject-order index holds ordered deliveries only. Every
 * index led by the endpoint costs a fan-out one scattered page per endpoint:
 * one event fanned out to 101 unordered endpoints took 5.7 ms with the index
 * over every pending delivery and 3.9–4.2 ms with this one (SQLite, p50 of
 * 300); unordered endpoints (the default) never read it. Ordering now holds
 * among the deliveries created while the endpoint orders by subject, which
 * is what switching it on means.
 */
export const SQLITE_ORDER_INDEX_MIGRATION = `
DROP INDEX deliveries_subject_order;
CREATE INDEX deliveries_subject_order ON deliveries(endpoint_id, subject_id, event_sequence)
  WHERE status = 'pending' AND ordered = 1;
`;

export const POSTGRES_ORDER_INDEX_MIGRATION = `
DROP INDEX deliveries_subject_order;
CREATE INDEX deliveries_subject_order ON deliveries (endpoint_id, subject_id, event_sequence)
  WHERE status = 'pending' AND ordered;
`;

/**
 * Migration 6: the circuit breaker's pause. While an endpoint is failing, a
 * failed probe sets `probe_after` and the lease skips the endpoint until
 * then (`circuit-breaker.ts`), on every worker sharing the database.
 */
export const SQLITE_BREAKER_MIGRATION = 'ALTER TABLE endpoints ADD COLUMN probe_after INTEGER;';

export const POSTGRES_BREAKER_MIGRATION = 'ALTER TABLE endpoints ADD COLUMN probe_after bigint;';

/**
 * Migration 7: one index fewer led by the endpoint. An endpoint's deliveries
 * are listed newest event first through `deliveries_once` (endpoint_id,
 * event_sequence), which is the order they were created in, so
 * `deliveries_by_endpoint` (endpoint_id, id) only cost every fan-out one
 * more scattered page per endpoint: one event to 101 endpoints, p50 of 300
 * fan-outs, 2.81 → 2.55 and 3.93 → 2.39 ms (SQLite, alternate runs).
 */
export const DROP_DELIVERIES_BY_ENDPOINT_MIGRATION = 'DROP INDEX deliveries_by_endpoint;';

/**
 * Migration 8: the attempts of one delivery, for the attempts listing's
 * `deliveryId` and `eventId` filters (a receiver asking "what happened to
 * event X?"). Delivery ids are `dlv_` + a time-ordered UUID, so a record
 * commit adds its entries at the index's right edge, not one scattered page
 * per endpoint as `delivery_attempts_by_endpoint` does. Its cost, SQLite push
 * (30,000 deliveries, 3 alternated pairs): 1 receiver 9,767–10,136 →
 * 9,358–10,041/s, 100 receivers 8,722–9,292 → 8,652–9,024/s (0–3%).
 */
export const ATTEMPTS_BY_DELIVERY_MIGRATION =
  'CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery_id, id);';

/**
 * Migration 12: the OAuth 2.0 token of an endpoint, shared by every worker
 * (`src/delivery/senders/oauth2/`), so N worker processes fetch one token per
 * expiry window, not N. `access_token` is sealed like the endpoint's secrets;
 * `version` is the endpoint's `updated_at` it was fetched for (a changed
 * endpoint needs a new one); `fetching_until` is one worker's claim to fetch
 * the next token (the others wait for it), which lapses if that worker dies.
 */
export const SQLITE_ENDPOINT_TOKENS_MIGRATION = `
CREATE TABLE endpoint_tokens (
  endpoint_id TEXT PRIMARY KEY,
  version INTEGER,
  access_token TEXT,
  expires_at INTEGER,
  fetching_until INTEGER
);`;

export const POSTGRES_ENDPOINT_TOKENS_MIGRATION = `
CREATE TABLE endpoint_tokens (
  endpoint_id text COLLATE "C" PRIMARY KEY,
  version bigint,
  access_token text,
  expires_at bigint,
  fetching_until bigint
);`;
