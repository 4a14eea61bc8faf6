/**
 * Tables of pull delivery (migration 3, `pull`) for both backends: signing
 * keys, the SET of each event signed once, and RFC 8936 poll streams.
 */
export const SQLITE_PULL_SQL = `
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  -- 'pem:<PKCS8>' or 'aes256gcm:<iv>.<tag>.<ciphertext>'; never served
  private_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  rotated_at TEXT
);
-- one active key per purpose, so processes racing to create the first key agree on one
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(purpose) WHERE rotated_at IS NULL;

-- Each event's SET, signed at first read and served from here afterwards.
CREATE TABLE event_sets (
  tenant_id TEXT NOT NULL,
  event_sequence INTEGER NOT NULL,
  kid TEXT NOT NULL,
  jws TEXT NOT NULL,
  PRIMARY KEY (tenant_id, event_sequence)
) WITHOUT ROWID;
CREATE INDEX event_sets_by_kid ON event_sets(kid);

CREATE TABLE streams (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  event_types TEXT,
  workflows TEXT,
  -- last log sequence moved into stream_pending (or skipped by the filter)
  cursor_sequence INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX streams_by_name ON streams(tenant_id, name);

-- SETs handed to a stream's poller and not yet acknowledged: sent again on every poll.
CREATE TABLE stream_pending (
  tenant_id TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  event_sequence INTEGER NOT NULL,
  jti TEXT NOT NULL,
  PRIMARY KEY (tenant_id, stream_id, event_sequence)
) WITHOUT ROWID;
CREATE INDEX stream_pending_by_jti ON stream_pending(tenant_id, stream_id, jti);

-- RFC 8936 setErrs reported by pollers, kept for operators.
CREATE TABLE stream_set_errors (
  tenant_id TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  err TEXT NOT NULL,
  description TEXT NOT NULL,
  reported_at TEXT NOT NULL
);
CREATE INDEX stream_set_errors_by_stream ON stream_set_errors(tenant_id, stream_id);
`;

export const POSTGRES_PULL_SQL = `
CREATE TABLE signing_keys (
  kid text COLLATE "C" PRIMARY KEY,
  purpose text COLLATE "C" NOT NULL,
  alg text NOT NULL,
  public_jwk json NOT NULL,
  -- 'pem:<PKCS8>' or 'aes256gcm:<iv>.<tag>.<ciphertext>'; never served
  private_key text NOT NULL,
  created_at timestamptz NOT NULL,
  rotated_at timestamptz
);
-- one active key per purpose, so processes racing to create the first key agree on one
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(purpose) WHERE rotated_at IS NULL;

-- Each event's SET, signed at first read and served from here afterwards.
CREATE TABLE event_sets (
  tenant_id text COLLATE "C" NOT NULL,
  event_sequence bigint NOT NULL,
  kid text COLLATE "C" NOT NULL,
  jws text NOT NULL,
  PRIMARY KEY (tenant_id, event_sequence)
);
CREATE INDEX event_sets_by_kid ON event_sets(kid);

CREATE TABLE streams (
  tenant_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  name text NOT NULL,
  event_types json,
  workflows json,
  -- last log sequence moved into stream_pending (or skipped by the filter)
  cursor_sequence bigint NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX streams_by_name ON streams(tenant_id, name);

-- SETs handed to a stream's poller and not yet acknowledged: sent again on every poll.
CREATE TABLE stream_pending (
  tenant_id text COLLATE "C" NOT NULL,
  stream_id text COLLATE "C" NOT NULL,
  event_sequence bigint NOT NULL,
  jti text COLLATE "C" NOT NULL,
  PRIMARY KEY (tenant_id, stream_id, event_sequence)
);
CREATE INDEX stream_pending_by_jti ON stream_pending(tenant_id, stream_id, jti);

-- RFC 8936 setErrs reported by pollers, kept for operators.
CREATE TABLE stream_set_errors (
  tenant_id text COLLATE "C" NOT NULL,
  stream_id text COLLATE "C" NOT NULL,
  jti text NOT NULL,
  err text NOT NULL,
  description text NOT NULL,
  reported_at timestamptz NOT NULL
);
CREATE INDEX stream_set_errors_by_stream ON stream_set_errors(tenant_id, stream_id);
`;
