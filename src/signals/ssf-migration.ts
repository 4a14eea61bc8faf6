/**
 * Migration 13 for both backends: the trace context of each event (tracing,
 * `src/observability`) and OpenID Shared Signals streams (`src/signals`).
 * An SSF stream rides on an endpoint (push, RFC 8935) or a poll stream (RFC
 * 8936), its `carrier_id`; what SSF adds is kept here: the audience, the
 * requested events, the status, and the control SETs (verification,
 * stream-updated) waiting for a poller.
 */
export const SQLITE_SIGNALS_MIGRATION = `
ALTER TABLE events ADD COLUMN trace_context TEXT;

CREATE TABLE ssf_streams (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  method TEXT NOT NULL,
  carrier_id TEXT NOT NULL,
  aud TEXT NOT NULL,
  description TEXT,
  events_requested TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  verified_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE TABLE ssf_control_sets (
  tenant_id TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  jws TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, stream_id, jti)
) WITHOUT ROWID;
`;

export const POSTGRES_SIGNALS_MIGRATION = `
ALTER TABLE events ADD COLUMN trace_context text;

CREATE TABLE ssf_streams (
  tenant_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  method text NOT NULL,
  carrier_id text COLLATE "C" NOT NULL,
  aud text NOT NULL,
  description text,
  events_requested json NOT NULL,
  status text NOT NULL,
  reason text,
  verified_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE ssf_control_sets (
  tenant_id text COLLATE "C" NOT NULL,
  stream_id text COLLATE "C" NOT NULL,
  jti text COLLATE "C" NOT NULL,
  jws text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, stream_id, jti)
);
`;
