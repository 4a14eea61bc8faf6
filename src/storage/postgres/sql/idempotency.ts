import { type IdempotencyRow, idempotencyFromRow } from '../../rows.js';
import type { IdempotencyRecord } from '../../store.js';
import type { Queryable } from '../queryable.js';
import { IDEMPOTENCY_COLUMNS } from './columns.js';

export async function findIdempotency(db: Queryable, tenantId: string, key: string): Promise<IdempotencyRecord | null> {
  const result = await db.query<IdempotencyRow>({
    name: 'tidings_find_idempotency',
    text: `SELECT ${IDEMPOTENCY_COLUMNS} FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`,
    values: [tenantId, key],
  });
  const row = result.rows[0];
  return row ? idempotencyFromRow(row) : null;
}

/** Fails with a unique violation on `idempotency_keys_pkey` when a concurrent twin committed first. */
export async function insertIdempotency(db: Queryable, record: IdempotencyRecord): Promise<void> {
  await db.query({
    name: 'tidings_insert_idempotency',
    text: `INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, body, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
    values: [
      record.tenantId,
      record.key,
      record.requestHash,
      record.status,
      JSON.stringify(record.body),
      record.createdAt,
    ],
  });
}

/**
 * Inserts a batch's records in one statement (one round trip while the batch
 * holds its tenants' sequence locks). A unique violation means a twin in
 * another transaction committed first; the batch then retries change by change.
 */
export async function insertIdempotencies(db: Queryable, records: IdempotencyRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.query({
    name: 'tidings_insert_idempotencies',
    text: `INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, body, created_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::json[], $6::timestamptz[])`,
    values: [
      records.map((r) => r.tenantId),
      records.map((r) => r.key),
      records.map((r) => r.requestHash),
      records.map((r) => r.status),
      records.map((r) => JSON.stringify(r.body)),
      records.map((r) => r.createdAt),
    ],
  });
}

/** Deletes up to `limit` records created before `before` (the retention job keeps a day). */
export async function deleteIdempotencyBefore(db: Queryable, before: string, limit: number): Promise<number> {
  const result = await db.query({
    name: 'tidings_delete_idempotency_before',
    text: `DELETE FROM idempotency_keys WHERE (tenant_id, key) IN
       (SELECT tenant_id, key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
    values: [before, limit],
  });
  return result.rowCount ?? 0;
}
