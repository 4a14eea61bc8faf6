import type Database from 'better-sqlite3';
import type { SetAlgorithm } from '../formats/render-context.js';
import type { DestinationKeyStorage } from './destination-key-storage.js';
import type { PublicJwk, SigningKeyRecord } from './signing-key.js';

interface Row {
  kid: string;
  alg: string;
  public_jwk: string;
  private_key: string;
  created_at: string;
  rotated_at: string | null;
}

const COLUMNS = 'kid, alg, public_jwk, private_key, created_at, rotated_at';

const fromRow = (r: Row): SigningKeyRecord => ({
  kid: r.kid,
  purpose: 'fit',
  alg: r.alg as SetAlgorithm,
  publicJwk: JSON.parse(r.public_jwk) as PublicJwk,
  privateKey: r.private_key,
  createdAt: r.created_at,
  rotatedAt: r.rotated_at,
});

export class SqliteDestinationKeyStorage implements DestinationKeyStorage {
  constructor(private readonly db: Database.Database) {}

  async listKeys(tenantId: string, destinationId: string): Promise<SigningKeyRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM destination_keys WHERE tenant_id = ? AND destination_id = ? ORDER BY created_at, kid`,
      )
      .all(tenantId, destinationId) as Row[];
    return rows.map(fromRow);
  }

  async getKey(tenantId: string, kid: string): Promise<SigningKeyRecord | null> {
    const row = this.db
      .prepare(`SELECT ${COLUMNS} FROM destination_keys WHERE tenant_id = ? AND kid = ?`)
      .get(tenantId, kid) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async insertFirstKey(tenantId: string, destinationId: string, key: SigningKeyRecord): Promise<boolean> {
    return this.insert(tenantId, destinationId, key);
  }

  async rotateTo(tenantId: string, destinationId: string, key: SigningKeyRecord, at: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db
        .prepare(
          'UPDATE destination_keys SET rotated_at = ? WHERE tenant_id = ? AND destination_id = ? AND rotated_at IS NULL',
        )
        .run(at, tenantId, destinationId);
      return this.insert(tenantId, destinationId, key);
    })();
  }

  private insert(tenantId: string, destinationId: string, key: SigningKeyRecord): boolean {
    const { changes } = this.db
      .prepare(
        `INSERT INTO destination_keys (tenant_id, destination_id, ${COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(
        tenantId,
        destinationId,
        key.kid,
        key.alg,
        JSON.stringify(key.publicJwk),
        key.privateKey,
        key.createdAt,
        key.rotatedAt,
      );
    return changes === 1;
  }

  async listAllKeys(): Promise<Array<{ tenantId: string; key: SigningKeyRecord }>> {
    const rows = this.db
      .prepare(`SELECT tenant_id, ${COLUMNS} FROM destination_keys ORDER BY tenant_id, kid`)
      .all() as Array<Row & { tenant_id: string }>;
    return rows.map((r) => ({ tenantId: r.tenant_id, key: fromRow(r) }));
  }

  async updatePrivateKey(tenantId: string, kid: string, sealed: string): Promise<boolean> {
    return (
      this.db
        .prepare('UPDATE destination_keys SET private_key = ? WHERE tenant_id = ? AND kid = ?')
        .run(sealed, tenantId, kid).changes === 1
    );
  }
}
