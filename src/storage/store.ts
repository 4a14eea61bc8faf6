import type { StoredEvent } from '../events/event.js';
import type { Subject } from '../subjects/subject.js';
import type { TenantSettings } from '../tenants/tenant-settings.js';
import type { Change } from '../workflows/engine.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  /** The settings the tenant has set (the rest take their defaults: `src/tenants/tenant-settings.ts`). */
  settings?: Partial<TenantSettings>;
}

/** An API key as stored: only a hash of its secret part is kept. */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  /** Hex SHA-256 of the secret part of the key. */
  secretHash: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

/** The answer given to the first request with an `Idempotency-Key`, replayed on retries. */
export interface IdempotencyRecord {
  tenantId: string;
  key: string;
  /** Hash of method, path and body, so a reused key with another request is caught. */
  requestHash: string;
  status: number;
  body: unknown;
  createdAt: string;
}

export interface IdempotencyWrite {
  key: string;
  requestHash: string;
  /** When the request was answered (the caller's clock); records expire a day later. */
  createdAt: string;
  /** Builds the answer from the committed events (their sequence numbers are known only then). */
  respond: (events: StoredEvent[]) => { status: number; body: unknown };
}

export type CommitResult =
  | { ok: true; events: StoredEvent[] }
  | { ok: false; reason: 'version_conflict'; subjectId: string }
  | { ok: false; reason: 'subject_exists'; subjectId: string }
  | { ok: false; reason: 'idempotency_replay'; record: IdempotencyRecord };

/** A timer that has come due, with the subject version it was armed at. */
export interface DueTimer {
  tenantId: string;
  subjectId: string;
  subjectVersion: number;
  name: string;
  fire: string;
  to: string | null;
  data: Record<string, unknown> | null;
  dueAt: string;
}

export interface SubjectFilter {
  workflow?: string;
  status?: string;
  parentId?: string;
  /** Opaque cursor returned as `nextCursor` by the previous page. */
  after?: { createdAt: string; id: string };
  limit: number;
}

export interface EventFilter {
  /** Only events with a larger sequence number. */
  afterSequence?: number;
  subjectId?: string;
  limit: number;
}

/**
 * Everything Tidings keeps. Two implementations (SQLite, PostgreSQL) pass the
 * same contract suite (`test/storage/store-contract.ts`). Writes that belong
 * together go through `commit`, which is one database transaction.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  /** Throws when the database cannot answer; used by `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;

  createTenant(tenant: Tenant, firstKey: ApiKeyRecord): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  /** Replaces the tenant's stored settings; null when there is no such tenant. */
  setTenantSettings(id: string, settings: Partial<TenantSettings>): Promise<Tenant | null>;

  createApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(tenantId: string, id: string, at: string): Promise<boolean>;

  getSubject(tenantId: string, id: string): Promise<Subject | null>;
  listSubjects(tenantId: string, filter: SubjectFilter): Promise<Subject[]>;

  /**
   * Writes subjects (insert, or update guarded by `expectedVersion`), their
   * events with the next gap-free per-tenant sequence numbers, one outbox row
   * per event, the subjects' timers and the idempotency record, all or nothing.
   * Resolves once the transaction is durable.
   */
  commit(tenantId: string, change: Change, idempotency?: IdempotencyWrite): Promise<CommitResult>;
  getIdempotency(tenantId: string, key: string): Promise<IdempotencyRecord | null>;
  /** Deletes up to `limit` idempotency records created before `before`; returns how many. */
  deleteIdempotencyRecords(before: string, limit: number): Promise<number>;

  listEvents(tenantId: string, filter: EventFilter): Promise<StoredEvent[]>;
  getEvent(tenantId: string, id: string): Promise<StoredEvent | null>;
  countOutbox(): Promise<number>;

  dueTimers(now: string, limit: number): Promise<DueTimer[]>;
  deleteTimer(tenantId: string, subjectId: string, subjectVersion: number): Promise<void>;

  /**
   * Marks the console portal link `jti` (valid until `expiresAt`) as exchanged:
   * true the first time, false ever after, also when two exchanges race.
   * Records that expired before `now` are dropped on the way.
   */
  claimPortalLink(jti: string, expiresAt: string, now: string): Promise<boolean>;
}
