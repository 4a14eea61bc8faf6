import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { newEventId } from '../../events/event-id.js';
import { preparedStatements } from '../../storage/sqlite/prepared-statements.js';
import { type AttemptRecord, type DeliveryRecord, HELD } from '../delivery.js';
import { ATTEMPT_ORDER_SLACK_MS, type AttemptGroup, firstAttemptIdSince } from '../delivery-stats.js';
import type { EndpointRecord } from '../endpoint.js';
import type { FanOutEvent } from '../match-endpoints.js';
import type { OperationalIntent } from '../operational-intent.js';
import type { StoredToken } from '../senders/oauth2/token-store.js';
import {
  ATTEMPT_COLUMNS,
  type AttemptRow,
  attemptFromRow,
  attemptValues,
  DELIVERY_COLUMNS,
  type DeliveryRow,
  deliveryFromRow,
  ENDPOINT_COLUMNS,
  type EndpointRow,
  endpointFromRow,
  type LeasedRow,
  leasedFromRow,
  specOf,
} from './delivery-rows.js';
import {
  type DeliveryStore,
  type DeliveryUpdate,
  type EndpointMatcher,
  type FanOutLeased,
  type FanOutLeaseRequest,
  failingTooLong,
  type HealthReport,
  type LeasedDelivery,
  type LeaseRequest,
  type PageRequest,
  type PruneBatch,
  type RequeueTarget,
} from './delivery-store.js';
import { GroupCommit } from './group-commit.js';
import { intentValues, SQLITE_INSERT_INTENT } from './operational-intent-sql.js';
import { ProcessLeases } from './process-leases.js';
import {
  DUE_SQL,
  HOLD_BACK_SQL,
  LEASABLE_ENDPOINTS_SQL,
  LEASED_DELIVERIES_SQL,
  ORDERED_DUE_SQL,
  RELEASE_HELD_SQL,
  RELEASE_NEXT_SQL,
} from './sqlite-lease-sql.js';

/** An outbox row with what fan-out needs of its event (the event columns are null when it is gone). */
interface FanOutRow {
  outbox_id: number;
  subject_attributes: string | null;
  tenant_id: string;
  sequence: number;
  id: string | null;
  subject_id: string;
  workflow: string;
  type: string;
  from_status: string | null;
  to_status: string;
  occurred_at: string;
}

/** One delivery a fan-out creates. */
interface FanOutWork {
  row: FanOutRow;
  endpoint: EndpointRecord;
}

interface RecordArgs {
  attempt: AttemptRecord;
  leaseToken: string;
  update: DeliveryUpdate;
  nowMs: number;
  intent?: OperationalIntent | null;
}

/** The sequence of the tenant's event `@eventId` (the `eventId` filters of the listings). */
const EVENT_SEQUENCE_SQL = 'SELECT sequence FROM events WHERE id = @eventId AND tenant_id = @tenantId';

/**
 * Deliveries on the embedded SQLite database, sharing the main store's
 * connection (one process per file). Leases live in memory
 * (`process-leases.ts`); the rows' `lease_until` and `lease_token` columns
 * stay NULL here (PostgreSQL's workers share theirs through them).
 */
export class SqliteDeliveryStore implements DeliveryStore {
  private leaseRotation = 0;
  private readonly leases = new ProcessLeases();
  /**
   * Every statement is prepared once: compiling one per call cost ~8% of push
   * CPU (bench `push`); the lease's four and `getEndpoint`'s, still compiled
   * per call after that, were 3.7% of CPU with 100 receivers (CPU profile).
   */
  private readonly stmt: (sql: string) => Database.Statement;
  /**
   * Each tenant's enabled endpoints as the fan-out matches them, kept until
   * an endpoint write of this store moves `endpointWrites` (one process owns
   * the file, so no write escapes it). Reading and parsing 101 endpoints was
   * ~2 of the ~6.5 ms each event's fan-out took (bench `isolation`). Only
   * their configuration is used: the failure clock in them may be stale.
   */
  private endpointWrites = 0;
  private readonly fanOutEndpoints = new Map<string, { writes: number; endpoints: EndpointRecord[] }>();
  /** A batch whose deliveries to healthy endpoints are committed, and the rest not yet (see `fanOut`). */
  private deferredFanOut: { work: FanOutWork[]; lastOutboxId: number; rows: number } | null = null;

  /**
   * `outboxBelow`: outbox ids from this one on are committed but not yet
   * durable (`SqliteStore.outboxBelow`); the fan-out leaves them for later, so
   * no event is pushed that a power loss could take back.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly outboxBelow: () => number = () => Number.MAX_SAFE_INTEGER,
  ) {
    this.stmt = preparedStatements(db);
  }

  async createEndpoint(e: EndpointRecord): Promise<void> {
    this.endpointWrites++;
    this.stmt(`INSERT INTO endpoints (${ENDPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      ...this.endpointValues(e),
    );
  }

  private endpointValues(e: EndpointRecord): unknown[] {
    return [
      e.id,
      e.tenantId,
      specOf(e),
      e.enabled ? 1 : 0,
      e.disabledReason,
      e.failingSince,
      e.probeAfter,
      e.secret,
      e.previousSecret,
      e.previousSecretExpiresAt,
      e.createdAt,
      e.updatedAt,
    ];
  }

  async getEndpoint(tenantId: string, id: string): Promise<EndpointRecord | null> {
    const row = this.stmt(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE tenant_id = ? AND id = ?`).get(
      tenantId,
      id,
    ) as EndpointRow | undefined;
    return row ? endpointFromRow(row) : null;
  }

  async listEndpoints(tenantId: string, page: { after?: string; limit: number }): Promise<EndpointRecord[]> {
    const rows = this.stmt(
      `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`,
    ).all(tenantId, page.after ?? '', page.limit) as EndpointRow[];
    return rows.map(endpointFromRow);
  }

  async updateEndpoint(e: EndpointRecord, intent?: OperationalIntent | null): Promise<boolean> {
    this.endpointWrites++;
    return this.db.transaction(() => {
      const updated = this.writeEndpoint(e);
      if (updated && intent) this.writeIntent(intent);
      return updated;
    })();
  }

  private writeEndpoint(e: EndpointRecord): boolean {
    const info = this.stmt(
      `UPDATE endpoints SET spec = ?, enabled = ?, disabled_reason = ?, failing_since = ?, probe_after = ?, secret = ?,
           previous_secret = ?, previous_secret_expires_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
    ).run(
      specOf(e),
      e.enabled ? 1 : 0,
      e.disabledReason,
      e.failingSince,
      e.probeAfter,
      e.secret,
      e.previousSecret,
      e.previousSecretExpiresAt,
      e.updatedAt,
      e.tenantId,
      e.id,
    );
    return info.changes === 1;
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    this.endpointWrites++;
    return this.db
      .transaction(() => {
        const info = this.stmt('DELETE FROM endpoints WHERE tenant_id = ? AND id = ?').run(tenantId, id);
        if (info.changes === 0) return false;
        this.stmt('DELETE FROM deliveries WHERE endpoint_id = ?').run(id);
        this.stmt('DELETE FROM delivery_attempts WHERE endpoint_id = ?').run(id);
        this.stmt('DELETE FROM endpoint_tokens WHERE endpoint_id = ?').run(id);
        return true;
      })
      .immediate();
  }

  async readToken(endpointId: string): Promise<StoredToken | null> {
    const row = this.stmt(
      'SELECT version, access_token, expires_at FROM endpoint_tokens WHERE endpoint_id = ? AND access_token IS NOT NULL',
    ).get(endpointId) as { version: number; access_token: string; expires_at: number } | undefined;
    return row ? { endpointId, version: row.version, accessToken: row.access_token, expiresAt: row.expires_at } : null;
  }

  async claimTokenFetch(endpointId: string, nowMs: number, untilMs: number): Promise<boolean> {
    const info = this.stmt(
      `INSERT INTO endpoint_tokens (endpoint_id, fetching_until) VALUES (?, ?)
       ON CONFLICT (endpoint_id) DO UPDATE SET fetching_until = excluded.fetching_until
       WHERE endpoint_tokens.fetching_until IS NULL OR endpoint_tokens.fetching_until <= ?`,
    ).run(endpointId, untilMs, nowMs);
    return info.changes === 1;
  }

  async saveToken(t: StoredToken): Promise<void> {
    this.stmt(
      `INSERT INTO endpoint_tokens (endpoint_id, version, access_token, expires_at, fetching_until) VALUES (?, ?, ?, ?, NULL)
       ON CONFLICT (endpoint_id) DO UPDATE SET version = excluded.version, access_token = excluded.access_token,
         expires_at = excluded.expires_at, fetching_until = NULL`,
    ).run(t.endpointId, t.version, t.accessToken, t.expiresAt);
  }

  async listTokens(): Promise<StoredToken[]> {
    const rows = this.stmt(
      `SELECT endpoint_id, version, access_token, expires_at FROM endpoint_tokens
        WHERE access_token IS NOT NULL ORDER BY endpoint_id`,
    ).all() as Array<{ endpoint_id: string; version: number; access_token: string; expires_at: number }>;
    return rows.map((r) => ({
      endpointId: r.endpoint_id,
      version: r.version,
      accessToken: r.access_token,
      expiresAt: r.expires_at,
    }));
  }

  async updateTokenValue(endpointId: string, accessToken: string): Promise<boolean> {
    return (
      this.stmt('UPDATE endpoint_tokens SET access_token = ? WHERE endpoint_id = ? AND access_token IS NOT NULL').run(
        accessToken,
        endpointId,
      ).changes === 1
    );
  }

  async releaseTokenFetch(endpointId: string): Promise<void> {
    this.stmt('UPDATE endpoint_tokens SET fetching_until = NULL WHERE endpoint_id = ?').run(endpointId);
  }

  async disableEndpoint(
    tenantId: string,
    id: string,
    reason: string,
    nowMs: number,
    intent?: OperationalIntent | null,
  ): Promise<void> {
    this.endpointWrites++;
    this.db.transaction(() => {
      const info = this.stmt(
        'UPDATE endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE tenant_id = ? AND id = ?',
      ).run(reason, nowMs, tenantId, id);
      if (info.changes === 1 && intent) this.writeIntent(intent);
    })();
  }

  /** An operational event's intent, inside the caller's transaction (`../operational-intent.ts`). */
  private writeIntent(intent: OperationalIntent): void {
    this.stmt(SQLITE_INSERT_INTENT).run(...intentValues(intent));
  }

  async recordHealth(endpointId: string, health: HealthReport): Promise<boolean> {
    const { nowMs, disableAfterMs } = health;
    const always = health.intents?.always ?? [];
    // No fsync of its own (see `relaxed`): a power loss can only forget the newest change of a failure clock
    // (and the operational events it causes, which are written with it).
    if (health.ok) {
      this.relaxed(() =>
        this.db.transaction(() => {
          this.stmt(
            `UPDATE endpoints SET failing_since = NULL, probe_after = NULL
             WHERE id = ? AND (failing_since IS NOT NULL OR probe_after IS NOT NULL)`,
          ).run(endpointId);
          if (always.length > 0 && this.stmt('SELECT 1 FROM endpoints WHERE id = ?').get(endpointId) !== undefined) {
            for (const intent of always) this.writeIntent(intent);
          }
        })(),
      );
      return false;
    }
    return this.relaxed(() =>
      this.db
        .transaction(() => {
          const marked = this.stmt(
            'UPDATE endpoints SET failing_since = coalesce(failing_since, ?), probe_after = coalesce(?, probe_after) WHERE id = ?',
          ).run(nowMs, health.probeAfter, endpointId);
          const info = this.stmt(
            'UPDATE endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1 AND failing_since <= ?',
          ).run(failingTooLong(disableAfterMs), nowMs, endpointId, nowMs - disableAfterMs);
          if (info.changes === 1) this.endpointWrites++;
          if (marked.changes === 1) for (const intent of always) this.writeIntent(intent);
          const ifDisabled = health.intents?.ifDisabled;
          if (info.changes === 1 && ifDisabled) this.writeIntent(ifDisabled);
          return info.changes === 1;
        })
        .immediate(),
    );
  }

  /**
   * Fans out healthy endpoints first. When a batch's events go to endpoints
   * that are failing too, the deliveries to the healthy ones are committed
   * first (the outbox rows kept) and this call returns, so the dispatcher
   * pushes them before the next call commits the rest with the outbox
   * delete. A crash in between loses nothing: the outbox rows are fanned out
   * again and `deliveries_once` skips what exists. With 100 failing
   * endpoints, their rows were ~2.5 ms of every event's fan-out ahead of the
   * healthy endpoint's push (bench `isolation`).
   */
  async fanOut(limit: number, match: EndpointMatcher, nowMs: number): Promise<number> {
    const deferred = this.deferredFanOut;
    if (deferred) {
      this.deferredFanOut = null;
      // Only endpoints still enabled: one deleted or disabled meanwhile gets no delivery.
      const enabled = new Set(
        [...new Set(deferred.work.map((w) => w.row.tenant_id))].flatMap((t) =>
          this.enabledEndpoints(t).map((e) => e.id),
        ),
      );
      const still = deferred.work.filter((w) => enabled.has(w.endpoint.id));
      this.writeDeliveries(still, nowMs, deferred.lastOutboxId);
      return deferred.rows;
    }
    // Only what matching and the delivery rows need: the event's data only when a filter reads it.
    const rows = this.stmt(
      `SELECT o.id AS outbox_id, s.attributes AS subject_attributes,
           e.tenant_id, e.sequence, e.id, e.subject_id, e.workflow, e.type, e.from_status, e.to_status, e.occurred_at
         FROM outbox o
         LEFT JOIN events e ON e.tenant_id = o.tenant_id AND e.sequence = o.event_sequence
         LEFT JOIN subjects s ON s.tenant_id = e.tenant_id AND s.id = e.subject_id
         WHERE o.id < ?
         ORDER BY o.id LIMIT ?`,
    ).all(this.outboxBelow(), limit) as FanOutRow[];
    const last = rows.at(-1);
    if (!last) return 0;
    const failingIds = new Set(
      this.stmt('SELECT id FROM endpoints WHERE enabled = 1 AND failing_since IS NOT NULL').pluck().all() as string[],
    );
    const healthy: FanOutWork[] = [];
    const failing: FanOutWork[] = [];
    for (const row of rows) {
      if (row.id === null) continue; // the event is gone (retention): nothing to announce
      const endpoints = this.enabledEndpoints(row.tenant_id);
      if (endpoints.length === 0) continue;
      const attributes = row.subject_attributes === null ? null : JSON.parse(row.subject_attributes);
      for (const endpoint of match(this.fanOutEvent(row), attributes, endpoints)) {
        (failingIds.has(endpoint.id) ? failing : healthy).push({ row, endpoint });
      }
    }
    if (healthy.length > 0 && failing.length > 0) {
      this.writeDeliveries(healthy, nowMs, null);
      this.deferredFanOut = { work: failing, lastOutboxId: last.outbox_id, rows: rows.length };
      return rows.length;
    }
    // Each endpoint is in one list only, so either order keeps its deliveries in event order.
    this.writeDeliveries([...healthy, ...failing], nowMs, last.outbox_id);
    return rows.length;
  }

  /**
   * Fans out and leases nothing: a SQLite lease is this process's memory and
   * one read of the rows, so taking it in the fan-out would save no
   * statement; the dispatcher's lease right after takes the new deliveries.
   */
  async fanOutLeased(limit: number, match: EndpointMatcher, request: FanOutLeaseRequest): Promise<FanOutLeased> {
    return { consumed: await this.fanOut(limit, match, request.nowMs), leased: [] };
  }

  /**
   * One fan-out transaction: the deliveries, in order, and with
   * `deleteThrough` the outbox rows up to it. The outbox rows were read
   * outside the transaction: only this process fans out on SQLite and outbox
   * ids only grow (AUTOINCREMENT), so the rows up to the last one read are
   * exactly those read.
   */
  private writeDeliveries(work: readonly FanOutWork[], nowMs: number, deleteThrough: number | null): void {
    const insert = this.stmt(
      `INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, NULL, NULL, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    const hasPending = this.stmt(
      "SELECT 1 FROM deliveries WHERE endpoint_id = ? AND subject_id = ? AND ordered = 1 AND status = 'pending' LIMIT 1",
    ).pluck();
    this.relaxed(() =>
      this.db
        .transaction(() => {
          if (deleteThrough !== null) this.stmt('DELETE FROM outbox WHERE id <= ?').run(deleteThrough);
          for (const { row, endpoint } of work) {
            const ordered = endpoint.ordering === 'subject';
            const held = ordered && hasPending.get(endpoint.id, row.subject_id) !== undefined;
            insert.run(
              `dlv_${newEventId()}`,
              row.tenant_id,
              endpoint.id,
              row.sequence,
              row.id,
              row.subject_id,
              ordered ? 1 : 0,
              held ? HELD : nowMs,
              nowMs,
              nowMs,
            );
          }
        })
        .immediate(),
    );
  }

  /** The event of a fan-out row; its data is read only if an endpoint's filter asks for it. */
  private fanOutEvent(row: FanOutRow): FanOutEvent {
    return {
      id: row.id ?? '',
      workflow: row.workflow,
      type: row.type,
      from: row.from_status,
      to: row.to_status,
      occurredAt: row.occurred_at,
      sequence: row.sequence,
      subjectId: row.subject_id,
      data: () => {
        const text = this.stmt('SELECT data FROM events WHERE tenant_id = ? AND sequence = ?')
          .pluck()
          .get(row.tenant_id, row.sequence) as string | undefined;
        return text === undefined ? {} : (JSON.parse(text) as Record<string, unknown>);
      },
    };
  }

  /** A tenant's enabled endpoints, for the fan-out (see `fanOutEndpoints`). */
  private enabledEndpoints(tenantId: string): EndpointRecord[] {
    const kept = this.fanOutEndpoints.get(tenantId);
    if (kept?.writes === this.endpointWrites) return kept.endpoints;
    const rows = this.stmt(
      `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE tenant_id = ? AND enabled = 1 ORDER BY id`,
    ).all(tenantId) as EndpointRow[];
    const endpoints = rows.map(endpointFromRow);
    this.fanOutEndpoints.set(tenantId, { writes: this.endpointWrites, endpoints });
    return endpoints;
  }

  /**
   * Walks the enabled endpoints from a rotating start (so a global `limit`
   * does not always favour the same ones) and takes each one's free slots
   * (`perEndpointCap` minus its leased rows; 1 while the endpoint is failing,
   * the circuit breaker's probe) of candidates. Reads only: the leases are
   * this process's memory. Deliveries in `answered` count too: their records
   * commit within a turn, and leaving them out measured 1–3% slower (bench
   * `push` setup, one receiver, 6 alternated pairs: more, smaller leases).
   */
  async lease(request: LeaseRequest): Promise<LeasedDelivery[]> {
    const picked = this.pick(request);
    if (picked.length === 0) return [];
    const rows = this.stmt(LEASED_DELIVERIES_SQL).all({ ids: JSON.stringify(picked) }) as LeasedRow[];
    const take = this.taker(request);
    return rows.map((row) => ({ ...leasedFromRow(row), ...take(row) }));
  }

  /** Takes the in-memory lease of each row read for one lease call (one token per call); returns its lease. */
  private taker(request: LeaseRequest): (row: DeliveryRow) => { leaseUntil: number; leaseToken: string } {
    const token = randomUUID();
    const leaseUntil = request.nowMs + request.leaseMs;
    return (row) => {
      this.leases.take(row.id, { token, until: leaseUntil, endpointId: row.endpoint_id, ordered: row.ordered === 1 });
      return { leaseUntil, leaseToken: token };
    };
  }

  /** The ids a lease takes: per leasable endpoint, up to its free slots of due deliveries, oldest first. */
  private pick(request: LeaseRequest): string[] {
    const { nowMs: now, limit, perEndpointCap, minBatch } = request;
    const busy = this.leases.busyByEndpoint(now);
    const endpoints = this.stmt(LEASABLE_ENDPOINTS_SQL).all({ now }) as Array<{
      id: string;
      failing_since: number | null;
      has_ordered: number;
    }>;
    const due = this.stmt(DUE_SQL).pluck();
    const orderedDue = this.stmt(ORDERED_DUE_SQL).pluck();
    const picked: string[] = [];
    const start = endpoints.length === 0 ? 0 : this.leaseRotation++ % endpoints.length;
    for (let i = 0; i < endpoints.length && picked.length < limit; i++) {
      const endpoint = endpoints[(start + i) % endpoints.length] as (typeof endpoints)[number];
      const taken = busy.get(endpoint.id) ?? 0;
      const cap = endpoint.failing_since === null ? perEndpointCap : 1;
      const endpointFree = cap - taken;
      if (endpointFree <= 0 || (taken > 0 && endpointFree < Math.min(minBatch, cap))) continue;
      let free = Math.min(endpointFree, limit - picked.length);
      // The leased rows may be among the oldest: scan past them.
      const query = endpoint.has_ordered ? orderedDue : due;
      for (const id of query.all({ endpointId: endpoint.id, now, scan: free + taken }) as string[]) {
        if (free === 0) break;
        if (this.leases.isLeased(id, now)) continue;
        picked.push(id);
        free -= 1;
      }
    }
    return picked;
  }

  async releaseHeld(nowMs: number): Promise<number> {
    return this.stmt(RELEASE_HELD_SQL).run({ now: nowMs }).changes;
  }

  /** Frees this process's leases and any a file written by an older version still holds in its rows. */
  async releaseOrphanedLeases(): Promise<number> {
    const info = this.stmt(
      "UPDATE deliveries SET lease_until = NULL, lease_token = NULL WHERE status = 'pending' AND lease_until IS NOT NULL",
    ).run();
    return this.leases.clear() + info.changes;
  }

  async release(id: string, leaseToken: string, nextAttemptAt: number): Promise<void> {
    if (!this.leases.end(id, leaseToken)) return;
    this.stmt('UPDATE deliveries SET next_attempt_at = ? WHERE id = ?').run(nextAttemptAt, id);
  }

  /**
   * Attempt records are group-committed (one transaction for those that finish
   * together, `group-commit.ts`) and need no fsync of their own:
   * a process crash loses nothing in WAL mode, and a power loss can only drop
   * the newest records, in order, so the deliveries are pushed again (at least
   * once) and per-subject order of first receipt holds. Their fsync was ~21%
   * of the dispatcher's CPU (bench `push`, SQLite, one receiver).
   */
  private readonly records = new GroupCommit<RecordArgs, boolean>(
    async (batch) =>
      this.endLeases(
        batch,
        this.relaxed(() => this.db.transaction(() => batch.map((args) => this.recordOne(args))).immediate()),
      ),
    async (args) =>
      this.endLeases([args], [this.relaxed(() => this.db.transaction(() => this.recordOne(args)).immediate())])[0] ??
      false,
  );

  /** Once the records are committed, their leases end (a failed batch keeps them for the retry one by one). */
  private endLeases(batch: readonly RecordArgs[], results: boolean[]): boolean[] {
    for (const args of batch) this.leases.end(args.attempt.deliveryId, args.leaseToken);
    return results;
  }

  /**
   * Runs a write that needs no fsync of its own with `synchronous = NORMAL`
   * (WAL: atomic, durable at the next FULL commit or checkpoint). A lost
   * fan-out loses its outbox delete with it and is redone, a lost attempt
   * record means one more push.
   */
  private relaxed<T>(write: () => T): T {
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    if (level < 2) return write();
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma(`synchronous = ${level}`);
    }
  }

  async recordAttempt(
    attempt: AttemptRecord,
    leaseToken: string,
    update: DeliveryUpdate,
    nowMs: number,
    intent?: OperationalIntent | null,
  ): Promise<boolean> {
    return this.records.add({ attempt, leaseToken, update, nowMs, intent: intent ?? null });
  }

  /**
   * One attempt record, inside the caller's transaction: the attempt is kept
   * if the delivery still exists (it may have been deleted with its endpoint
   * while in flight), and the delivery moves on only while the caller holds
   * the lease, and with it its `intent` is written. Only an ordered
   * delivery's siblings are held back or released.
   */
  private recordOne({ attempt, leaseToken, update, nowMs, intent }: RecordArgs): boolean {
    const lease = this.leases.get(attempt.deliveryId, leaseToken);
    const moved =
      lease !== undefined &&
      this.stmt(
        `UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ?
           WHERE id = ?`,
      ).run(
        update.status,
        update.status === 'pending' ? update.nextAttemptAt : nowMs,
        update.lastError,
        nowMs,
        attempt.deliveryId,
      ).changes === 1;
    const columns = ATTEMPT_COLUMNS.replace('id, ', '');
    if (moved) {
      // the update just found the delivery: no existence check needed
      this.stmt(`INSERT INTO delivery_attempts (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        ...attemptValues(attempt),
      );
    } else {
      this.stmt(
        `INSERT INTO delivery_attempts (${columns})
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM deliveries WHERE id = ?)`,
      ).run(...attemptValues(attempt), attempt.deliveryId);
      return false;
    }
    if (intent) this.writeIntent(intent);
    if (lease.ordered && update.status === 'pending') {
      this.stmt(HOLD_BACK_SQL).run({ next: update.nextAttemptAt, id: attempt.deliveryId });
    } else if (lease.ordered) {
      this.stmt(RELEASE_NEXT_SQL).run({ now: nowMs, id: attempt.deliveryId });
    }
    return true;
  }

  async getDelivery(tenantId: string, id: string): Promise<DeliveryRecord | null> {
    const row = this.stmt(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE tenant_id = ? AND id = ?`).get(
      tenantId,
      id,
    ) as DeliveryRow | undefined;
    return row ? deliveryFromRow(row) : null;
  }

  async listDeliveries(tenantId: string, endpointId: string, page: PageRequest): Promise<DeliveryRecord[]> {
    const rows = this.stmt(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries
         WHERE tenant_id = @tenantId AND endpoint_id = @endpointId
           ${page.status ? 'AND status = @status' : ''}
           ${page.before ? 'AND event_sequence < (SELECT event_sequence FROM deliveries WHERE id = @before AND endpoint_id = @endpointId)' : ''}
           ${page.eventId ? `AND event_sequence = (${EVENT_SEQUENCE_SQL})` : ''}
         ORDER BY event_sequence DESC LIMIT @limit`,
    ).all({
      tenantId,
      endpointId,
      status: page.status,
      before: page.before,
      eventId: page.eventId,
      limit: page.limit,
    }) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async listAttempts(tenantId: string, endpointId: string, page: PageRequest): Promise<AttemptRecord[]> {
    const ofDelivery = page.deliveryId !== undefined || page.eventId !== undefined;
    const rows = this.stmt(
      `SELECT ${ATTEMPT_COLUMNS} FROM delivery_attempts
         ${ofDelivery ? 'INDEXED BY delivery_attempts_by_delivery' : ''}
         WHERE tenant_id = @tenantId AND endpoint_id = @endpointId
           ${page.status ? 'AND outcome = @status' : ''} ${page.before ? 'AND id < @before' : ''}
           ${page.deliveryId ? 'AND delivery_id = @deliveryId' : ''}
           ${page.eventId ? `AND delivery_id = (SELECT id FROM deliveries WHERE endpoint_id = @endpointId AND event_sequence = (${EVENT_SEQUENCE_SQL}))` : ''}
         ORDER BY id DESC LIMIT @limit`,
    ).all({
      tenantId,
      endpointId,
      status: page.status,
      before: page.before === undefined ? undefined : Number(page.before),
      deliveryId: page.deliveryId,
      eventId: page.eventId,
      limit: page.limit,
    }) as AttemptRow[];
    return rows.map(attemptFromRow);
  }

  async requeue(tenantId: string, target: RequeueTarget, nowMs: number): Promise<number> {
    const reset = `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now,
      lease_until = NULL, lease_token = NULL, updated_at = @now`;
    if ('deliveryId' in target) {
      // One being pushed right now is left alone; a pending one is only made due now (its retry count stands).
      if (this.leases.isLeased(target.deliveryId, nowMs)) return 0;
      const info = this.stmt(
        `UPDATE deliveries SET attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
             status = 'pending', next_attempt_at = @now, updated_at = @now
           WHERE tenant_id = @tenantId AND id = @id`,
      ).run({ now: nowMs, tenantId, id: target.deliveryId });
      if (info.changes > 0) {
        this.stmt(
          `UPDATE endpoints SET probe_after = NULL
           WHERE id = (SELECT endpoint_id FROM deliveries WHERE tenant_id = ? AND id = ?) AND probe_after IS NOT NULL`,
        ).run(tenantId, target.deliveryId);
      }
      return info.changes;
    }
    const statuses = target.failedOnly ? "('failed')" : "('failed', 'succeeded')";
    const info = this.stmt(
      `${reset} WHERE tenant_id = @tenantId AND endpoint_id = @endpointId AND created_at >= @since AND status IN ${statuses}`,
    ).run({ now: nowMs, tenantId, endpointId: target.endpointId, since: target.sinceMs });
    this.stmt('UPDATE endpoints SET probe_after = NULL WHERE tenant_id = ? AND id = ? AND probe_after IS NOT NULL').run(
      tenantId,
      target.endpointId,
    );
    return info.changes;
  }

  async queueStats(): Promise<{ pending: number; oldestCreatedAt: number | null }> {
    const row = this.stmt(
      "SELECT count(*) AS n, min(created_at) AS oldest FROM deliveries WHERE status = 'pending'",
    ).get() as { n: number; oldest: number | null };
    return { pending: row.n, oldestCreatedAt: row.oldest };
  }

  async tenantQueueStats(tenantId: string): Promise<{ pending: number; oldestCreatedAt: number | null }> {
    const row = this.stmt(
      `SELECT count(*) AS n, min(created_at) AS oldest FROM deliveries
        WHERE status = 'pending' AND endpoint_id IN (SELECT id FROM endpoints WHERE tenant_id = ?)`,
    ).get(tenantId) as { n: number; oldest: number | null };
    return { pending: row.n, oldestCreatedAt: row.oldest };
  }

  async attemptStats(tenantId: string, fromMs: number, toMs: number, bucketMs: number): Promise<AttemptGroup[]> {
    const bounds = this.stmt('SELECT min(id) AS min, max(id) AS max FROM delivery_attempts').get() as {
      min: number | null;
      max: number | null;
    };
    const probe = this.stmt(
      'SELECT id, started_at AS startedAt FROM delivery_attempts WHERE id >= ? ORDER BY id LIMIT 1',
    );
    const first = await firstAttemptIdSince(
      fromMs - ATTEMPT_ORDER_SLACK_MS,
      bounds.min === null || bounds.max === null ? null : { min: bounds.min, max: bounds.max },
      async (id) => (probe.get(id) as { id: number; startedAt: number } | undefined) ?? null,
    );
    if (first === null) return [];
    return this.stmt(
      `SELECT CAST((started_at - ?) / ? AS INTEGER) AS bucket, outcome, count(*) AS count,
              sum(latency_ms) AS totalLatencyMs, max(latency_ms) AS maxLatencyMs
         FROM delivery_attempts
        WHERE id >= ? AND tenant_id = ? AND started_at >= ? AND started_at < ?
        GROUP BY bucket, outcome`,
    ).all(fromMs, bucketMs, first, tenantId, fromMs, toMs) as AttemptGroup[];
  }

  async pruneFinished(beforeMs: number, after: string | null, limit: number): Promise<PruneBatch> {
    return this.db
      .transaction(() => {
        const head = this.stmt('SELECT id, status, created_at FROM deliveries WHERE id > ? ORDER BY id LIMIT ?').all(
          after ?? '',
          limit,
        ) as Array<{ id: string; status: string; created_at: number }>;
        const expired = head.filter((d) => d.status !== 'pending' && d.created_at < beforeMs).map((d) => d.id);
        const last = head.at(-1);
        const next = last && head.length === limit && last.created_at < beforeMs ? last.id : null;
        if (expired.length === 0) return { deliveries: 0, attempts: 0, byTenant: {}, next };
        const list = JSON.stringify(expired);
        const byTenant: PruneBatch['byTenant'] = {};
        const tally = (tenantId: string) => (byTenant[tenantId] ??= { deliveries: 0, attempts: 0 });
        const attempts = this.stmt(
          'DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) RETURNING tenant_id',
        )
          .pluck()
          .all(list) as string[];
        for (const tenantId of attempts) tally(tenantId).attempts += 1;
        // Re-checked here: a requeue may have made one pending since it was read (same transaction on SQLite, but cheap).
        const deliveries = this.stmt(
          "DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?)) AND status <> 'pending' RETURNING tenant_id",
        )
          .pluck()
          .all(list) as string[];
        for (const tenantId of deliveries) tally(tenantId).deliveries += 1;
        return { deliveries: deliveries.length, attempts: attempts.length, byTenant, next };
      })
      .immediate();
  }
}
