import type pg from 'pg';
import type { OperationalIntent } from '../delivery/operational-intent.js';
import { PG_INSERT_INTENTS, pgIntentArrays, pgIntentRows } from '../delivery/storage/operational-intent-sql.js';
import type { SetAlgorithm } from '../formats/render-context.js';
import type { Queryable } from '../storage/postgres/queryable.js';
import { transaction } from '../storage/postgres/transaction.js';
import type { KeyStorage } from './key-storage.js';
import type { KeyPurpose, PublicJwk, SigningKeyRecord } from './signing-key.js';

interface KeyRow {
  kid: string;
  purpose: string;
  alg: string;
  public_jwk: PublicJwk | string;
  private_key: string;
  created_at: Date | string;
  rotated_at: Date | string | null;
}

const iso = (v: Date | string) => (v instanceof Date ? v.toISOString() : v);

const fromRow = (r: KeyRow): SigningKeyRecord => ({
  kid: r.kid,
  purpose: r.purpose as KeyPurpose,
  alg: r.alg as SetAlgorithm,
  publicJwk: typeof r.public_jwk === 'string' ? (JSON.parse(r.public_jwk) as PublicJwk) : r.public_jwk,
  privateKey: r.private_key,
  createdAt: iso(r.created_at),
  rotatedAt: r.rotated_at === null ? null : iso(r.rotated_at),
});

async function insert(db: Queryable, key: SigningKeyRecord): Promise<number> {
  const result = await db.query({
    text: `INSERT INTO signing_keys (kid, purpose, alg, public_jwk, private_key, created_at, rotated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    values: [
      key.kid,
      key.purpose,
      key.alg,
      JSON.stringify(key.publicJwk),
      key.privateKey,
      key.createdAt,
      key.rotatedAt,
    ],
  });
  return result.rowCount ?? 0;
}

export class PostgresKeyStorage implements KeyStorage {
  constructor(private readonly pool: pg.Pool) {}

  async listKeys(): Promise<SigningKeyRecord[]> {
    const { rows } = await this.pool.query<KeyRow>(
      'SELECT kid, purpose, alg, public_jwk, private_key, created_at, rotated_at FROM signing_keys ORDER BY created_at, kid',
    );
    return rows.map(fromRow);
  }

  async insertFirstKey(key: SigningKeyRecord): Promise<boolean> {
    return (await insert(this.pool, key)) === 1;
  }

  async rotateTo(
    key: SigningKeyRecord,
    at: string,
    intentFor?: (retiredKid: string | null) => OperationalIntent | null,
  ): Promise<void> {
    await transaction(this.pool, async (client) => {
      const retired = await client.query<{ kid: string }>({
        text: 'UPDATE signing_keys SET rotated_at = $1 WHERE purpose = $2 AND rotated_at IS NULL RETURNING kid',
        values: [at, key.purpose],
      });
      await insert(client, key);
      const intent = intentFor?.(retired.rows[0]?.kid ?? null);
      if (intent)
        await client.query({ text: `${PG_INSERT_INTENTS} ${pgIntentRows(1)}`, values: pgIntentArrays([intent]) });
    });
  }

  async updatePrivateKey(kid: string, sealed: string): Promise<boolean> {
    const result = await this.pool.query({
      text: 'UPDATE signing_keys SET private_key = $1 WHERE kid = $2',
      values: [sealed, kid],
    });
    return result.rowCount === 1;
  }
}
