import type { SubjectWrite } from '../../../workflows/engine.js';
import { type IdempotencyRow, idempotencyFromRow } from '../../rows.js';
import type { IdempotencyRecord } from '../../store.js';
import type { Queryable } from '../queryable.js';
import { IDEMPOTENCY_COLUMNS } from './columns.js';

/**
 * The subject writes of many single-subject changes in one statement each
 * (inserts, compare-and-set updates), with their timers, for a group commit
 * (`commit-batch.ts`): a statement per change made a batch of 32 changes
 * spend 32 sequential round trips inside its transaction. Each row carries
 * `ord`, its change's place in the batch, and the statement returns the
 * `ord` of every row it wrote; a row it did not write was refused (its subject
 * exists, or its version moved), exactly as `insertSubject` / `updateSubject`
 * refuse one. The caller sends at most one row per subject: of two writes of
 * one subject in one statement, which one PostgreSQL applies is not defined.
 */
export interface BatchedWrite {
  ord: number;
  tenantId: string;
  write: SubjectWrite;
}

/**
 * The timer columns of each written row: arm (upsert) when named, disarm
 * (delete) when not; `written` must return `tenant_id, id, version` and the
 * five `timer_*` columns.
 */
const TIMER_CTES = `
disarmed AS (
  DELETE FROM timers t USING written w
  WHERE t.tenant_id = w.tenant_id AND t.subject_id = w.id AND w.timer_name IS NULL
),
armed AS (
  INSERT INTO timers (tenant_id, subject_id, subject_version, name, fire, to_status, data, due_at)
  SELECT tenant_id, id, version, timer_name, timer_fire, timer_to, timer_data, timer_due
  FROM written WHERE timer_name IS NOT NULL
  ON CONFLICT (tenant_id, subject_id) DO UPDATE SET
    subject_version = EXCLUDED.subject_version, name = EXCLUDED.name, fire = EXCLUDED.fire,
    to_status = EXCLUDED.to_status, data = EXCLUDED.data, due_at = EXCLUDED.due_at
)`;

const TIMER_ARRAYS = 'timer_name, timer_fire, timer_to, timer_data, timer_due';

/** The five timer arrays, from placeholder `$first` on, and their values. */
function timerArrays(first: number): string {
  return ['text', 'text', 'text', 'json', 'timestamptz'].map((type, i) => `$${first + i}::${type}[]`).join(', ');
}

function timerColumns(rows: readonly BatchedWrite[]): unknown[][] {
  const timers = rows.map((r) => r.write.timer);
  return [
    timers.map((t) => t?.name ?? null),
    timers.map((t) => t?.fire ?? null),
    timers.map((t) => t?.to ?? null),
    timers.map((t) => (t?.data ? JSON.stringify(t.data) : null)),
    timers.map((t) => t?.dueAt ?? null),
  ];
}

const UPDATE_SUBJECTS_SQL = `
WITH v AS (
  SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::json[],
      $7::timestamptz[], $8::timestamptz[], $9::integer[], ${timerArrays(10)})
    AS v(ord, tenant_id, id, status, version, attributes, updated_at, status_changed_at, expected_version,
      ${TIMER_ARRAYS})
),
written AS (
  UPDATE subjects s SET status = v.status, version = v.version, attributes = v.attributes,
    updated_at = v.updated_at, status_changed_at = v.status_changed_at
  FROM v WHERE s.tenant_id = v.tenant_id AND s.id = v.id AND s.version = v.expected_version
  RETURNING v.ord, v.tenant_id, v.id, v.version, ${TIMER_ARRAYS.replace(/timer_/g, 'v.timer_')}
),${TIMER_CTES}
SELECT ord FROM written`;

const INSERT_SUBJECTS_SQL = `
WITH v AS (
  SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[],
      $8::json[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], ${timerArrays(12)})
    AS v(ord, tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at,
      status_changed_at, ${TIMER_ARRAYS})
),
inserted AS (
  INSERT INTO subjects (tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at,
    status_changed_at)
  SELECT tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at, status_changed_at
  FROM v ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING tenant_id, id
),
written AS (
  SELECT v.ord, v.tenant_id, v.id, v.version, ${TIMER_ARRAYS.replace(/timer_/g, 'v.timer_')}
  FROM v JOIN inserted i ON i.tenant_id = v.tenant_id AND i.id = v.id
),${TIMER_CTES}
SELECT ord FROM written`;

/** Compare-and-set updates (`expectedVersion` set); returns the `ord` of each row written. */
export async function updateSubjects(db: Queryable, rows: readonly BatchedWrite[]): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  const subjects = rows.map((r) => r.write.subject);
  const result = await db.query<{ ord: number }>({
    name: 'tidings_update_subjects',
    text: UPDATE_SUBJECTS_SQL,
    values: [
      rows.map((r) => r.ord),
      rows.map((r) => r.tenantId),
      subjects.map((s) => s.id),
      subjects.map((s) => s.status),
      subjects.map((s) => s.version),
      subjects.map((s) => JSON.stringify(s.attributes)),
      subjects.map((s) => s.updatedAt),
      subjects.map((s) => s.statusChangedAt),
      rows.map((r) => r.write.expectedVersion),
      ...timerColumns(rows),
    ],
  });
  return new Set(result.rows.map((r) => r.ord));
}

/** Inserts of new subjects (`expectedVersion` null); returns the `ord` of each row written (not of an id that exists). */
export async function insertSubjects(db: Queryable, rows: readonly BatchedWrite[]): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  const subjects = rows.map((r) => r.write.subject);
  const result = await db.query<{ ord: number }>({
    name: 'tidings_insert_subjects',
    text: INSERT_SUBJECTS_SQL,
    values: [
      rows.map((r) => r.ord),
      rows.map((r) => r.tenantId),
      subjects.map((s) => s.id),
      subjects.map((s) => s.workflow),
      subjects.map((s) => s.status),
      subjects.map((s) => s.version),
      subjects.map((s) => s.parentId),
      subjects.map((s) => JSON.stringify(s.attributes)),
      subjects.map((s) => s.createdAt),
      subjects.map((s) => s.updatedAt),
      subjects.map((s) => s.statusChangedAt),
      ...timerColumns(rows),
    ],
  });
  return new Set(result.rows.map((r) => r.ord));
}

/** The stored idempotency records among `wanted` (tenant id, key), keyed `${tenantId}\n${key}`. */
export async function findIdempotencies(
  db: Queryable,
  wanted: ReadonlyArray<{ tenantId: string; key: string }>,
): Promise<Map<string, IdempotencyRecord>> {
  if (wanted.length === 0) return new Map();
  const result = await db.query<IdempotencyRow>({
    name: 'tidings_find_idempotencies',
    text: `SELECT ${IDEMPOTENCY_COLUMNS} FROM idempotency_keys
           WHERE (tenant_id, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    values: [wanted.map((w) => w.tenantId), wanted.map((w) => w.key)],
  });
  const found = new Map<string, IdempotencyRecord>();
  for (const row of result.rows) {
    const record = idempotencyFromRow(row);
    found.set(`${record.tenantId}\n${record.key}`, record);
  }
  return found;
}
