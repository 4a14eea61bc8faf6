import type Database from 'better-sqlite3';
import type { OperationalIntent } from '../delivery/operational-intent.js';
import { intentValues, SQLITE_INSERT_INTENT } from '../delivery/storage/operational-intent-sql.js';
import type { SetAlgorithm } from '../formats/render-context.js';
import type { KeyStorage } from './key-storage.js';
import type { KeyPurpose, PublicJwk, SigningKeyRecord } from './signing-key.js';

interface KeyRow {
  kid: string;
  purpose: string;
  alg: string;
  public_jwk: string;
  private_key: string;
  created_at: string;
  rotated_at: string | null;
}

const fromRow = (r: KeyRow): SigningKeyRecord => ({
  kid: r.kid,
  purpose: r.purpose as KeyPurpose,
  alg: r.alg as SetAlgorithm,
  publicJwk: JSON.parse(r.public_jwk) as PublicJwk,
  privateKey: r.private_key,
  createdAt: r.created_at,
  rotatedAt: r.rotated_at,
});

export class SqliteKeyStorage implements KeyStorage {
  constructor(private readonly db: Database.Database) {}

  async listKeys(): Promise<SigningKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM signing_keys ORDER BY created_at, kid').all() as KeyRow[]).map(fromRow);
  }

  async insertFirstKey(key: SigningKeyRecord): Promise<boolean> {
    return this.insert(key) === 1;
  }

  async rotateTo(
    key: SigningKeyRecord,
    at: string,
    intentFor?: (retiredKid: string | null) => OperationalIntent | null,
  ): Promise<void> {
    this.db
      .transaction(() => {
        const retired = this.db
          .prepare('UPDATE signing_keys SET rotated_at = ? WHERE purpose = ? AND rotated_at IS NULL RETURNING kid')
          .pluck()
          .get(at, key.purpose) as string | undefined;
        this.insert(key);
        const intent = intentFor?.(retired ?? null);
        if (intent) this.db.prepare(SQLITE_INSERT_INTENT).run(...intentValues(intent));
      })
      .immediate();
  }

  async updatePrivateKey(kid: string, sealed: string): Promise<boolean> {
    return this.db.prepare('UPDATE signing_keys SET private_key = ? WHERE kid = ?').run(sealed, kid).changes === 1;
  }

  private insert(key: SigningKeyRecord): number {
    return this.db
      .prepare(
        `INSERT INTO signing_keys (kid, purpose, alg, public_jwk, private_key, created_at, rotated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(key.kid, key.purpose, key.alg, JSON.stringify(key.publicJwk), key.privateKey, key.createdAt, key.rotatedAt)
      .changes;
  }
}
