import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RenderSnapshot, StoredEvent } from '../../events/event.js';
import type { Subject } from '../../subjects/subject.js';
import type { TenantSettings } from '../../tenants/tenant-settings.js';
import type { Change } from '../../workflows/engine.js';
import {
  type ApiKeyRow,
  apiKeyFromRow,
  type EventRow,
  eventFromRow,
  type IdempotencyRow,
  idempotencyFromRow,
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
  EventFilter,
  IdempotencyWrite,
  Store,
  SubjectFilter,
  Tenant,
} from '../store.js';
import { BackgroundCheckpoints, SAFETY_NET_PAGES } from './background-checkpoints.js';
import type { FsyncMode } from './fsync-mode.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { preparedStatements } from './prepared-statements.js';
import { readSnapshots } from './read-snapshots.js';
import { type DataSync, WalSync } from './wal-sync.js';

interface PendingCommit {
  tenantId: string;
  change: Change;
  idempotency: IdempotencyWrite | undefined;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

/** Thrown inside a savepoint to undo one change and answer with `result`. */
class Refusal {
  constructor(readonly result: CommitResult) {}
}

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for throwaway tests. */
  path: string;
  /**
   * `false` writes events without a render snapshot, so they render from the
   * current subjects as before issue 13 (renderings then change as subjects
   * move on). Only for `bench/snapshots.ts`, which measures what snapshots
   * cost; not a configuration setting.
   */
  renderSnapshots?: boolean;
  /** `FULL` (default) makes every acknowledged commit survive power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** With `FULL` on a file, where a commit waits for its fsync (`fsync-mode.ts`): off the event loop by default. */
  fsync?: FsyncMode;
  /** WAL checkpoints on a thread of their own (`background-checkpoints.ts`); default on for a file. */
  backgroundCheckpoints?: boolean;
  /** Told when a background checkpoint fails (it is retried; the WAL stays bounded regardless). */
  onCheckpointError?: (message: string) => void;
  /** The WAL's fsync (`wal-sync.ts`); tests hold it to see what waits for it. Default `fs.fdatasync`. */
  walDataSync?: DataSync;
}

/** What a batch made visible in the database before its fsync ended (see `unsynced`). */
interface Unsynced {
  /** The lowest outbox id the batch wrote. */
  outboxFrom: number;
  /** Each tenant's lowest event sequence the batch wrote. */
  sequenceFrom: Map<string, number>;
}

/**
 * The embedded store: better-sqlite3 in WAL mode with `synchronous=FULL`.
 *
 * Commits are grouped: every `commit` issued in the same turn of the event
 * loop joins one transaction, each change inside its own savepoint so one
 * refused change does not undo its neighbours. On a file, the batch's fsync
 * runs off the event loop (`wal-sync.ts`; `fsync: 'commit'` puts it back
 * inside COMMIT, `fsync-mode.ts`): the transaction commits with
 * `synchronous = NORMAL`, then an `fdatasync` of the WAL on the thread pool,
 * and only then is any change of the batch answered. While it runs, the
 * commits that arrive queue for the next batch (one fsync in flight at a
 * time, as PostgreSQL's group commit does), and pushes and requests keep the
 * event loop. With the fsync inside COMMIT, a process that pushes while it
 * ingests paid one blocking fsync for every few commits, and a slow one
 * stalled every request (bench `mixed` and `push-latency`).
 * Until its fsync ends, a batch's events are left out of the fan-out and of
 * event listings (`outboxBelow`, `sequenceBelow`): nothing is pushed or read
 * that a power loss could take back.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private queue: PendingCommit[] = [];
  /** Prepared once, reused (`prepared-statements.ts`). */
  private readonly stmt: (sql: string) => Database.Statement;
  private flushScheduled = false;
  private readonly checkpoints: BackgroundCheckpoints | null = null;
  private readonly renderSnapshots: boolean;
  /** The WAL's off-loop fsync, on a file with `synchronous = FULL` (unless `fsync: 'commit'`); null: fsync inside COMMIT (or none). */
  private readonly walSync: WalSync | null = null;
  /** The batch committed and waiting for its fsync (at most one at a time). */
  private syncing: Promise<void> | null = null;
  private unsynced: Unsynced | null = null;
  /** Where a commit waits for its fsync (null: it does not, in memory or with `synchronous = NORMAL`). */
  readonly fsync: FsyncMode | null;

  constructor(options: SqliteStoreOptions) {
    this.renderSnapshots = options.renderSnapshots ?? true;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.stmt = preparedStatements(this.db);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    const durable = options.path !== ':memory:' && (options.synchronous ?? 'FULL') === 'FULL';
    if (durable && options.fsync !== 'commit') this.walSync = new WalSync(`${options.path}-wal`, options.walDataSync);
    this.fsync = durable ? (this.walSync ? 'off-loop' : 'commit') : null;
    if (options.path !== ':memory:' && (options.backgroundCheckpoints ?? true)) {
      this.db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
      this.checkpoints = BackgroundCheckpoints.start(
        options.path,
        options.onCheckpointError ? { onError: options.onCheckpointError } : {},
      );
    }
  }

  async migrate(): Promise<void> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      this.stmt('SELECT version FROM schema_migrations')
        .all()
        .map((r) => (r as { version: number }).version),
    );
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db
        .transaction(() => {
          this.db.exec(m.sql);
          this.db
            .prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)')
            .run(m.version, m.name, new Date().toISOString());
        })
        .immediate();
    }
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.syncing?.catch(() => {});
    if (this.queue.length > 0) this.flush();
    await this.syncing?.catch(() => {});
    await this.checkpoints?.stop();
    this.walSync?.close();
    this.db.close();
  }

  /**
   * Outbox ids at or above this one are committed but not yet durable: the
   * fan-out leaves them for after the fsync (the commit nudges it then).
   */
  outboxBelow(): number {
    return this.unsynced?.outboxFrom ?? Number.MAX_SAFE_INTEGER;
  }

  /** The tenant's event sequences at or above this one are not yet durable: listings leave them out. */
  sequenceBelow(tenantId: string): number {
    return this.unsynced?.sequenceFrom.get(tenantId) ?? Number.MAX_SAFE_INTEGER;
  }

  async createTenant(tenant: Tenant, firstKey: ApiKeyRecord): Promise<void> {
    this.db
      .transaction(() => {
        this.stmt('INSERT INTO tenants (id, name, created_at, settings) VALUES (?, ?, ?, ?)').run(
          tenant.id,
          tenant.name,
          tenant.createdAt,
          JSON.stringify(tenant.settings ?? {}),
        );
        this.insertApiKey(firstKey);
      })
      .immediate();
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const row = this.stmt('SELECT id, name, created_at, settings FROM tenants WHERE id = ?').get(id) as
      | TenantRow
      | undefined;
    return row ? tenantFromRow(row) : null;
  }

  async setTenantSettings(id: string, settings: Partial<TenantSettings>): Promise<Tenant | null> {
    this.stmt('UPDATE tenants SET settings = ? WHERE id = ?').run(JSON.stringify(settings), id);
    return this.getTenant(id);
  }

  async listTenants(): Promise<Tenant[]> {
    const rows = this.stmt('SELECT id, name, created_at, settings FROM tenants ORDER BY created_at, id').all();
    return (rows as TenantRow[]).map(tenantFromRow);
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.insertApiKey(key);
  }

  private insertApiKey(key: ApiKeyRecord): void {
    this.stmt(
      'INSERT INTO api_keys (id, tenant_id, name, secret_hash, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(key.id, key.tenantId, key.name, key.secretHash, JSON.stringify(key.scopes), key.createdAt, key.revokedAt);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const row = this.stmt('SELECT * FROM api_keys WHERE id = ?').get(id) as ApiKeyRow | undefined;
    return row ? apiKeyFromRow(row) : null;
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = this.stmt('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id').all(
      tenantId,
    ) as ApiKeyRow[];
    return rows.map(apiKeyFromRow);
  }

  async revokeApiKey(tenantId: string, id: string, at: string): Promise<boolean> {
    const info = this.stmt(
      'UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL',
    ).run(at, tenantId, id);
    return info.changes === 1;
  }

  async getSubject(tenantId: string, id: string): Promise<Subject | null> {
    const row = this.stmt('SELECT * FROM subjects WHERE tenant_id = ? AND id = ?').get(tenantId, id) as
      | SubjectRow
      | undefined;
    return row ? subjectFromRow(row) : null;
  }

  async listSubjects(tenantId: string, filter: SubjectFilter): Promise<Subject[]> {
    const where = ['tenant_id = @tenantId'];
    if (filter.workflow !== undefined) where.push('workflow = @workflow');
    if (filter.status !== undefined) where.push('status = @status');
    if (filter.parentId !== undefined) where.push('parent_id = @parentId');
    if (filter.after) where.push('(created_at, id) > (@afterCreatedAt, @afterId)');
    // With a parent, read subjects_by_parent: the planner otherwise walks the
    // tenant's whole subjects_by_created range to skip a sort (1.3 ms per
    // videoid push at 256 subjects, bench `push`; it grows with the tenant).
    const from = filter.parentId !== undefined ? 'subjects INDEXED BY subjects_by_parent' : 'subjects';
    const sql = `SELECT * FROM ${from} WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT @limit`;
    const rows = this.stmt(sql).all({
      tenantId,
      workflow: filter.workflow,
      status: filter.status,
      parentId: filter.parentId,
      afterCreatedAt: filter.after?.createdAt,
      afterId: filter.after?.id,
      limit: filter.limit,
    }) as SubjectRow[];
    return rows.map(subjectFromRow);
  }

  commit(tenantId: string, change: Change, idempotency?: IdempotencyWrite): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ tenantId, change, idempotency, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** A flush after this turn, unless one is coming or a batch's fsync runs (its end schedules the next). */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.syncing) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Commits every queued change in one transaction, one savepoint each, and
   * answers them once it is durable: at COMMIT, or after the off-loop fsync.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (!this.db.open) {
      // A commit issued after close() must fail, not leave its caller waiting forever.
      for (const item of batch) item.reject(new Error('the store is closed'));
      return;
    }
    const unsynced: Unsynced = { outboxFrom: Number.MAX_SAFE_INTEGER, sequenceFrom: new Map() };
    const outcomes = this.walSync ? this.withoutFsync(() => this.write(batch, unsynced)) : this.write(batch, unsynced);
    if (outcomes === null) return;
    const answer = () =>
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        if (outcome && 'result' in outcome) item.resolve(outcome.result);
        else item.reject(outcome?.error);
      });
    if (!this.walSync) {
      answer();
      return;
    }
    this.unsynced = unsynced;
    this.syncing = this.walSync.sync().then(
      () => {
        this.unsynced = null;
        this.syncing = null;
        answer();
        if (this.queue.length > 0) this.scheduleFlush();
      },
      (error: unknown) => {
        // Committed but not known durable: no change of the batch is answered as done (as if COMMIT had failed).
        this.unsynced = null;
        this.syncing = null;
        for (const item of batch) item.reject(error);
        if (this.queue.length > 0) this.scheduleFlush();
      },
    );
  }

  /**
   * Runs the batch's transaction with `synchronous = NORMAL`: its fsync is
   * `walSync`'s. `db.pragma()`, not a cached statement: SQLite applies
   * `PRAGMA synchronous = …` when the statement is prepared (later runs
   * re-prepare it), so the first run of one prepared earlier changes nothing
   * if the level moved since. The cached pair happened to avoid that case
   * (strace, session 14: 50 of 50 batches synced on the thread pool only),
   * but nothing kept it so.
   */
  private withoutFsync<T>(write: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** The batch's transaction; null when it failed as a whole (every change then rejected). */
  private write(
    batch: PendingCommit[],
    unsynced: Unsynced,
  ): Array<{ result: CommitResult } | { error: unknown }> | null {
    const outcomes: Array<{ result: CommitResult } | { error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const item of batch) {
        this.db.exec('SAVEPOINT change');
        try {
          outcomes.push({ result: this.applyChange(item, unsynced) });
          this.db.exec('RELEASE change');
        } catch (error) {
          this.db.exec('ROLLBACK TO change');
          this.db.exec('RELEASE change');
          outcomes.push(error instanceof Refusal ? { result: error.result } : { error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const item of batch) item.reject(error);
      return null;
    }
    return outcomes;
  }

  private applyChange({ tenantId, change, idempotency }: PendingCommit, unsynced: Unsynced): CommitResult {
    if (idempotency) {
      const row = this.stmt('SELECT * FROM idempotency_keys WHERE tenant_id = ? AND key = ?').get(
        tenantId,
        idempotency.key,
      ) as IdempotencyRow | undefined;
      if (row) throw new Refusal({ ok: false, reason: 'idempotency_replay', record: idempotencyFromRow(row) });
    }
    for (const write of change.subjects) {
      const s = write.subject;
      if (write.expectedVersion === null) {
        const info = this.stmt(
          `INSERT INTO subjects (tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at, status_changed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        ).run(
          tenantId,
          s.id,
          s.workflow,
          s.status,
          s.version,
          s.parentId,
          JSON.stringify(s.attributes),
          s.createdAt,
          s.updatedAt,
          s.statusChangedAt,
        );
        if (info.changes === 0) throw new Refusal({ ok: false, reason: 'subject_exists', subjectId: s.id });
      } else {
        const info = this.stmt(
          `UPDATE subjects SET status = ?, version = ?, attributes = ?, updated_at = ?, status_changed_at = ?
             WHERE tenant_id = ? AND id = ? AND version = ?`,
        ).run(
          s.status,
          s.version,
          JSON.stringify(s.attributes),
          s.updatedAt,
          s.statusChangedAt,
          tenantId,
          s.id,
          write.expectedVersion,
        );
        if (info.changes === 0) throw new Refusal({ ok: false, reason: 'version_conflict', subjectId: s.id });
      }
      this.stmt('DELETE FROM timers WHERE tenant_id = ? AND subject_id = ?').run(tenantId, s.id);
      if (write.timer) {
        const t = write.timer;
        this.stmt('INSERT INTO timers VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
          tenantId,
          s.id,
          s.version,
          t.name,
          t.fire,
          t.to ?? null,
          t.data ? JSON.stringify(t.data) : null,
          t.dueAt,
        );
      }
    }
    const stored = this.appendEvents(
      tenantId,
      change,
      this.renderSnapshots ? readSnapshots(this.stmt, tenantId, change) : [],
      unsynced,
    );
    if (idempotency) {
      const { status, body } = idempotency.respond(stored);
      this.stmt('INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?, ?)').run(
        tenantId,
        idempotency.key,
        idempotency.requestHash,
        status,
        JSON.stringify(body),
        idempotency.createdAt,
      );
    }
    return { ok: true, events: stored };
  }

  private appendEvents(
    tenantId: string,
    change: Change,
    snapshots: RenderSnapshot[],
    unsynced: Unsynced,
  ): StoredEvent[] {
    if (change.events.length === 0) return [];
    const bumped = this.stmt(
      'UPDATE tenants SET last_sequence = last_sequence + ? WHERE id = ? RETURNING last_sequence',
    ).get(change.events.length, tenantId) as { last_sequence: number } | undefined;
    if (!bumped) throw new Error(`tenant ${tenantId} does not exist`);
    let sequence = bumped.last_sequence - change.events.length;
    // a refused change's rows are rolled back but may have been counted here: a bound stays a bound
    if (!unsynced.sequenceFrom.has(tenantId)) unsynced.sequenceFrom.set(tenantId, sequence + 1);
    const insertEvent = this.stmt(
      `INSERT INTO events (tenant_id, sequence, id, subject_id, parent_id, workflow, type, from_status, to_status,
                           occurred_at, subject_version, data, render_context, trace_context)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertOutbox = this.stmt('INSERT INTO outbox (tenant_id, event_sequence, created_at) VALUES (?, ?, ?)');
    return change.events.map((e, i) => {
      sequence += 1;
      const snapshot = snapshots[i] ?? null;
      insertEvent.run(
        tenantId,
        sequence,
        e.id,
        e.subjectId,
        e.parentId,
        e.workflow,
        e.type,
        e.from,
        e.to,
        e.occurredAt,
        e.subjectVersion,
        JSON.stringify(e.data),
        snapshot === null ? null : JSON.stringify(snapshot),
        e.traceparent ?? null,
      );
      const outboxId = Number(insertOutbox.run(tenantId, sequence, e.occurredAt).lastInsertRowid);
      if (outboxId < unsynced.outboxFrom) unsynced.outboxFrom = outboxId;
      return { ...e, tenantId, sequence, snapshot };
    });
  }

  async getIdempotency(tenantId: string, key: string) {
    const row = this.stmt('SELECT * FROM idempotency_keys WHERE tenant_id = ? AND key = ?').get(tenantId, key) as
      | IdempotencyRow
      | undefined;
    return row ? idempotencyFromRow(row) : null;
  }

  async deleteIdempotencyRecords(before: string, limit: number): Promise<number> {
    const info = this.stmt(
      `DELETE FROM idempotency_keys WHERE (tenant_id, key) IN
         (SELECT tenant_id, key FROM idempotency_keys WHERE created_at < ? LIMIT ?)`,
    ).run(before, limit);
    return info.changes;
  }

  async listEvents(tenantId: string, filter: EventFilter): Promise<StoredEvent[]> {
    const bySubject = filter.subjectId !== undefined ? 'AND subject_id = @subjectId' : '';
    const rows = this.stmt(
      `SELECT * FROM events WHERE tenant_id = @tenantId AND sequence > @after AND sequence < @below ${bySubject}
         ORDER BY sequence LIMIT @limit`,
    ).all({
      tenantId,
      after: filter.afterSequence ?? 0,
      below: this.sequenceBelow(tenantId),
      subjectId: filter.subjectId,
      limit: filter.limit,
    }) as EventRow[];
    return rows.map(eventFromRow);
  }

  async getEvent(tenantId: string, id: string): Promise<StoredEvent | null> {
    const row = this.stmt('SELECT * FROM events WHERE tenant_id = ? AND id = ?').get(tenantId, id) as
      | EventRow
      | undefined;
    return row ? eventFromRow(row) : null;
  }

  async countOutbox(): Promise<number> {
    return (this.stmt('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  }

  async claimPortalLink(jti: string, expiresAt: string, now: string): Promise<boolean> {
    this.stmt('DELETE FROM portal_link_uses WHERE expires_at < ?').run(now);
    const info = this.stmt('INSERT OR IGNORE INTO portal_link_uses (jti, expires_at) VALUES (?, ?)').run(
      jti,
      expiresAt,
    );
    return info.changes === 1;
  }

  async dueTimers(now: string, limit: number) {
    const rows = this.stmt('SELECT * FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?').all(
      now,
      limit,
    ) as TimerRow[];
    return rows.map(timerFromRow);
  }

  async deleteTimer(tenantId: string, subjectId: string, subjectVersion: number): Promise<void> {
    this.stmt('DELETE FROM timers WHERE tenant_id = ? AND subject_id = ? AND subject_version = ?').run(
      tenantId,
      subjectId,
      subjectVersion,
    );
  }
}
