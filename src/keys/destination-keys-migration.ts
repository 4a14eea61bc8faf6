/**
 * Migration 10, part 1: FIT-Connect destination keys. Events the receiving system
 * records are issued by its destination and signed with the destination's own
 * PS512 key (seed 002); the public halves are served at
 * `GET /v1/destinations/{id}/keys`, the private halves are sealed like the
 * service's signing keys (`secret-sealer.ts`, bound to the row) and never served.
 */
export const SQLITE_DESTINATION_KEYS_MIGRATION = `
CREATE TABLE destination_keys (
  tenant_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  kid TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  rotated_at TEXT,
  PRIMARY KEY (tenant_id, kid)
) WITHOUT ROWID;
CREATE UNIQUE INDEX destination_keys_one_active ON destination_keys(tenant_id, destination_id) WHERE rotated_at IS NULL;
CREATE INDEX destination_keys_by_destination ON destination_keys(tenant_id, destination_id);
`;

export const POSTGRES_DESTINATION_KEYS_MIGRATION = `
CREATE TABLE destination_keys (
  tenant_id text COLLATE "C" NOT NULL,
  destination_id text COLLATE "C" NOT NULL,
  kid text COLLATE "C" NOT NULL,
  alg text NOT NULL,
  public_jwk json NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz NOT NULL,
  rotated_at timestamptz,
  PRIMARY KEY (tenant_id, kid)
);
CREATE UNIQUE INDEX destination_keys_one_active ON destination_keys (tenant_id, destination_id) WHERE rotated_at IS NULL;
CREATE INDEX destination_keys_by_destination ON destination_keys (tenant_id, destination_id);
`;
