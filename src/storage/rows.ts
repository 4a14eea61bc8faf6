import type { RenderSnapshot, StoredEvent } from '../events/event.js';
import type { NativeSource } from '../formats/native-json.js';
import type { Subject } from '../subjects/subject.js';
import type { TenantSettings } from '../tenants/tenant-settings.js';
import type { ApiKeyRecord, DueTimer, IdempotencyRecord, Tenant } from './store.js';

/**
 * Row shapes shared by both SQL backends (snake_case columns) and their
 * mapping to domain objects. JSON columns arrive as text (SQLite) or already
 * parsed (PostgreSQL json columns, parsed by pg); `json` accepts both.
 */
type Json = string | Record<string, unknown> | unknown[] | null;

const json = <T>(value: Json): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
/** A time column's value as ISO text: pg gives a Date (or, through `ISO_TIMESTAMPS`, the text), SQLite the text. */
export const iso = (value: string | Date): string => (value instanceof Date ? value.toISOString() : value);
const isoOrNull = (value: string | Date | null): string | null => (value === null ? null : iso(value));

export interface TenantRow {
  id: string;
  name: string;
  created_at: string | Date;
  settings: Json;
}
export const tenantFromRow = (r: TenantRow): Tenant => ({
  id: r.id,
  name: r.name,
  createdAt: iso(r.created_at),
  settings: json<Partial<TenantSettings>>(r.settings),
});

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  secret_hash: string;
  scopes: Json;
  created_at: string | Date;
  revoked_at: string | Date | null;
}
export const apiKeyFromRow = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  secretHash: r.secret_hash,
  scopes: json<string[]>(r.scopes),
  createdAt: iso(r.created_at),
  revokedAt: isoOrNull(r.revoked_at),
});

export interface SubjectRow {
  tenant_id: string;
  id: string;
  workflow: string;
  status: string;
  version: number | string;
  parent_id: string | null;
  attributes: Json;
  created_at: string | Date;
  updated_at: string | Date;
  status_changed_at: string | Date;
  erased_at: string | Date | null;
}
export const subjectFromRow = (r: SubjectRow): Subject => ({
  tenantId: r.tenant_id,
  id: r.id,
  workflow: r.workflow,
  status: r.status,
  version: Number(r.version),
  parentId: r.parent_id,
  attributes: json<Record<string, unknown>>(r.attributes),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  statusChangedAt: iso(r.status_changed_at),
  erasedAt: isoOrNull(r.erased_at),
});

export interface EventRow {
  tenant_id: string;
  sequence: number | string;
  id: string;
  subject_id: string;
  parent_id: string | null;
  workflow: string;
  type: string;
  from_status: string | null;
  to_status: string;
  occurred_at: string | Date;
  subject_version: number | string;
  data: Json;
  /** Absent from reads that never render (fan-out); null for events older than snapshots. */
  render_context?: Json;
  /** The committing span's traceparent (`src/observability/tracing.ts`); null without tracing. */
  trace_context?: string | null;
}
export const eventFromRow = (r: EventRow): StoredEvent => ({
  tenantId: r.tenant_id,
  sequence: Number(r.sequence),
  id: r.id,
  subjectId: r.subject_id,
  parentId: r.parent_id,
  workflow: r.workflow,
  type: r.type,
  from: r.from_status,
  to: r.to_status,
  occurredAt: iso(r.occurred_at),
  subjectVersion: Number(r.subject_version),
  data: json<Record<string, unknown>>(r.data),
  ...(r.render_context !== undefined
    ? { snapshot: r.render_context === null ? null : json<RenderSnapshot>(r.render_context) }
    : {}),
  ...(r.trace_context ? { traceparent: r.trace_context } : {}),
});

/**
 * The native format's text source (`native-json.ts`) of a feed row: its
 * stored `data` text and its snapshot's attributes text; the other fields
 * converted exactly as `eventFromRow` converts them.
 */
export const nativeSourceFromRow = (r: EventRow, dataJson: string, attributesJson: string): NativeSource => ({
  id: r.id,
  sequence: Number(r.sequence),
  subjectId: r.subject_id,
  parentId: r.parent_id,
  workflow: r.workflow,
  type: r.type,
  from: r.from_status,
  to: r.to_status,
  occurredAt: iso(r.occurred_at),
  subjectVersion: Number(r.subject_version),
  dataJson,
  attributesJson,
});

export interface IdempotencyRow {
  tenant_id: string;
  key: string;
  request_hash: string;
  status: number | string;
  body: Json;
  created_at: string | Date;
}
export const idempotencyFromRow = (r: IdempotencyRow): IdempotencyRecord => ({
  tenantId: r.tenant_id,
  key: r.key,
  requestHash: r.request_hash,
  status: Number(r.status),
  body: json<unknown>(r.body),
  createdAt: iso(r.created_at),
});

export interface TimerRow {
  tenant_id: string;
  subject_id: string;
  subject_version: number | string;
  name: string;
  fire: string;
  to_status: string | null;
  data: Json;
  due_at: string | Date;
}
export const timerFromRow = (r: TimerRow): DueTimer => ({
  tenantId: r.tenant_id,
  subjectId: r.subject_id,
  subjectVersion: Number(r.subject_version),
  name: r.name,
  fire: r.fire,
  to: r.to_status,
  data: r.data === null ? null : json<Record<string, unknown>>(r.data),
  dueAt: iso(r.due_at),
});
