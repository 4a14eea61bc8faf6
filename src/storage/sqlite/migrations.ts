import {
  ATTEMPTS_BY_DELIVERY_MIGRATION,
  DROP_DELIVERIES_BY_ENDPOINT_MIGRATION,
  SQLITE_BREAKER_MIGRATION,
  SQLITE_DELIVERY_MIGRATION,
  SQLITE_ENDPOINT_TOKENS_MIGRATION,
  SQLITE_ORDER_INDEX_MIGRATION,
} from '../../delivery/storage/delivery-migration.js';
import { SQLITE_OPERATIONAL_INTENTS_MIGRATION } from '../../delivery/storage/operational-intent-sql.js';
import { SQLITE_PULL_SQL } from '../../feeds/storage/pull-migration.js';
import { SQLITE_DESTINATION_KEYS_MIGRATION } from '../../keys/destination-keys-migration.js';
import { SQLITE_SIGNALS_MIGRATION } from '../../signals/ssf-migration.js';
/**
 * Numbered SQLite migrations, applied in order, each once, inside a transaction.
 * Never edit a released migration: add the next number.
 */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- last per-tenant event sequence number handed out; bumped in the commit transaction
  last_sequence INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id);

CREATE TABLE subjects (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  workflow TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  parent_id TEXT,
  attributes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  status_changed_at TEXT NOT NULL,
  erased_at TEXT,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX subjects_by_created ON subjects(tenant_id, created_at, id);
CREATE INDEX subjects_by_parent ON subjects(tenant_id, parent_id);

-- The append-only log: rows are inserted, never updated (retention deletes old ones).
CREATE TABLE events (
  tenant_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  parent_id TEXT,
  workflow TEXT NOT NULL,
  type TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  subject_version INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (tenant_id, sequence)
) WITHOUT ROWID;
CREATE UNIQUE INDEX events_by_id ON events(id);
CREATE INDEX events_by_subject ON events(tenant_id, subject_id, sequence);
CREATE INDEX events_by_parent ON events(tenant_id, parent_id, sequence);

-- Events waiting to be fanned out to push endpoints; written with the event.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  event_sequence INTEGER NOT NULL,
  created_at TEXT NOT NULL
);

-- At most one armed timer per subject, replaced on every write of the subject.
CREATE TABLE timers (
  tenant_id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_version INTEGER NOT NULL,
  name TEXT NOT NULL,
  fire TEXT NOT NULL,
  to_status TEXT,
  data TEXT,
  due_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, subject_id)
) WITHOUT ROWID;
CREATE INDEX timers_by_due ON timers(due_at);

CREATE TABLE idempotency_keys (
  tenant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, key)
) WITHOUT ROWID;
`,
  },
  // Push delivery (src/delivery): endpoints, deliveries, attempts.
  { version: 2, name: 'delivery', sql: SQLITE_DELIVERY_MIGRATION },
  // Pull delivery (src/feeds): signing keys, signed-once SETs, RFC 8936 poll streams.
  { version: 3, name: 'pull', sql: SQLITE_PULL_SQL },
  // Idempotency records expire after a day (retention job); find old ones without a scan.
  {
    version: 4,
    name: 'idempotency-expiry',
    sql: 'CREATE INDEX idempotency_keys_by_created ON idempotency_keys(created_at);',
  },
  // The subject-order index of deliveries holds ordered ones only (fan-out cost).
  { version: 5, name: 'delivery-order-index', sql: SQLITE_ORDER_INDEX_MIGRATION },
  // A failing endpoint's circuit breaker pauses it between probes (src/delivery/circuit-breaker.ts).
  { version: 6, name: 'endpoint-breaker', sql: SQLITE_BREAKER_MIGRATION },
  // Deliveries are listed through deliveries_once; one index fewer for every fan-out to write.
  { version: 7, name: 'drop-deliveries-by-endpoint', sql: DROP_DELIVERIES_BY_ENDPOINT_MIGRATION },
  // The attempts of one delivery, for the attempts listing's deliveryId and eventId filters.
  { version: 8, name: 'attempts-by-delivery', sql: ATTEMPTS_BY_DELIVERY_MIGRATION },
  // Every event keeps what its renderings are made from, as at its commit (src/formats/render-snapshot.ts);
  // events written before stay NULL and render from the current subjects.
  { version: 9, name: 'event-render-context', sql: 'ALTER TABLE events ADD COLUMN render_context TEXT;' },
  // FIT-Connect destination keys (events the receiving system records are signed with its destination's key)
  // and tenant settings (src/tenants/tenant-settings.ts: the OneSpan default expiry period).
  {
    version: 10,
    name: 'destination-keys-and-tenant-settings',
    sql: `${SQLITE_DESTINATION_KEYS_MIGRATION}\nALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';\n`,
  },
  // A console portal link is exchanged once (src/portal/portal-tokens.ts); kept until it expires.
  {
    version: 11,
    name: 'portal-link-uses',
    sql: `CREATE TABLE portal_link_uses (jti TEXT PRIMARY KEY, expires_at TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX portal_link_uses_by_expiry ON portal_link_uses(expires_at);`,
  },
  // The OAuth 2.0 token of an endpoint, shared by every worker (src/delivery/senders/oauth2/token-store.ts).
  { version: 12, name: 'endpoint-tokens', sql: SQLITE_ENDPOINT_TOKENS_MIGRATION },
  // Tracing (src/observability) and OpenID Shared Signals streams (src/signals).
  { version: 13, name: 'trace-context-and-ssf-streams', sql: SQLITE_SIGNALS_MIGRATION },
  // The operational events' outbox: an intent written with its cause, turned into the event by a drain
  // (src/delivery/operational-intent.ts).
  { version: 14, name: 'operational-intents', sql: SQLITE_OPERATIONAL_INTENTS_MIGRATION },
];
