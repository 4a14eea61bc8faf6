import type { OperationalIntent } from '../operational-intent.js';

/**
 * Migration 14 for both backends: the operational events' transactional
 * outbox (`../operational-intent.ts`). `seq` orders the intents as their
 * causes committed; `tenant_id` NULL means every tenant. A handful of rows at
 * any time: each is deleted once its event is committed, within a second.
 */
export const SQLITE_OPERATIONAL_INTENTS_MIGRATION = `
CREATE TABLE operational_intents (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  tenant_id TEXT,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;

export const POSTGRES_OPERATIONAL_INTENTS_MIGRATION = `
CREATE TABLE operational_intents (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key text NOT NULL,
  tenant_id text COLLATE "C",
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at bigint NOT NULL
);
`;

/** SQLite: one intent, its values from `intentValues`. */
export const SQLITE_INSERT_INTENT =
  'INSERT INTO operational_intents (key, tenant_id, type, data, created_at) VALUES (?, ?, ?, ?, ?)';

export const intentValues = (i: OperationalIntent): unknown[] => [
  i.key,
  i.tenantId,
  i.type,
  JSON.stringify(i.data),
  i.createdAt,
];

/** PostgreSQL: the start of an INSERT whose rows come from `pgIntentRows`. */
export const PG_INSERT_INTENTS = 'INSERT INTO operational_intents (key, tenant_id, type, data, created_at)';

/**
 * PostgreSQL: the rows of `intents` as a SELECT over array parameters
 * `$first` to `$first + 4` (values: `pgIntentArrays`), filtered by `where`
 * (over the alias `i`), so one statement can write them with their cause.
 * `leading`: one more array before them, per intent (what `where` tests).
 */
export function pgIntentRows(first: number, where = 'true', leading?: { name: string; type: string }): string {
  const shift = leading ? 1 : 0;
  const p = (k: number) => `$${first + shift + k}`;
  const lead = leading ? { array: `$${first}::${leading.type}[], `, column: `${leading.name}, ` } : null;
  return `SELECT i.key, i.tenant_id, i.type, i.data::jsonb, i.created_at
    FROM unnest(${lead?.array ?? ''}${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::bigint[])
      AS i(${lead?.column ?? ''}key, tenant_id, type, data, created_at)
    WHERE ${where}`;
}

export function pgIntentArrays(intents: readonly OperationalIntent[]): unknown[] {
  return [
    intents.map((i) => i.key),
    intents.map((i) => i.tenantId),
    intents.map((i) => i.type),
    intents.map((i) => JSON.stringify(i.data)),
    intents.map((i) => i.createdAt),
  ];
}
