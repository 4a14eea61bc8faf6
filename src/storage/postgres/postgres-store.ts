import pg from 'pg';
import { DISPATCH_SESSION_OPTIONS } from '../../delivery/storage/postgres-lease-sql.js';
import type { StoredEvent } from '../../events/event.js';
import type { Subject } from '../../subjects/subject.js';
import type { TenantSettings } from '../../tenants/tenant-settings.js';
import type { Change } from '../../workflows/engine.js';
import {
  type ApiKeyRow,
  apiKeyFromRow,
  type EventRow,
  eventFromRow,
  type SubjectRow,
  subjectFromRow,
  type TenantRow,
  type TimerRow,
  tenantFromRow,
  timerFromRow,
} from '../rows.js';
import type {
  ApiKeyRecord,
  CommitResult,
  DueTimer,
  EventFilter,
  IdempotencyRecord,
  IdempotencyWrite,
  Store,
  SubjectFilter,
  Tenant,
} from '../store.js';
import { GroupCommit } from './group-commit.js';
import { migrate } from './migrate.js';
import type { Queryable } from './queryable.js';
import { readTimeoutClient } from './read-timeout-client.js';
import {
  API_KEY_COLUMNS,
  RENDER_EVENT_COLUMNS,
  SUBJECT_COLUMNS,
  TENANT_COLUMNS,
  TIMER_COLUMNS,
} from './sql/columns.js';
import { deleteIdempotencyBefore, findIdempotency } from './sql/idempotency.js';
import { listEvents } from './sql/list-events.js';
import { listSubjects } from './sql/list-subjects.js';
import { transaction } from './transaction.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` */
  connectionString: string;
  /** Connections this process keeps open at most (default 10), commits' and reads' together; at least 2. */
  poolSize?: number;
  /** The server cancels any statement running longer (default: no limit). */
  statementTimeoutMs?: number;
  /** Longest wait for a pooled connection, a new one included (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * The client stops waiting for an answer after this long (pg's `query_timeout`, default: no
   * limit) and the connection is dropped. A partitioned server (sockets open, nothing answering)
   * never sends its own statement timeout; this is what bounds a request then.
   */
  queryTimeoutMs?: number;
  /** TCP keepalive probes start after a connection was silent this long (default 10 s; 0: off). */
  keepAliveDelayMs?: number;
  /**
   * The server ends a transaction left idle this long (default 30 s). A process
   * stalled mid-commit would otherwise hold its tenant's sequence lock and stop
   * every other writer of that tenant.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Group-commit batches in flight at once, each holding one of the
   * `poolSize` connections (default 2, at most `poolSize - 1` so that reads
   * keep at least one).
   */
  commitParallel?: number;
  /** Told about errors of idle pooled connections (e.g. the server restarted); they are replaced on next use. */
  onConnectionError?: (error: Error) => void;
  /**
   * `false` writes events without a render snapshot, so they render from the
   * current subjects as before issue 13 (renderings then change as subjects
   * move on). Only for `bench/snapshots.ts`, which measures what snapshots
   * cost; not a configuration setting.
   */
  renderSnapshots?: boolean;
}

/** How long `/readyz`'s probe may take, connection included; the route answers within a second. */
export const PING_TIMEOUT_MS = 750;

/** See the constructor: the failure reaches whoever is using the connection. */
const ignoreConnectionError = () => {};

/** The shared store of a multi-process deployment: PostgreSQL through a `pg` pool. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  /** Exposed for operations and tests (raw queries, triggers); the store's own SQL lives in `sql/`. */
  readonly pool: pg.Pool;
  /**
   * The group commit's own connections, one per batch in flight, carved out
   * of `poolSize`. On one shared pool a batch queued for a connection behind
   * every request's read (64 clients, 10 connections) and the commit rate
   * followed the read queue, not the database.
   */
  readonly commitPool: pg.Pool;
  /**
   * The dispatcher's lease connection (`postgres-lease-sql.ts`), with bitmap
   * scans off for its session: the lease is then one round trip, where a
   * `SET LOCAL` needed a transaction of three. Leases of one process run one
   * at a time, so one connection.
   */
  readonly leasePool: pg.Pool;
  /**
   * The dispatcher's attempt records (`DISPATCH_SESSION_OPTIONS`): planned as
   * index lookups whatever the table's size when first planned. Records of
   * one process commit one batch at a time, so one connection.
   */
  readonly recordPool: pg.Pool;
  /** `/readyz`'s probe connection, see the constructor. */
  private readonly pingPool: pg.Pool;
  private closed = false;
  private readonly commits: GroupCommit;

  constructor(options: PostgresStoreOptions) {
    const size = options.poolSize ?? 10;
    const parallel = Math.max(1, Math.min(options.commitParallel ?? 2, size - 1));
    const keepAliveDelay = options.keepAliveDelayMs ?? 10_000;
    const settings: pg.PoolConfig = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 30_000,
      application_name: 'tidings',
      keepAlive: keepAliveDelay > 0,
      keepAliveInitialDelayMillis: keepAliveDelay,
      ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
      // The client's read timeout (pg's `query_timeout`, done without its per-query closures: `read-timeout-client.ts`).
      Client: readTimeoutClient(options.queryTimeoutMs ?? 0) as unknown as pg.PoolConfig['Client'],
    };
    this.pool = new pg.Pool({ ...settings, max: Math.max(1, size - parallel) });
    this.commitPool = new pg.Pool({ ...settings, max: parallel });
    this.leasePool = new pg.Pool({ ...settings, max: 1, options: DISPATCH_SESSION_OPTIONS });
    this.recordPool = new pg.Pool({ ...settings, max: 1, options: DISPATCH_SESSION_OPTIONS });
    // `/readyz` must answer within a second whatever the database does: its
    // probe has a connection of its own (never queued behind busy requests)
    // and gives up, connecting or querying, within PING_TIMEOUT_MS.
    this.pingPool = new pg.Pool({
      ...settings,
      application_name: 'tidings-readyz',
      max: 1,
      connectionTimeoutMillis: PING_TIMEOUT_MS,
      Client: readTimeoutClient(PING_TIMEOUT_MS) as unknown as pg.PoolConfig['Client'],
    });
    // Without a listener an idle connection dropped by the server (restart,
    // failover, terminated backend) would crash the process. The pool only
    // listens while a connection is idle, and `checkout` while it is held:
    // a connection's second error (the socket closing after the server's
    // FATAL) could still come between the two, unheard, and crash the
    // process: seen in test/scale/outage-burst under load, 1 run in 3. So
    // every connection keeps a listener of its own; the query in flight
    // fails by itself and the pool drops the broken connection.
    for (const pool of [this.pool, this.commitPool, this.leasePool, this.recordPool, this.pingPool]) {
      pool.on('error', (error) => options.onConnectionError?.(error));
      pool.on('connect', (client) => client.on('error', ignoreConnectionError));
    }
    this.commits = new GroupCommit(this.commitPool, {
      parallel,
      ...(options.renderSnapshots === false ? { renderSnapshots: false } : {}),
    });
  }

  migrate(): Promise<void> {
    return migrate(this.pool);
  }

  async ping(): Promise<void> {
    await this.pingPool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits.close();
    await Promise.all([
      this.pool.end(),
      this.commitPool.end(),
      this.leasePool.end(),
      this.recordPool.end(),
      this.pingPool.end(),
    ]);
  }

  async createTenant(tenant: Tenant, firstKey: ApiKeyRecord): Promise<void> {
    await transaction(this.pool, async (client) => {
      await client.query({
        text: 'INSERT INTO tenants (id, name, created_at, settings) VALUES ($1, $2, $3, $4)',
        values: [tenant.id, tenant.name, tenant.createdAt, JSON.stringify(tenant.settings ?? {})],
      });
      await insertApiKey(client, firstKey);
    });
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const { rows } = await this.pool.query<TenantRow>({
      text: `SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`,
      values: [id],
    });
    return rows[0] ? tenantFromRow(rows[0]) : null;
  }

  async setTenantSettings(id: string, settings: Partial<TenantSettings>): Promise<Tenant | null> {
    const { rows } = await this.pool.query<TenantRow>({
      text: `UPDATE tenants SET settings = $2 WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
      values: [id, JSON.stringify(settings)],
    });
    return rows[0] ? tenantFromRow(rows[0]) : null;
  }

  async listTenants(): Promise<Tenant[]> {
    const { rows } = await this.pool.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY created_at, id`);
    return rows.map(tenantFromRow);
  }

  createApiKey(key: ApiKeyRecord): Promise<void> {
    return insertApiKey(this.pool, key);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<ApiKeyRow>({
      name: 'tidings_get_api_key',
      text: `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = $1`,
      values: [id],
    });
    return rows[0] ? apiKeyFromRow(rows[0]) : null;
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<ApiKeyRow>({
      text: `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`,
      values: [tenantId],
    });
    return rows.map(apiKeyFromRow);
  }

  async revokeApiKey(tenantId: string, id: string, at: string): Promise<boolean> {
    const result = await this.pool.query({
      text: 'UPDATE api_keys SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL',
      values: [at, tenantId, id],
    });
    return result.rowCount === 1;
  }

  async getSubject(tenantId: string, id: string): Promise<Subject | null> {
    const { rows } = await this.pool.query<SubjectRow>({
      name: 'tidings_get_subject',
      text: `SELECT ${SUBJECT_COLUMNS} FROM subjects WHERE tenant_id = $1 AND id = $2`,
      values: [tenantId, id],
    });
    return rows[0] ? subjectFromRow(rows[0]) : null;
  }

  listSubjects(tenantId: string, filter: SubjectFilter): Promise<Subject[]> {
    return listSubjects(this.pool, tenantId, filter);
  }

  commit(tenantId: string, change: Change, idempotency?: IdempotencyWrite): Promise<CommitResult> {
    return this.commits.commit(tenantId, change, idempotency);
  }

  getIdempotency(tenantId: string, key: string): Promise<IdempotencyRecord | null> {
    return findIdempotency(this.pool, tenantId, key);
  }

  deleteIdempotencyRecords(before: string, limit: number): Promise<number> {
    return deleteIdempotencyBefore(this.pool, before, limit);
  }

  listEvents(tenantId: string, filter: EventFilter): Promise<StoredEvent[]> {
    return listEvents(this.pool, tenantId, filter);
  }

  async getEvent(tenantId: string, id: string): Promise<StoredEvent | null> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'tidings_get_event',
      text: `SELECT ${RENDER_EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND id = $2`,
      values: [tenantId, id],
    });
    return rows[0] ? eventFromRow(rows[0]) : null;
  }

  async countOutbox(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox');
    return Number(rows[0]?.n ?? 0);
  }

  async claimPortalLink(jti: string, expiresAt: string, now: string): Promise<boolean> {
    await this.pool.query({ text: 'DELETE FROM portal_link_uses WHERE expires_at < $1', values: [now] });
    const result = await this.pool.query({
      text: 'INSERT INTO portal_link_uses (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING',
      values: [jti, expiresAt],
    });
    return result.rowCount === 1;
  }

  async dueTimers(now: string, limit: number): Promise<DueTimer[]> {
    const { rows } = await this.pool.query<TimerRow>({
      name: 'tidings_due_timers',
      text: `SELECT ${TIMER_COLUMNS} FROM timers WHERE due_at <= $1 ORDER BY due_at LIMIT $2`,
      values: [now, limit],
    });
    return rows.map(timerFromRow);
  }

  async deleteTimer(tenantId: string, subjectId: string, subjectVersion: number): Promise<void> {
    await this.pool.query({
      text: 'DELETE FROM timers WHERE tenant_id = $1 AND subject_id = $2 AND subject_version = $3',
      values: [tenantId, subjectId, subjectVersion],
    });
  }
}

async function insertApiKey(db: Queryable, key: ApiKeyRecord): Promise<void> {
  await db.query({
    text: `INSERT INTO api_keys (id, tenant_id, name, secret_hash, scopes, created_at, revoked_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    values: [key.id, key.tenantId, key.name, key.secretHash, JSON.stringify(key.scopes), key.createdAt, key.revokedAt],
  });
}
