import type pg from 'pg';
import type { SetAlgorithm } from '../formats/render-context.js';
import type { Queryable } from '../storage/postgres/queryable.js';
import { transaction } from '../storage/postgres/transaction.js';
import type { DestinationKeyStorage } from './destination-key-storage.js';
import type { PublicJwk, SigningKeyRecord } from './signing-key.js';

interface Row {
  kid: string;
  alg: string;
  public_jwk: PublicJwk | string;
  private_key: string;
  created_at: Date | string;
  rotated_at: Date | string | null;
}

const COLUMNS = 'kid, alg, public_jwk, private_key, created_at, rotated_at';
const iso = (v: Date | string) => (v instanceof Date ? v.toISOString() : v);

const fromRow = (r: Row): SigningKeyRecord => ({
  kid: r.kid,
  purpose: 'fit',
  alg: r.alg as SetAlgorithm,
  publicJwk: typeof r.public_jwk === 'string' ? (JSON.parse(r.public_jwk) as PublicJwk) : r.public_jwk,
  privateKey: r.private_key,
  createdAt: iso(r.created_at),
  rotatedAt: r.rotated_at === null ? null : iso(r.rotated_at),
});

async function insert(db: Queryable, tenantId: string, destinationId: string, key: SigningKeyRecord): Promise<number> {
  const result = await db.query({
    text: `INSERT INTO destination_keys (tenant_id, destination_id, ${COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    values: [
      tenantId,
      destinationId,
      key.kid,
      key.alg,
      JSON.stringify(key.publicJwk),
      key.privateKey,
      key.createdAt,
      key.rotatedAt,
    ],
  });
  return result.rowCount ?? 0;
}

export class PostgresDestinationKeyStorage implements DestinationKeyStorage {
  constructor(private readonly pool: pg.Pool) {}

  async listKeys(tenantId: string, destinationId: string): Promise<SigningKeyRecord[]> {
    const { rows } = await this.pool.query<Row>({
      text: `SELECT ${COLUMNS} FROM destination_keys WHERE tenant_id = $1 AND destination_id = $2 ORDER BY created_at, kid`,
      values: [tenantId, destinationId],
    });
    return rows.map(fromRow);
  }

  async getKey(tenantId: string, kid: string): Promise<SigningKeyRecord | null> {
    const { rows } = await this.pool.query<Row>({
      text: `SELECT ${COLUMNS} FROM destination_keys WHERE tenant_id = $1 AND kid = $2`,
      values: [tenantId, kid],
    });
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async insertFirstKey(tenantId: string, destinationId: string, key: SigningKeyRecord): Promise<boolean> {
    return (await insert(this.pool, tenantId, destinationId, key)) === 1;
  }

  async rotateTo(tenantId: string, destinationId: string, key: SigningKeyRecord, at: string): Promise<boolean> {
    // Under READ COMMITTED a rotation racing another updates no row (the one it
    // waited for is rotated by then) and its insert meets the one-active index:
    // it writes nothing and says so, and the caller tries again.
    return transaction(this.pool, async (client) => {
      await client.query({
        text: 'UPDATE destination_keys SET rotated_at = $1 WHERE tenant_id = $2 AND destination_id = $3 AND rotated_at IS NULL',
        values: [at, tenantId, destinationId],
      });
      return (await insert(client, tenantId, destinationId, key)) === 1;
    });
  }

  async listAllKeys(): Promise<Array<{ tenantId: string; key: SigningKeyRecord }>> {
    const { rows } = await this.pool.query<Row & { tenant_id: string }>(
      `SELECT tenant_id, ${COLUMNS} FROM destination_keys ORDER BY tenant_id, kid`,
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, key: fromRow(r) }));
  }

  async updatePrivateKey(tenantId: string, kid: string, sealed: string): Promise<boolean> {
    const result = await this.pool.query({
      text: 'UPDATE destination_keys SET private_key = $1 WHERE tenant_id = $2 AND kid = $3',
      values: [sealed, tenantId, kid],
    });
    return result.rowCount === 1;
  }
}
