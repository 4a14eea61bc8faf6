import type { StoredEvent } from '../../events/event.js';
import { describeDuration } from '../circuit-breaker.js';
import type { AttemptRecord, DeliveryRecord, DeliveryStatus } from '../delivery.js';
import type { AttemptGroup } from '../delivery-stats.js';
import type { EndpointRecord } from '../endpoint.js';
import type { FanOutEvent } from '../match-endpoints.js';
import type { OperationalIntent } from '../operational-intent.js';
import type { TokenStore } from '../senders/oauth2/token-store.js';

/** Picks, for one event, the endpoints that get a delivery. Pure and synchronous: it runs inside the fan-out transaction. */
export type EndpointMatcher = (
  event: FanOutEvent,
  subjectAttributes: Record<string, unknown> | null,
  endpoints: readonly EndpointRecord[],
) => EndpointRecord[];

export interface LeaseRequest {
  nowMs: number;
  limit: number;
  leaseMs: number;
  /**
   * Leased deliveries per endpoint at most (those already leased count), so
   * one slow endpoint cannot take every slot. A failing endpoint (see
   * `recordHealth`) gets 1: its circuit breaker's probe, whose success closes
   * it again; an endpoint whose breaker is open (`probe_after` in the future)
   * gets none.
   */
  perEndpointCap: number;
  /**
   * Deliveries of this process whose push the endpoint answered 2xx and
   * which wait only for their attempt record. They keep their lease (nobody
   * else may take them), but no request of theirs is open at the endpoint,
   * so a store whose records are slow leaves them out of `perEndpointCap`'s
   * count: on PostgreSQL a record waits ~5–10 ms for its group commit against
   * a push's ~1–2 ms, and counting them bound one receiver to ~64 per record
   * round. SQLite records an answer within the event-loop turn after it and
   * counts them (see its `lease`). A failed push always counts until
   * recorded, so a failing endpoint's probe cannot overlap its breaker's pause.
   */
  answered?: ReadonlySet<string>;
  /**
   * An endpoint that has deliveries leased gets more only once at least this
   * many of its slots are free (an idle one is leased at once). Its slots then
   * refill in a few staggered groups, so sends go out while earlier answers
   * are still being recorded, instead of the whole cap in lockstep.
   */
  minBatch: number;
}

/**
 * A leased delivery with what pushing it reads besides the endpoint, fetched
 * by the lease itself (one statement on PostgreSQL). Both stores fill both
 * fields; a delivery without them (not read) is pushed as before: its event
 * and endpoint read apart.
 */
export interface LeasedDelivery extends DeliveryRecord {
  /** Its event with the render snapshot and trace context; null when the event is no longer stored (retention). */
  event?: StoredEvent | null;
  /**
   * Its endpoint's version (`updated_at` with `failing_since`, the two columns
   * every change moves): lets a dispatcher keep endpoints between leases and
   * re-read only those that changed. Null when the endpoint no longer exists.
   */
  endpointVersion?: string | null;
}

/** A lease taken by the fan-out itself (`DeliveryStore.fanOutLeased`). */
export interface FanOutLeaseRequest extends LeaseRequest {
  /**
   * Endpoints leased to, or answering, this process a moment ago. A fan-out may leave
   * an event in the outbox until such an endpoint has a free slot for it,
   * rather than write its delivery pending for a later lease
   * (`../fan-out-admission.ts`); any other endpoint never holds the outbox up.
   */
  keepsUp: ReadonlySet<string>;
}

/** What `fanOutLeased` did: outbox rows consumed, and the deliveries it leased to the caller. */
export interface FanOutLeased {
  consumed: number;
  leased: LeasedDelivery[];
}

/** What one attempt says about its endpoint (see `recordHealth`). */
export interface HealthReport {
  ok: boolean;
  nowMs: number;
  disableAfterMs: number;
  /** After a failure: the lease skips the endpoint until then (`circuit-breaker.ts`); `null` sets no pause. */
  probeAfter: number | null;
  /**
   * Operational events this report causes, written in its transaction
   * (`../operational-intent.ts`): `always` with the change (failing,
   * recovered), `ifDisabled` only when this call disabled the endpoint.
   * None when the endpoint no longer exists.
   */
  intents?: { always: readonly OperationalIntent[]; ifDisabled: OperationalIntent | null };
}

/** How a try ends for the delivery row; applied only while the caller still holds the lease. */
export type DeliveryUpdate =
  | { status: 'succeeded'; lastError: null }
  | { status: 'failed'; lastError: string }
  | { status: 'pending'; lastError: string; nextAttemptAt: number };

export interface PageRequest {
  status?: string;
  /** Exclusive cursor: rows older than this one. */
  before?: string;
  limit: number;
  /** Only the endpoint's delivery of this event (and, for attempts, that delivery's attempts). */
  eventId?: string;
  /** Attempts only: those of this delivery. */
  deliveryId?: string;
}

/** One batch of retention's pruning of deliveries (see `DeliveryStore.pruneFinished`). */
export interface PruneBatch {
  deliveries: number;
  attempts: number;
  /** The same counts per tenant (tenants with none left out). */
  byTenant: Record<string, { deliveries: number; attempts: number }>;
  /** Where the next batch starts (the last delivery id looked at), or null when the expired region is behind. */
  next: string | null;
}

export type RequeueTarget = { endpointId: string; sinceMs: number; failedOnly: boolean } | { deliveryId: string };

/**
 * Storage of endpoints, deliveries and attempts. Two implementations
 * (SQLite, PostgreSQL) over the main store's database; the tables come from
 * migration 2 (`delivery`); the OAuth 2.0 tokens workers share (`TokenStore`)
 * from migration 12.
 */
export interface DeliveryStore extends TokenStore {
  createEndpoint(endpoint: EndpointRecord): Promise<void>;
  getEndpoint(tenantId: string, id: string): Promise<EndpointRecord | null>;
  listEndpoints(tenantId: string, page: { after?: string; limit: number }): Promise<EndpointRecord[]>;
  /**
   * Replaces every mutable field; false when the endpoint does not exist.
   * `intent` (an operational event the change causes: re-enabled) is written
   * in the same transaction when it does.
   */
  updateEndpoint(endpoint: EndpointRecord, intent?: OperationalIntent | null): Promise<boolean>;
  /** Deletes the endpoint with its deliveries and attempts. */
  deleteEndpoint(tenantId: string, id: string): Promise<boolean>;
  /** `intent` (its `endpoint.disabled`) is written in the same transaction, when the endpoint exists. */
  disableEndpoint(
    tenantId: string,
    id: string,
    reason: string,
    nowMs: number,
    intent?: OperationalIntent | null,
  ): Promise<void>;
  /**
   * Tracks how long an endpoint has been failing and its circuit breaker: a
   * success clears the clock and the pause; a failure starts the clock, sets
   * the pause when `probeAfter` is given and, once the clock has run
   * `disableAfterMs`, disables the endpoint. True when this call disabled it.
   */
  recordHealth(endpointId: string, health: HealthReport): Promise<boolean>;

  /**
   * Takes up to `limit` outbox rows and, in one transaction, creates a pending
   * delivery per matching enabled endpoint and deletes the rows. Returns how
   * many outbox rows were consumed.
   */
  fanOut(limit: number, match: EndpointMatcher, nowMs: number): Promise<number>;
  /**
   * `fanOut` for a dispatcher with free slots: deliveries that can go out
   * now may come back leased to it, with their events, as `lease` returns
   * them; the caller's next `lease` takes the others. PostgreSQL decides in
   * the fan-out transaction (`../fan-out-admission.ts`): such a delivery is
   * written leased, so it needs no lease statement and one row write fewer,
   * and a backlog for an endpoint keeping up waits in the outbox. SQLite
   * leases none here (its leases are in memory: no statement to save).
   */
  fanOutLeased(limit: number, match: EndpointMatcher, request: FanOutLeaseRequest): Promise<FanOutLeased>;
  /**
   * Leases due deliveries of enabled endpoints, oldest first, honouring
   * subject ordering; each comes with its event and its endpoint's version,
   * what the dispatcher reads for a tick (on PostgreSQL one statement where a
   * lease, an endpoint-version read and an events read were three).
   */
  lease(request: LeaseRequest): Promise<LeasedDelivery[]>;
  /**
   * Called when a dispatcher starts: frees leases no live process can hold.
   * SQLite: every lease (one process owns the file, so a lease at start-up is
   * a crashed run's, and waiting for it to expire would only delay recovery).
   * PostgreSQL: none (another worker may be pushing them; they expire).
   */
  releaseOrphanedLeases(): Promise<number>;
  /** Makes due every held delivery (see `HELD`) that no longer has an older pending sibling; returns how many. */
  releaseHeld(nowMs: number): Promise<number>;
  /** Gives a lease back untried (rate limit), due again at `nextAttemptAt`. */
  release(id: string, leaseToken: string, nextAttemptAt: number): Promise<void>;
  /**
   * Stores the attempt and, when the lease still holds, moves the delivery on;
   * then, in the same transaction, `intent` (its `delivery.dead-lettered`).
   */
  recordAttempt(
    attempt: AttemptRecord,
    leaseToken: string,
    update: DeliveryUpdate,
    nowMs: number,
    intent?: OperationalIntent | null,
  ): Promise<boolean>;

  getDelivery(tenantId: string, id: string): Promise<DeliveryRecord | null>;
  /** Newest event first; `before` is the id of the last delivery of the previous page. */
  listDeliveries(tenantId: string, endpointId: string, page: PageRequest): Promise<DeliveryRecord[]>;
  listAttempts(tenantId: string, endpointId: string, page: PageRequest): Promise<AttemptRecord[]>;
  /** Puts deliveries back to pending, due now, with a fresh schedule; returns how many. */
  /** Also ends the endpoint's breaker pause: someone asked for these pushes now. */
  requeue(tenantId: string, target: RequeueTarget, nowMs: number): Promise<number>;
  /**
   * Retention: looks at the `limit` oldest deliveries after the id `after`
   * (ids are time-ordered, so this is a walk of the primary key) and deletes,
   * with their attempts, those finished (succeeded or failed) and created
   * before `beforeMs`. A pending one is kept, however old: it is still being
   * tried. `next` is null once the batch reached a delivery created after
   * `beforeMs` (or the end).
   */
  pruneFinished(beforeMs: number, after: string | null, limit: number): Promise<PruneBatch>;
  /** Pending deliveries and the creation time of the oldest, for the queue metrics. */
  queueStats(): Promise<{ pending: number; oldestCreatedAt: number | null }>;
  /** The same for one tenant's endpoints (`GET /v1/stats/deliveries`). */
  tenantQueueStats(tenantId: string): Promise<{ pending: number; oldestCreatedAt: number | null }>;
  /**
   * The tenant's attempts started in `[fromMs, toMs)`, counted and timed per
   * bucket of `bucketMs` (bucket 0 starts at `fromMs`) and outcome; the
   * aggregation runs in the database, over the window's rows only.
   */
  attemptStats(tenantId: string, fromMs: number, toMs: number, bucketMs: number): Promise<AttemptGroup[]>;
}

export type { AttemptGroup, DeliveryStatus };

/** The reason recorded on an endpoint disabled for failing too long. */
export function failingTooLong(disableAfterMs: number): string {
  return `every attempt failed for ${describeDuration(disableAfterMs)}`;
}
