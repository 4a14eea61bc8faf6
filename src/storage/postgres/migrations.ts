import {
  ATTEMPTS_BY_DELIVERY_MIGRATION,
  DROP_DELIVERIES_BY_ENDPOINT_MIGRATION,
  POSTGRES_BREAKER_MIGRATION,
  POSTGRES_DELIVERY_MIGRATION,
  POSTGRES_ENDPOINT_TOKENS_MIGRATION,
  POSTGRES_ORDER_INDEX_MIGRATION,
} from '../../delivery/storage/delivery-migration.js';
import { POSTGRES_OPERATIONAL_INTENTS_MIGRATION } from '../../delivery/storage/operational-intent-sql.js';
import { OUTBOX_CLAIMS_MIGRATION } from '../../delivery/storage/postgres-rowless-sql.js';
import { POSTGRES_PULL_SQL } from '../../feeds/storage/pull-migration.js';
import { POSTGRES_DESTINATION_KEYS_MIGRATION } from '../../keys/destination-keys-migration.js';
import { POSTGRES_SIGNALS_MIGRATION } from '../../signals/ssf-migration.js';
/**
 * Numbered PostgreSQL migrations, applied in order, each once (see `migrate.ts`).
 * They mirror `../sqlite/migrations.ts` table for table. Never edit a released
 * migration: add the next number.
 *
 * Type choices, each so that the store returns exactly what SQLite returns:
 * - `timestamptz` for instants: the engine writes ms-precision ISO strings,
 *   which timestamptz (µs precision) keeps exactly and `pg` reads back as a
 *   `Date`, so `toISOString()` gives the written string again.
 * - `json`, not `jsonb`: `json` keeps the document's text as written, so key
 *   order survives (an idempotent replay is byte-identical to the first
 *   answer, and a vendor payload renders the same on both backends), and it
 *   accepts `\u0000` and lone-surrogate escapes that SQLite stores and jsonb
 *   refuses. Nothing queries inside these documents; if that changes, add an
 *   expression index or a jsonb column then.
 * - `COLLATE "C"` on identifiers: pages ordered by `(created_at, id)` must
 *   sort bytewise like SQLite, whatever the database's default collation.
 */
export const POSTGRES_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE tenants (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  -- last per-tenant event sequence number handed out; bumped in the commit
  -- transaction, whose row lock orders the tenant's commits (commit-change.ts)
  last_sequence bigint NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL REFERENCES tenants(id),
  name text NOT NULL,
  secret_hash text NOT NULL,
  scopes json NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id);

CREATE TABLE subjects (
  tenant_id text COLLATE "C" NOT NULL REFERENCES tenants(id),
  id text COLLATE "C" NOT NULL,
  workflow text COLLATE "C" NOT NULL,
  status text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  parent_id text COLLATE "C",
  attributes json NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  status_changed_at timestamptz NOT NULL,
  erased_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX subjects_by_created ON subjects(tenant_id, created_at, id);
CREATE INDEX subjects_by_parent ON subjects(tenant_id, parent_id);

-- The append-only log: rows are inserted, never updated (retention deletes old ones).
CREATE TABLE events (
  tenant_id text COLLATE "C" NOT NULL,
  sequence bigint NOT NULL,
  id text COLLATE "C" NOT NULL,
  subject_id text COLLATE "C" NOT NULL,
  parent_id text COLLATE "C",
  workflow text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  from_status text COLLATE "C",
  to_status text COLLATE "C" NOT NULL,
  occurred_at timestamptz NOT NULL,
  subject_version integer NOT NULL,
  data json NOT NULL,
  PRIMARY KEY (tenant_id, sequence)
);
CREATE UNIQUE INDEX events_by_id ON events(id);
CREATE INDEX events_by_subject ON events(tenant_id, subject_id, sequence);
CREATE INDEX events_by_parent ON events(tenant_id, parent_id, sequence);

-- Events waiting to be fanned out to push endpoints; written with the event.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  event_sequence bigint NOT NULL,
  created_at timestamptz NOT NULL
);

-- At most one armed timer per subject, replaced on every write of the subject.
CREATE TABLE timers (
  tenant_id text COLLATE "C" NOT NULL,
  subject_id text COLLATE "C" NOT NULL,
  subject_version integer NOT NULL,
  name text NOT NULL,
  fire text NOT NULL,
  to_status text,
  data json,
  due_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, subject_id)
);
CREATE INDEX timers_by_due ON timers(due_at);

CREATE TABLE idempotency_keys (
  tenant_id text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  body json NOT NULL,
  created_at timestamptz NOT NULL,
  -- named: commit-change.ts recognises a concurrent twin by this constraint
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, key)
);
`,
  },
  // Push delivery (src/delivery): endpoints, deliveries, attempts.
  { version: 2, name: 'delivery', sql: POSTGRES_DELIVERY_MIGRATION },
  // Pull delivery (src/feeds): signing keys, signed-once SETs, RFC 8936 poll streams.
  { version: 3, name: 'pull', sql: POSTGRES_PULL_SQL },
  // Idempotency records expire after a day (retention job); find old ones without a scan.
  {
    version: 4,
    name: 'idempotency-expiry',
    sql: 'CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);',
  },
  // The subject-order index of deliveries holds ordered ones only (fan-out cost).
  { version: 5, name: 'delivery-order-index', sql: POSTGRES_ORDER_INDEX_MIGRATION },
  // A failing endpoint's circuit breaker pauses it between probes (src/delivery/circuit-breaker.ts).
  { version: 6, name: 'endpoint-breaker', sql: POSTGRES_BREAKER_MIGRATION },
  // Deliveries are listed through deliveries_once; one index fewer for every fan-out to write.
  { version: 7, name: 'drop-deliveries-by-endpoint', sql: DROP_DELIVERIES_BY_ENDPOINT_MIGRATION },
  // The attempts of one delivery, for the attempts listing's deliveryId and eventId filters.
  { version: 8, name: 'attempts-by-delivery', sql: ATTEMPTS_BY_DELIVERY_MIGRATION },
  // Every event keeps what its renderings are made from, as at its commit (src/formats/render-snapshot.ts);
  // json, not jsonb: cheaper to write and it keeps the attributes' key order, which renderings show.
  { version: 9, name: 'event-render-context', sql: 'ALTER TABLE events ADD COLUMN render_context json;' },
  // FIT-Connect destination keys (events the receiving system records are signed with its destination's key)
  // and tenant settings (src/tenants/tenant-settings.ts: the OneSpan default expiry period).
  {
    version: 10,
    name: 'destination-keys-and-tenant-settings',
    sql: `${POSTGRES_DESTINATION_KEYS_MIGRATION}\nALTER TABLE tenants ADD COLUMN settings json NOT NULL DEFAULT '{}';\n`,
  },
  // A console portal link is exchanged once (src/portal/portal-tokens.ts); kept until it expires.
  {
    version: 11,
    name: 'portal-link-uses',
    sql: `CREATE TABLE portal_link_uses (jti text COLLATE "C" PRIMARY KEY, expires_at timestamptz NOT NULL);
CREATE INDEX portal_link_uses_by_expiry ON portal_link_uses (expires_at);`,
  },
  // The OAuth 2.0 token of an endpoint, shared by every worker (src/delivery/senders/oauth2/token-store.ts).
  { version: 12, name: 'endpoint-tokens', sql: POSTGRES_ENDPOINT_TOKENS_MIGRATION },
  // Tracing (src/observability) and OpenID Shared Signals streams (src/signals).
  { version: 13, name: 'trace-context-and-ssf-streams', sql: POSTGRES_SIGNALS_MIGRATION },
  // The operational events' outbox: an intent written with its cause, turned into the event by a drain
  // (src/delivery/operational-intent.ts).
  { version: 14, name: 'operational-intents', sql: POSTGRES_OPERATIONAL_INTENTS_MIGRATION },
  // The happy path without delivery rows: outbox rows claimed by the fan-out that pushes their deliveries
  // (src/delivery/storage/postgres-rowless-sql.ts).
  { version: 15, name: 'outbox-claims', sql: OUTBOX_CLAIMS_MIGRATION },
];
