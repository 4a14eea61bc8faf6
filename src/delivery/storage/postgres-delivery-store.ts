import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { newEventId } from '../../events/event-id.js';
import { transaction } from '../../storage/postgres/transaction.js';
import { type AttemptRecord, type DeliveryRecord, HELD } from '../delivery.js';
import { ATTEMPT_ORDER_SLACK_MS, type AttemptGroup, firstAttemptIdSince } from '../delivery-stats.js';
import type { EndpointRecord } from '../endpoint.js';
import { admit, type EndpointCapacity, SHORT_QUEUE } from '../fan-out-admission.js';
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
import { PG_INSERT_INTENTS, pgIntentArrays, pgIntentRows } from './operational-intent-sql.js';
import { type CapacityRow, capacityOf, type FanOutRow, type PlannedRow, planFanOut } from './postgres-fan-out.js';
import {
  ENDPOINT_CAPACITY_SQL,
  FAN_OUT_BATCH_SQL,
  FAN_OUT_RENDER_BATCH_SQL,
  FANOUT_LOCK_KEY,
  OUTBOX_HEAD_SQL,
  WRITE_FAN_OUT_SQL,
} from './postgres-fan-out-sql.js';
import { ANY_DUE_SQL, HOLD_BACK_SQL, LEASE_SQL, RELEASE_HELD_SQL, RELEASE_NEXT_SQL } from './postgres-lease-sql.js';
import { ClaimedDeliveries, pushedWithoutRow, type RowToWrite, writeClaimedValues } from './postgres-rowless.js';
import { WRITE_CLAIMED_SQL } from './postgres-rowless-sql.js';

interface RecordArgs {
  attempt: AttemptRecord;
  leaseToken: string;
  update: DeliveryUpdate;
  nowMs: number;
  intent: OperationalIntent | null;
}

/**
 * One batch of attempt records: each delivery moves on only while the
 * caller's lease holds, and an attempt is kept if its delivery still exists
 * (deleted with its endpoint meanwhile: not kept). Both read the snapshot
 * from before the statement, as an INSERT then an UPDATE in one transaction
 * did. Returns the deliveries moved, with whether each is under subject
 * ordering (whose follow-ups `recordBatchOrdered` then runs).
 */
export const RECORD_BATCH_SQL = `
WITH v AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[])
    AS v(id, lease_token, status, next_attempt_at, last_error, now_ms)
),
moved AS (
  UPDATE deliveries d SET status = v.status, attempts = d.attempts + 1, next_attempt_at = v.next_attempt_at,
    lease_until = NULL, lease_token = NULL, last_error = v.last_error, updated_at = v.now_ms
  FROM v WHERE d.id = v.id AND d.lease_token = v.lease_token
  RETURNING d.id, d.ordered
),
kept AS (
  INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS.replace('id, ', '')})
  SELECT a.* FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::integer[], $12::bigint[], $13::text[],
      $14::integer[], $15::integer[], $16::text[], $17::text[], $18::text[])
    AS a(tenant_id, endpoint_id, delivery_id, event_id, attempt, started_at, outcome, http_status, latency_ms,
      response_excerpt, error_class, error_message)
  WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)
)
SELECT id, ordered FROM moved`;

/**
 * The same for a batch with dead letters: their operational events' intents
 * (`../operational-intent.ts`) are written with the deliveries that moved,
 * $19 naming each intent's delivery. A statement of its own, so the common
 * batch runs exactly the statement it ran before.
 */
const RECORD_BATCH_WITH_INTENTS_SQL = RECORD_BATCH_SQL.replace(
  'SELECT id, ordered FROM moved',
  `, intents AS (
  ${PG_INSERT_INTENTS} ${pgIntentRows(19, 'i.delivery_id IN (SELECT id FROM moved)', { name: 'delivery_id', type: 'text' })}
)
SELECT id, ordered FROM moved`,
);

/**
 * The pending deliveries (those of rows matching `ofDeliveries`) with those
 * pushed without a row whose record has not come (claimed outbox rows
 * matching `ofOutbox`, claims run out included: they are fanned out again),
 * and when the oldest was created (a claimed one: when its event was committed).
 */
function pendingSql(ofDeliveries: string, ofOutbox: string): string {
  return `WITH d AS (SELECT count(*) AS n, min(created_at) AS oldest FROM deliveries WHERE status = 'pending' AND ${ofDeliveries}),
    c AS (SELECT coalesce(sum(cardinality(claim_deliveries)), 0) AS n,
      (extract(epoch FROM min(created_at)) * 1000)::bigint AS oldest
      FROM outbox WHERE claim_until IS NOT NULL AND ${ofOutbox})
  SELECT d.n + c.n AS n, least(d.oldest, c.oldest) AS oldest FROM d, c`;
}

/** The sequence of tenant `$1`'s event `eventId`, its id appended to `values` (the listings' `eventId` filter). */
function eventSequence(values: unknown[], eventId: string): string {
  return `SELECT sequence FROM events WHERE id = $${values.push(eventId)}::text AND tenant_id = $1`;
}

/**
 * The attempts listing. With a delivery or event filter the rows are found
 * through `delivery_attempts_by_delivery` behind `OFFSET 0`, then checked
 * for tenant and endpoint: on a database without statistics the planner
 * otherwise ANDed it with a bitmap of the endpoint's whole history
 * (`delivery_attempts_by_endpoint`, 5.8 ms at 200,000 attempts, growing
 * with them; 0.03 ms this way).
 */
export function attemptsQuery(tenantId: string, endpointId: string, page: PageRequest) {
  const values: unknown[] = [tenantId, endpointId, page.status ?? null, page.before ?? null, page.limit];
  const ofDelivery: string[] = [];
  if (page.deliveryId !== undefined) ofDelivery.push(`delivery_id = $${values.push(page.deliveryId)}::text`);
  if (page.eventId !== undefined) {
    ofDelivery.push(`delivery_id = (SELECT id FROM deliveries
      WHERE endpoint_id = $2 AND event_sequence = (${eventSequence(values, page.eventId)}))`);
  }
  const from =
    ofDelivery.length === 0
      ? 'delivery_attempts'
      : `(SELECT * FROM delivery_attempts WHERE ${ofDelivery.join(' AND ')} OFFSET 0) delivery_attempts`;
  return {
    text: `SELECT ${ATTEMPT_COLUMNS} FROM ${from}
           WHERE tenant_id = $1 AND endpoint_id = $2 AND ($3::text IS NULL OR outcome = $3) AND ($4::bigint IS NULL OR id < $4)
           ORDER BY id DESC LIMIT $5`,
    values,
  };
}

/** The parameters of `LEASE_SQL`. */
function leaseValues(request: LeaseRequest): unknown[] {
  return [
    request.nowMs,
    request.nowMs + request.leaseMs,
    randomUUID(),
    request.perEndpointCap,
    request.limit,
    request.minBatch,
    [...(request.answered ?? [])],
  ];
}

/** Deliveries on the shared PostgreSQL database; any number of worker processes may lease from it. */
export class PostgresDeliveryStore implements DeliveryStore {
  /**
   * `leasePool`: the connection for leases, see `DISPATCH_SESSION_OPTIONS`;
   * `recordPool`: the one for attempt records, see `DISPATCH_SESSION_OPTIONS`.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly leasePool: pg.Pool,
    private readonly recordPool: pg.Pool,
  ) {}

  async createEndpoint(e: EndpointRecord): Promise<void> {
    await this.pool.query({
      text: `INSERT INTO endpoints (${ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      values: [
        e.id,
        e.tenantId,
        specOf(e),
        e.enabled,
        e.disabledReason,
        e.failingSince,
        e.probeAfter,
        e.secret,
        e.previousSecret,
        e.previousSecretExpiresAt,
        e.createdAt,
        e.updatedAt,
      ],
    });
  }

  async getEndpoint(tenantId: string, id: string): Promise<EndpointRecord | null> {
    const { rows } = await this.pool.query<EndpointRow>({
      text: `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE tenant_id = $1 AND id = $2`,
      values: [tenantId, id],
    });
    return rows[0] ? endpointFromRow(rows[0]) : null;
  }

  async listEndpoints(tenantId: string, page: { after?: string; limit: number }): Promise<EndpointRecord[]> {
    const { rows } = await this.pool.query<EndpointRow>({
      text: `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      values: [tenantId, page.after ?? '', page.limit],
    });
    return rows.map(endpointFromRow);
  }

  async updateEndpoint(e: EndpointRecord, intent?: OperationalIntent | null): Promise<boolean> {
    const update = `UPDATE endpoints SET spec = $1, enabled = $2, disabled_reason = $3, failing_since = $4, probe_after = $5,
               secret = $6, previous_secret = $7, previous_secret_expires_at = $8, updated_at = $9
             WHERE tenant_id = $10 AND id = $11`;
    // With an intent: one statement writes it when the update found the endpoint.
    const result = await this.pool.query({
      text: intent
        ? `WITH u AS (${update} RETURNING 1),
             i AS (${PG_INSERT_INTENTS} ${pgIntentRows(12, 'EXISTS (SELECT 1 FROM u)')})
           SELECT 1 FROM u`
        : update,
      values: [
        specOf(e),
        e.enabled,
        e.disabledReason,
        e.failingSince,
        e.probeAfter,
        e.secret,
        e.previousSecret,
        e.previousSecretExpiresAt,
        e.updatedAt,
        e.tenantId,
        e.id,
        ...(intent ? pgIntentArrays([intent]) : []),
      ],
    });
    return result.rowCount === 1;
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    return transaction(this.pool, async (client) => {
      const result = await client.query({
        text: 'DELETE FROM endpoints WHERE tenant_id = $1 AND id = $2',
        values: [tenantId, id],
      });
      if (result.rowCount !== 1) return false;
      await client.query({ text: 'DELETE FROM deliveries WHERE endpoint_id = $1', values: [id] });
      await client.query({ text: 'DELETE FROM delivery_attempts WHERE endpoint_id = $1', values: [id] });
      await client.query({ text: 'DELETE FROM endpoint_tokens WHERE endpoint_id = $1', values: [id] });
      return true;
    });
  }

  async readToken(endpointId: string): Promise<StoredToken | null> {
    const { rows } = await this.pool.query<{ version: string; access_token: string; expires_at: string }>({
      text: 'SELECT version, access_token, expires_at FROM endpoint_tokens WHERE endpoint_id = $1 AND access_token IS NOT NULL',
      values: [endpointId],
    });
    const row = rows[0];
    return row
      ? { endpointId, version: Number(row.version), accessToken: row.access_token, expiresAt: Number(row.expires_at) }
      : null;
  }

  async claimTokenFetch(endpointId: string, nowMs: number, untilMs: number): Promise<boolean> {
    // one statement: of two workers claiming at once, the row lock lets one win
    const result = await this.pool.query({
      text: `INSERT INTO endpoint_tokens (endpoint_id, fetching_until) VALUES ($1, $2)
             ON CONFLICT (endpoint_id) DO UPDATE SET fetching_until = excluded.fetching_until
             WHERE endpoint_tokens.fetching_until IS NULL OR endpoint_tokens.fetching_until <= $3`,
      values: [endpointId, untilMs, nowMs],
    });
    return result.rowCount === 1;
  }

  async saveToken(t: StoredToken): Promise<void> {
    await this.pool.query({
      text: `INSERT INTO endpoint_tokens (endpoint_id, version, access_token, expires_at, fetching_until)
             VALUES ($1, $2, $3, $4, NULL)
             ON CONFLICT (endpoint_id) DO UPDATE SET version = excluded.version, access_token = excluded.access_token,
               expires_at = excluded.expires_at, fetching_until = NULL`,
      values: [t.endpointId, t.version, t.accessToken, t.expiresAt],
    });
  }

  async listTokens(): Promise<StoredToken[]> {
    const { rows } = await this.pool.query<{
      endpoint_id: string;
      version: string;
      access_token: string;
      expires_at: string;
    }>(
      `SELECT endpoint_id, version, access_token, expires_at FROM endpoint_tokens
        WHERE access_token IS NOT NULL ORDER BY endpoint_id`,
    );
    return rows.map((r) => ({
      endpointId: r.endpoint_id,
      version: Number(r.version),
      accessToken: r.access_token,
      expiresAt: Number(r.expires_at),
    }));
  }

  async updateTokenValue(endpointId: string, accessToken: string): Promise<boolean> {
    const result = await this.pool.query({
      text: 'UPDATE endpoint_tokens SET access_token = $1 WHERE endpoint_id = $2 AND access_token IS NOT NULL',
      values: [accessToken, endpointId],
    });
    return result.rowCount === 1;
  }

  async releaseTokenFetch(endpointId: string): Promise<void> {
    await this.pool.query({
      text: 'UPDATE endpoint_tokens SET fetching_until = NULL WHERE endpoint_id = $1',
      values: [endpointId],
    });
  }

  async disableEndpoint(
    tenantId: string,
    id: string,
    reason: string,
    nowMs: number,
    intent?: OperationalIntent | null,
  ): Promise<void> {
    const update =
      'UPDATE endpoints SET enabled = false, disabled_reason = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4';
    await this.pool.query({
      text: intent
        ? `WITH u AS (${update} RETURNING 1) ${PG_INSERT_INTENTS} ${pgIntentRows(5, 'EXISTS (SELECT 1 FROM u)')}`
        : update,
      values: [reason, nowMs, tenantId, id, ...(intent ? pgIntentArrays([intent]) : [])],
    });
  }

  async recordHealth(endpointId: string, health: HealthReport): Promise<boolean> {
    const { nowMs, disableAfterMs } = health;
    const always = health.intents?.always ?? [];
    if (health.ok) {
      const clear = `UPDATE endpoints SET failing_since = NULL, probe_after = NULL
               WHERE id = $1 AND (failing_since IS NOT NULL OR probe_after IS NOT NULL)`;
      await this.pool.query({
        // its operational events (recovered) in the same statement, while the endpoint exists
        text:
          always.length > 0
            ? `WITH u AS (${clear}) ${PG_INSERT_INTENTS} ${pgIntentRows(2, 'EXISTS (SELECT 1 FROM endpoints WHERE id = $1)')}`
            : clear,
        values: [endpointId, ...(always.length > 0 ? pgIntentArrays(always) : [])],
      });
      return false;
    }
    // One statement: mark the failure, disable when it has lasted too long, write the operational events it causes.
    const ifDisabled = health.intents?.ifDisabled ?? null;
    const intents = ifDisabled ? [...always, ifDisabled] : always;
    const update = `UPDATE endpoints SET failing_since = coalesce(failing_since, $2), probe_after = coalesce($5, probe_after),
               enabled = CASE WHEN enabled AND coalesce(failing_since, $2) <= $3 THEN false ELSE enabled END,
               disabled_reason = CASE WHEN enabled AND coalesce(failing_since, $2) <= $3 THEN $4 ELSE disabled_reason END,
               updated_at = CASE WHEN enabled AND coalesce(failing_since, $2) <= $3 THEN $2 ELSE updated_at END
             WHERE id = $1
             RETURNING (enabled = false AND updated_at = $2 AND disabled_reason = $4) AS disabled`;
    const result = await this.pool.query<{ disabled: boolean }>({
      text:
        intents.length > 0
          ? `WITH u AS (${update}),
               i AS (${PG_INSERT_INTENTS} ${pgIntentRows(
                 6,
                 'EXISTS (SELECT 1 FROM u) AND (NOT i.if_disabled OR (SELECT disabled FROM u))',
                 { name: 'if_disabled', type: 'boolean' },
               )})
             SELECT disabled FROM u`
          : update,
      values: [
        endpointId,
        nowMs,
        nowMs - disableAfterMs,
        failingTooLong(disableAfterMs),
        health.probeAfter,
        ...(intents.length > 0 ? [intents.map((i) => i === ifDisabled), ...pgIntentArrays(intents)] : []),
      ],
    });
    return result.rows[0]?.disabled === true;
  }

  /**
   * On the lease connection, as `fanOutLeased`: its statements are prepared,
   * and only there do their generic plans stay index lookups
   * (`DISPATCH_SESSION_OPTIONS`; the outbox delete of a generic plan made
   * while the outbox was small would scan it).
   */
  async fanOut(limit: number, match: EndpointMatcher, nowMs: number): Promise<number> {
    // Most ticks find the outbox empty (a finished push wakes the dispatcher too): one indexed read
    // then, instead of a transaction with the lock and the batch (3 round trips at least).
    const next = await this.leasePool.query({
      name: 'tidings-outbox-head',
      text: OUTBOX_HEAD_SQL,
      values: [nowMs],
    });
    if (next.rows.length === 0) return 0;
    return transaction(this.leasePool, async (client) => {
      const { rows } = await client.query<FanOutRow>({
        name: 'tidings-fan-out-batch',
        text: FAN_OUT_BATCH_SQL,
        values: [limit, FANOUT_LOCK_KEY, nowMs],
      });
      if (rows.length === 0) return 0;
      const planned = await planFanOut(client, rows, match, async (tenantId) => {
        const found = await client.query<EndpointRow>({
          text: `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE tenant_id = $1 AND enabled ORDER BY id`,
          values: [tenantId],
        });
        return found.rows.map(endpointFromRow);
      });
      await this.writeFanOut(client, planned, nowMs, null);
      return rows.length;
    });
  }

  /**
   * `WRITE_FAN_OUT_SQL` for the outbox rows `consumed`: their deliveries,
   * those `lease.leased` marks (per row, per delivery) written leased, and the
   * rows deleted; a leased delivery that `pushedWithoutRow` gets no row, its
   * outbox row is claimed instead (`postgres-rowless.ts`). Returns the
   * deliveries leased, as a lease returns them.
   */
  private async writeFanOut(
    client: pg.PoolClient,
    consumed: readonly PlannedRow[],
    nowMs: number,
    lease: { until: number; token: string; leased: boolean[][]; versions: Map<string, string> } | null,
  ): Promise<LeasedDelivery[]> {
    const columns: unknown[][] = Array.from({ length: 9 }, () => []);
    const byId = new Map<string, LeasedDelivery>();
    const withoutRow: LeasedDelivery[] = [];
    const deleted: string[] = [];
    const claims = { ids: [] as string[], endpoints: [] as string[], deliveries: [] as string[] };
    consumed.forEach((planned, i) => {
      const claimed: LeasedDelivery[] = [];
      planned.deliveries.forEach(({ event, endpoint, held }, k) => {
        const leased = lease?.leased[i]?.[k] === true;
        const delivery: LeasedDelivery = {
          id: `dlv_${newEventId()}`,
          tenantId: event.tenantId,
          endpointId: endpoint.id,
          eventSequence: event.sequence,
          eventId: event.id,
          subjectId: event.subjectId,
          ordered: endpoint.ordering === 'subject',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: held ? HELD : nowMs,
          leaseUntil: lease?.until ?? null,
          leaseToken: lease?.token ?? null,
          lastError: null,
          createdAt: nowMs,
          updatedAt: nowMs,
          event,
          endpointVersion: lease?.versions.get(endpoint.id) ?? null,
        };
        if (lease && leased && pushedWithoutRow(delivery, endpoint, planned)) {
          claimed.push(delivery);
          this.claimed.add({ delivery, outboxId: planned.outboxId, claimToken: lease.token });
          return;
        }
        const { id, tenantId, endpointId, eventSequence, eventId, subjectId, ordered, nextAttemptAt } = delivery;
        const row = [id, tenantId, endpointId, eventSequence, eventId, subjectId, ordered, nextAttemptAt, leased];
        for (const [c, value] of row.entries()) columns[c]?.push(value);
        if (leased) byId.set(delivery.id, delivery);
      });
      if (claimed.length === 0) {
        deleted.push(planned.outboxId);
        return;
      }
      withoutRow.push(...claimed);
      claims.ids.push(planned.outboxId);
      claims.endpoints.push(claimed.map((d) => d.endpointId).join(','));
      claims.deliveries.push(claimed.map((d) => d.id).join(','));
    });
    const written = await client.query<{ id: string }>({
      name: 'tidings-fan-out-write',
      text: WRITE_FAN_OUT_SQL,
      values: [
        nowMs,
        lease?.until ?? null,
        lease?.token ?? null,
        ...columns,
        deleted,
        claims.ids,
        claims.endpoints,
        claims.deliveries,
      ],
    });
    return [...written.rows.flatMap((r) => byId.get(r.id) ?? []), ...withoutRow];
  }

  /** Deliveries this process pushes without a row, until their record writes it (`postgres-rowless.ts`). */
  private readonly claimed = new ClaimedDeliveries();

  /**
   * `WRITE_CLAIMED_SQL` for `rows`, which leave `claimed`. Returns each
   * delivery's row id (a row another worker wrote after the claim ran out,
   * or null when the endpoint is gone) and whether this statement wrote it.
   */
  private async writeClaimed(
    db: pg.Pool | pg.PoolClient,
    rows: readonly RowToWrite[],
  ): Promise<Map<string, { rowId: string | null; created: boolean }>> {
    for (const { claimed } of rows) this.claimed.delete(claimed.delivery.id);
    const result = await db.query<{ id: string; row_id: string | null; created: boolean }>({
      name: 'tidings-write-claimed',
      text: WRITE_CLAIMED_SQL,
      values: writeClaimedValues(rows),
    });
    return new Map(result.rows.map((r) => [r.id, { rowId: r.row_id, created: r.created }]));
  }

  /**
   * The fan-out transaction on the lease connection, deciding which
   * deliveries go out leased (`../fan-out-admission.ts`): lock and read, the
   * endpoints with their capacity (once per tenant), the ordering probe when
   * an endpoint orders by subject, then every write in one statement. The
   * outbox is read `readAhead` rows at a time: about what the last call
   * consumed, since reading (and parsing) 500 events to lease 16 was most of
   * the work while a backlog waits there.
   */
  async fanOutLeased(limit: number, match: EndpointMatcher, request: FanOutLeaseRequest): Promise<FanOutLeased> {
    if (request.limit <= 0) return { consumed: 0, leased: [] };
    if (!this.outboxNotEmpty) {
      const next = await this.leasePool.query({
        name: 'tidings-outbox-head',
        text: OUTBOX_HEAD_SQL,
        values: [request.nowMs],
      });
      if (next.rows.length === 0) return { consumed: 0, leased: [] };
    }
    const read = Math.max(1, Math.min(limit, this.readAhead));
    const nowMs = request.nowMs;
    const lease = { until: nowMs + request.leaseMs, token: randomUUID() };
    const answered = [...(request.answered ?? [])];
    const result = await transaction(this.leasePool, async (client) => {
      const { rows } = await client.query<FanOutRow>({
        name: 'tidings-fan-out-read',
        text: FAN_OUT_RENDER_BATCH_SQL,
        values: [read, FANOUT_LOCK_KEY, nowMs],
      });
      if (rows.length === 0) return { consumed: 0, read: 0, leased: [] as LeasedDelivery[] };
      const capacity = new Map<string, EndpointCapacity>();
      const versions = new Map<string, string>();
      const planned = await planFanOut(client, rows, match, async (tenantId) => {
        const found = await client.query<EndpointRow & CapacityRow>({
          name: 'tidings-fan-out-endpoints',
          text: ENDPOINT_CAPACITY_SQL,
          values: [tenantId, nowMs, answered, SHORT_QUEUE + 1],
        });
        return found.rows.map((row) => {
          const version = `${row.updated_at}:${row.failing_since ?? ''}`;
          const endpoint = this.fanOutEndpoint(row, version);
          capacity.set(endpoint.id, capacityOf(endpoint, row, request, request.keepsUp.has(endpoint.id)));
          versions.set(endpoint.id, version);
          return endpoint;
        });
      });
      const admission = admit(
        planned.map((p) => p.deliveries.map((d) => ({ endpointId: d.endpoint.id, held: d.held }))),
        capacity,
        request.limit,
      );
      if (admission.consumed === 0) return { consumed: 0, read: rows.length, leased: [] as LeasedDelivery[] };
      const consumed = planned.slice(0, admission.consumed);
      const leased = await this.writeFanOut(client, consumed, nowMs, { ...lease, leased: admission.leased, versions });
      return { consumed: consumed.length, read: rows.length, leased };
    });
    // read what the last call consumed; a refill group more when it consumed all it read
    this.readAhead = Math.min(
      limit,
      result.consumed === result.read ? read + request.minBatch : Math.max(request.minBatch, result.consumed),
    );
    this.outboxNotEmpty = result.read === read;
    for (const d of result.leased) if (d.ordered) this.orderedLeases.add(d.id);
    return { consumed: result.consumed, leased: result.leased };
  }

  /**
   * An endpoint as `fanOutLeased` matches it, parsed again only when its
   * version (`LeasedDelivery.endpointVersion`) moved: a fan-out of a few
   * events read 100 endpoints' configurations, and parsing each one every
   * time was work per delivery (push to 100 receivers).
   */
  private fanOutEndpoint(row: EndpointRow, version: string): EndpointRecord {
    const kept = this.fanOutEndpoints.get(row.id);
    if (kept?.version === version) return kept.endpoint;
    const endpoint = endpointFromRow(row);
    this.fanOutEndpoints.set(row.id, { version, endpoint });
    return endpoint;
  }

  private readonly fanOutEndpoints = new Map<string, { version: string; endpoint: EndpointRecord }>();

  /** Outbox rows `fanOutLeased` reads at a time (see there). */
  private readAhead = 64;
  /** The last `fanOutLeased` read as many rows as it asked for: the next one skips the head probe. */
  private outboxNotEmpty = false;

  /**
   * One statement on the lease connection (`DISPATCH_SESSION_OPTIONS`). Push to
   * one receiver on PostgreSQL, one worker process, 25,000 deliveries,
   * alternated, bitmap scans off: 3,215 and 3,355 → 4,847 and 4,717/s.
   */
  async lease(request: LeaseRequest): Promise<LeasedDelivery[]> {
    if (this.lastLeaseEmpty && !(await this.anyDue(request.nowMs))) return [];
    // Unnamed, so planned for its parameters on every run: a generic plan of the lease, even with index paths only
    // (`DISPATCH_SESSION_OPTIONS`), took 94 ms a lease with a queue of due rows (two workers, 50,000 deliveries:
    // 470-678 deliveries/s); planning costs ~0.9 ms a lease.
    const { rows } = await this.leasePool.query<LeasedRow>({ text: LEASE_SQL, values: leaseValues(request) });
    const leased = rows.map(leasedFromRow);
    for (const d of leased) if (d.ordered) this.orderedLeases.add(d.id);
    this.lastLeaseEmpty = leased.length === 0;
    return leased;
  }

  /**
   * The last lease found nothing: the next one first asks whether anything is
   * due (`ANY_DUE_SQL`, planned once), and is not sent when nothing is.
   */
  private lastLeaseEmpty = false;

  private async anyDue(nowMs: number): Promise<boolean> {
    const { rows } = await this.leasePool.query<{ due: boolean }>({
      name: 'tidings-any-due',
      text: ANY_DUE_SQL,
      values: [nowMs],
    });
    return rows[0]?.due === true;
  }

  /** Leased deliveries of this process under subject ordering: their records need the follow-ups (`recordBatch`). */
  private readonly orderedLeases = new Set<string>();

  async releaseHeld(nowMs: number): Promise<number> {
    const result = await this.pool.query({ text: RELEASE_HELD_SQL, values: [nowMs] });
    return result.rowCount ?? 0;
  }

  async releaseOrphanedLeases(): Promise<number> {
    return 0;
  }

  async release(id: string, leaseToken: string, nextAttemptAt: number): Promise<void> {
    this.orderedLeases.delete(id);
    const claimed = this.claimed.get(id);
    const rowId = claimed
      ? (await this.writeClaimed(this.pool, [{ claimed, nowMs: claimed.delivery.createdAt, attempt: null }])).get(id)
          ?.rowId
      : id;
    if (!rowId) return; // its endpoint is gone
    await this.pool.query({
      text: 'UPDATE deliveries SET lease_until = NULL, lease_token = NULL, next_attempt_at = $1 WHERE id = $2 AND lease_token = $3',
      values: [nextAttemptAt, rowId, leaseToken],
    });
  }

  /** Attempt records are group-committed: one transaction for those that finish together (see `group-commit.ts`). */
  private readonly records = new GroupCommit<RecordArgs, boolean>(
    (batch) => this.recordBatch(batch),
    async (args) => (await this.recordBatch([args]))[0] === true,
  );

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
   * One transaction for a batch: the attempts in one INSERT, the deliveries
   * moved on in one UPDATE (only while the lease holds), then the subject
   * ordering follow-ups for the ordered ones. Per attempt this was five
   * round trips and a commit; see `group-commit.ts` for the figures.
   */
  private async recordBatch(all: RecordArgs[]): Promise<boolean[]> {
    const done = new Map<RecordArgs, boolean>();
    const final: RowToWrite[] = [];
    const pending: RowToWrite[] = [];
    for (const args of all) {
      const claimed = this.claimed.get(args.attempt.deliveryId);
      if (!claimed) continue;
      if (args.update.status === 'succeeded' && args.intent === null) {
        final.push({ claimed, nowMs: args.nowMs, attempt: args.attempt });
        done.set(args, false);
      } else pending.push({ claimed, nowMs: args.nowMs, attempt: null });
    }
    // the happy path: the row written final with its attempt, in one statement
    if (final.length > 0) {
      const written = await this.writeClaimed(this.recordPool, final);
      for (const args of all)
        if (done.has(args)) done.set(args, written.get(args.attempt.deliveryId)?.created === true);
    }
    // anything else: the row first, pending and leased (or the one another worker wrote), then the usual record
    const rowsOf = pending.length > 0 ? await this.writeClaimed(this.recordPool, pending) : new Map();
    const batch = all
      .filter((args) => !done.has(args))
      .map((args) => {
        const rowId = rowsOf.get(args.attempt.deliveryId)?.rowId;
        return rowId ? { ...args, attempt: { ...args.attempt, deliveryId: rowId } } : args;
      });
    const moved = batch.length > 0 ? await this.recordRows(batch) : [];
    let k = 0;
    return all.map((args) => done.get(args) ?? moved[k++] === true);
  }

  /** `recordBatch` for deliveries that have rows. */
  private async recordRows(batch: RecordArgs[]): Promise<boolean[]> {
    const ordered = batch.some(({ attempt }) => this.orderedLeases.has(attempt.deliveryId));
    const results = ordered ? await this.recordBatchOrdered(batch) : await this.recordBatchInOneStatement(batch);
    for (const { attempt } of batch) this.orderedLeases.delete(attempt.deliveryId);
    return results;
  }

  /**
   * A batch with no delivery under subject ordering (no follow-ups): the
   * attempts and the deliveries' moves in one statement of array parameters,
   * atomic on its own, so one round trip and one commit instead of four round
   * trips (BEGIN, INSERT, UPDATE, COMMIT). Prepared once per connection.
   */
  private async recordBatchInOneStatement(batch: RecordArgs[]): Promise<boolean[]> {
    const moved = await this.recordStatement(this.recordPool, batch);
    return batch.map(({ attempt }) => moved.has(attempt.deliveryId));
  }

  /** `RECORD_BATCH_SQL` for `batch`: the deliveries moved on, each with whether it is under subject ordering. */
  private async recordStatement(db: pg.Pool | pg.PoolClient, batch: RecordArgs[]): Promise<Map<string, boolean>> {
    // a stable lock order, so two workers' batches cannot deadlock on the same rows
    const sorted = [...batch].sort((a, b) => (a.attempt.deliveryId < b.attempt.deliveryId ? -1 : 1));
    const column = <T>(pick: (args: RecordArgs) => T) => sorted.map(pick);
    const attempts = sorted.map(({ attempt }) => attemptValues(attempt));
    const attemptColumn = (k: number) => attempts.map((values) => values[k] ?? null);
    const withIntent = sorted.filter((a) => a.intent !== null);
    const { rows } = await db.query<{ id: string; ordered: boolean }>({
      ...(withIntent.length === 0
        ? { name: 'tidings-record-attempts', text: RECORD_BATCH_SQL }
        : { name: 'tidings-record-attempts-intents', text: RECORD_BATCH_WITH_INTENTS_SQL }),
      values: [
        column((a) => a.attempt.deliveryId),
        column((a) => a.leaseToken),
        column((a) => a.update.status),
        column((a) => (a.update.status === 'pending' ? a.update.nextAttemptAt : a.nowMs)),
        column((a) => a.update.lastError),
        column((a) => a.nowMs),
        ...Array.from({ length: 12 }, (_, k) => attemptColumn(k)),
        ...(withIntent.length === 0
          ? []
          : [
              withIntent.map((a) => a.attempt.deliveryId),
              ...pgIntentArrays(withIntent.map((a) => a.intent as OperationalIntent)),
            ]),
      ],
    });
    return new Map(rows.map((r) => [r.id, r.ordered]));
  }

  /**
   * A batch with deliveries under subject ordering: in one transaction, the
   * records as above, then one statement holding back the subjects of those
   * retried and one releasing the next of those final. Five round trips
   * whatever the batch (BEGIN, records, hold back, release, COMMIT) where
   * each ordered delivery's follow-up was one more.
   */
  private async recordBatchOrdered(batch: RecordArgs[]): Promise<boolean[]> {
    return transaction(this.recordPool, async (client) => {
      const moved = await this.recordStatement(client, batch);
      const held = { ids: [] as string[], at: [] as number[] };
      const released = { ids: [] as string[], at: [] as number[] };
      for (const { attempt, update, nowMs } of batch) {
        if (moved.get(attempt.deliveryId) !== true) continue; // not moved, or not under subject ordering
        const to = update.status === 'pending' ? held : released;
        to.ids.push(attempt.deliveryId);
        to.at.push(update.status === 'pending' ? update.nextAttemptAt : nowMs);
      }
      if (held.ids.length > 0) await client.query({ text: HOLD_BACK_SQL, values: [held.ids, held.at] });
      if (released.ids.length > 0) await client.query({ text: RELEASE_NEXT_SQL, values: [released.ids, released.at] });
      return batch.map(({ attempt }) => moved.has(attempt.deliveryId));
    });
  }

  async getDelivery(tenantId: string, id: string): Promise<DeliveryRecord | null> {
    const { rows } = await this.pool.query<DeliveryRow>({
      text: `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE tenant_id = $1 AND id = $2`,
      values: [tenantId, id],
    });
    return rows[0] ? deliveryFromRow(rows[0]) : null;
  }

  async listDeliveries(tenantId: string, endpointId: string, page: PageRequest): Promise<DeliveryRecord[]> {
    const values: unknown[] = [tenantId, endpointId, page.status ?? null, page.before ?? null, page.limit];
    const ofEvent = page.eventId === undefined ? '' : `AND event_sequence = (${eventSequence(values, page.eventId)})`;
    const { rows } = await this.pool.query<DeliveryRow>({
      text: `SELECT ${DELIVERY_COLUMNS} FROM deliveries
             WHERE tenant_id = $1 AND endpoint_id = $2 AND ($3::text IS NULL OR status = $3)
               AND ($4::text IS NULL OR event_sequence < (
                 SELECT event_sequence FROM deliveries WHERE id = $4 AND endpoint_id = $2))
               ${ofEvent}
             ORDER BY event_sequence DESC LIMIT $5`,
      values,
    });
    return rows.map(deliveryFromRow);
  }

  async listAttempts(tenantId: string, endpointId: string, page: PageRequest): Promise<AttemptRecord[]> {
    const { rows } = await this.pool.query<AttemptRow>(attemptsQuery(tenantId, endpointId, page));
    return rows.map(attemptFromRow);
  }

  async requeue(tenantId: string, target: RequeueTarget, nowMs: number): Promise<number> {
    if ('deliveryId' in target) {
      const result = await this.pool.query({
        text: `UPDATE deliveries SET attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
                 status = 'pending', next_attempt_at = $1, updated_at = $1
               WHERE tenant_id = $2 AND id = $3 AND (lease_until IS NULL OR lease_until <= $1)`,
        values: [nowMs, tenantId, target.deliveryId],
      });
      if ((result.rowCount ?? 0) > 0) {
        await this.pool.query({
          text: `UPDATE endpoints SET probe_after = NULL
                 WHERE id = (SELECT endpoint_id FROM deliveries WHERE tenant_id = $1 AND id = $2) AND probe_after IS NOT NULL`,
          values: [tenantId, target.deliveryId],
        });
      }
      return result.rowCount ?? 0;
    }
    const result = await this.pool.query({
      text: `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1,
               lease_until = NULL, lease_token = NULL, updated_at = $1
             WHERE tenant_id = $2 AND endpoint_id = $3 AND created_at >= $4 AND status = ANY($5::text[])`,
      values: [
        nowMs,
        tenantId,
        target.endpointId,
        target.sinceMs,
        target.failedOnly ? ['failed'] : ['failed', 'succeeded'],
      ],
    });
    await this.pool.query({
      text: 'UPDATE endpoints SET probe_after = NULL WHERE tenant_id = $1 AND id = $2 AND probe_after IS NOT NULL',
      values: [tenantId, target.endpointId],
    });
    return result.rowCount ?? 0;
  }

  async queueStats(): Promise<{ pending: number; oldestCreatedAt: number | null }> {
    const { rows } = await this.pool.query<{ n: string; oldest: string | null }>(pendingSql('true', 'true'));
    const row = rows[0];
    return { pending: Number(row?.n ?? 0), oldestCreatedAt: row?.oldest == null ? null : Number(row.oldest) };
  }

  async tenantQueueStats(tenantId: string): Promise<{ pending: number; oldestCreatedAt: number | null }> {
    const { rows } = await this.pool.query<{ n: string; oldest: string | null }>({
      text: pendingSql('endpoint_id IN (SELECT id FROM endpoints WHERE tenant_id = $1)', 'tenant_id = $1'),
      values: [tenantId],
    });
    const row = rows[0];
    return { pending: Number(row?.n ?? 0), oldestCreatedAt: row?.oldest == null ? null : Number(row.oldest) };
  }

  async attemptStats(tenantId: string, fromMs: number, toMs: number, bucketMs: number): Promise<AttemptGroup[]> {
    const { rows: bounds } = await this.pool.query<{ min: string | null; max: string | null }>(
      'SELECT min(id) AS min, max(id) AS max FROM delivery_attempts',
    );
    const b = bounds[0];
    const first = await firstAttemptIdSince(
      fromMs - ATTEMPT_ORDER_SLACK_MS,
      b?.min == null || b.max == null ? null : { min: Number(b.min), max: Number(b.max) },
      async (id) => {
        const { rows } = await this.pool.query<{ id: string; started_at: string }>({
          name: 'tidings_attempt_probe',
          text: 'SELECT id, started_at FROM delivery_attempts WHERE id >= $1 ORDER BY id LIMIT 1',
          values: [id],
        });
        const row = rows[0];
        return row ? { id: Number(row.id), startedAt: Number(row.started_at) } : null;
      },
    );
    if (first === null) return [];
    const { rows } = await this.pool.query<{
      bucket: string;
      outcome: string;
      count: string;
      total: string;
      max: number;
    }>({
      text: `SELECT (started_at - $1) / $2 AS bucket, outcome, count(*) AS count,
                    sum(latency_ms) AS total, max(latency_ms) AS max
               FROM delivery_attempts
              WHERE id >= $3 AND tenant_id = $4 AND started_at >= $1 AND started_at < $5
              GROUP BY 1, 2`,
      values: [fromMs, bucketMs, first, tenantId, toMs],
    });
    return rows.map((r) => ({
      bucket: Number(r.bucket),
      outcome: r.outcome,
      count: Number(r.count),
      totalLatencyMs: Number(r.total),
      maxLatencyMs: Number(r.max),
    }));
  }

  async pruneFinished(beforeMs: number, after: string | null, limit: number): Promise<PruneBatch> {
    // One statement: the head of the primary key, then its finished and expired rows deleted with their
    // attempts. FOR UPDATE SKIP LOCKED leaves a row a worker or requeue holds to the next run.
    const { rows } = await this.pool.query<{
      deliveries: string;
      attempts: string;
      last_id: string | null;
      last_created: string | null;
      looked: string;
      by_tenant: Array<{ tenant_id: string; deliveries: number; attempts: number }>;
    }>({
      text: `WITH head AS (
               SELECT id, status, created_at FROM deliveries WHERE id > $1 ORDER BY id LIMIT $2
             ), doomed AS (
               SELECT d.id FROM deliveries d JOIN head h ON h.id = d.id
               WHERE h.status <> 'pending' AND h.created_at < $3 FOR UPDATE OF d SKIP LOCKED
             ), gone AS (
               DELETE FROM deliveries WHERE id IN (SELECT id FROM doomed) AND status <> 'pending' RETURNING id, tenant_id
             ), attempts AS (
               DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM gone) RETURNING tenant_id
             ), last AS (SELECT id, created_at FROM head ORDER BY id DESC LIMIT 1),
             tallies AS (
               SELECT tenant_id, sum(d)::int AS deliveries, sum(a)::int AS attempts FROM (
                 SELECT tenant_id, 1 AS d, 0 AS a FROM gone UNION ALL SELECT tenant_id, 0, 1 FROM attempts
               ) x GROUP BY tenant_id
             )
             SELECT (SELECT count(*) FROM gone) AS deliveries, (SELECT count(*) FROM attempts) AS attempts,
                    (SELECT count(*) FROM head) AS looked, (SELECT id FROM last) AS last_id,
                    (SELECT created_at FROM last) AS last_created,
                    (SELECT coalesce(json_agg(tallies), '[]') FROM tallies) AS by_tenant`,
      values: [after ?? '', limit, beforeMs],
    });
    const row = rows[0];
    const more = Number(row?.looked ?? 0) === limit && row?.last_created != null && Number(row.last_created) < beforeMs;
    return {
      deliveries: Number(row?.deliveries ?? 0),
      attempts: Number(row?.attempts ?? 0),
      byTenant: Object.fromEntries(
        (row?.by_tenant ?? []).map((t) => [t.tenant_id, { deliveries: t.deliveries, attempts: t.attempts }]),
      ),
      next: more ? (row?.last_id ?? null) : null,
    };
  }
}
