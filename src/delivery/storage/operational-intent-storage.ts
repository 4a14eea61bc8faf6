import type Database from 'better-sqlite3';
import type pg from 'pg';
import { checkout } from '../../storage/postgres/checkout.js';
import type { OperationalIntent, OperationalType, StoredIntent } from '../operational-intent.js';
import {
  intentValues,
  PG_INSERT_INTENTS,
  pgIntentArrays,
  pgIntentRows,
  SQLITE_INSERT_INTENT,
} from './operational-intent-sql.js';

/**
 * The operational events' outbox (`../operational-intent.ts`), as the drain
 * reads it. Causes write their intents with their own statements (the
 * delivery stores, the key storage); `add` is for causes with no
 * transaction of their own to share (a retention run's tallies).
 */
export interface OperationalIntentStorage {
  add(intents: readonly OperationalIntent[]): Promise<void>;
  /** The oldest `limit` intents, in the order their causes committed. */
  oldest(limit: number): Promise<StoredIntent[]>;
  delete(seq: number): Promise<void>;
  /**
   * Runs `work` unless another process is draining (null then), so events of
   * one endpoint are recorded in their causes' order. PostgreSQL: a session
   * advisory lock, freed when the process dies; SQLite: one process per file.
   */
  exclusively<T>(work: () => Promise<T>): Promise<T | null>;
}

interface IntentRow {
  seq: number | string;
  key: string;
  tenant_id: string | null;
  type: string;
  data: string | Record<string, unknown>;
  created_at: number | string;
}

const fromRow = (r: IntentRow): StoredIntent => ({
  seq: Number(r.seq),
  key: r.key,
  tenantId: r.tenant_id,
  type: r.type as OperationalType,
  data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
  createdAt: Number(r.created_at),
});

const SELECT_OLDEST = 'SELECT seq, key, tenant_id, type, data, created_at FROM operational_intents ORDER BY seq LIMIT';

export class SqliteOperationalIntentStorage implements OperationalIntentStorage {
  constructor(private readonly db: Database.Database) {}

  async add(intents: readonly OperationalIntent[]): Promise<void> {
    const insert = this.db.prepare(SQLITE_INSERT_INTENT);
    this.db.transaction(() => {
      for (const intent of intents) insert.run(...intentValues(intent));
    })();
  }

  async oldest(limit: number): Promise<StoredIntent[]> {
    return (this.db.prepare(`${SELECT_OLDEST} ?`).all(limit) as IntentRow[]).map(fromRow);
  }

  async delete(seq: number): Promise<void> {
    this.db.prepare('DELETE FROM operational_intents WHERE seq = ?').run(seq);
  }

  async exclusively<T>(work: () => Promise<T>): Promise<T | null> {
    return work();
  }
}

/** "tidings-operational-drain": the advisory lock one draining process holds. */
const DRAIN_LOCK_KEY = '7308895159001854325';

export class PostgresOperationalIntentStorage implements OperationalIntentStorage {
  constructor(private readonly pool: pg.Pool) {}

  async add(intents: readonly OperationalIntent[]): Promise<void> {
    if (intents.length === 0) return;
    await this.pool.query({ text: `${PG_INSERT_INTENTS} ${pgIntentRows(1)}`, values: pgIntentArrays(intents) });
  }

  async oldest(limit: number): Promise<StoredIntent[]> {
    const { rows } = await this.pool.query<IntentRow>({ text: `${SELECT_OLDEST} $1`, values: [limit] });
    return rows.map(fromRow);
  }

  async delete(seq: number): Promise<void> {
    await this.pool.query({ text: 'DELETE FROM operational_intents WHERE seq = $1', values: [seq] });
  }

  async exclusively<T>(work: () => Promise<T>): Promise<T | null> {
    const held = await checkout(this.pool);
    let broken: Error | undefined;
    try {
      const { rows } = await held.client.query<{ ok: boolean }>({
        text: 'SELECT pg_try_advisory_lock($1::bigint) AS ok',
        values: [DRAIN_LOCK_KEY],
      });
      if (!rows[0]?.ok) return null;
      try {
        return await work();
      } finally {
        await held.client
          .query({ text: 'SELECT pg_advisory_unlock($1::bigint)', values: [DRAIN_LOCK_KEY] })
          .catch((error: Error) => {
            // a connection that cannot unlock is destroyed, which frees the lock
            broken = error;
          });
      }
    } finally {
      held.release(broken);
    }
  }
}
