import type { StoredEvent } from '../events/event.js';
import type { RenderContext } from '../formats/render-context.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { Store } from '../storage/store.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import { type DeliverDeps, deliverOne } from './deliver-one.js';
import type { DeliveryRecord } from './delivery.js';
import type { EndpointRecord } from './endpoint.js';
import { KEEPS_UP_MS } from './fan-out-admission.js';
import type { AllowedRange } from './ip-classification.js';
import { matchEndpoints } from './match-endpoints.js';
import type { OperationalEvents } from './operational-events.js';
import { contextKey, type RenderContexts, type SetSigner } from './prepare-push.js';
import { PushClient } from './push-client.js';
import { RateLimiter } from './rate-limiter.js';
import { OAuth2Sender } from './senders/oauth2/oauth2-sender.js';
import type { Sender } from './senders/sender.js';
import { brokerSenders, SenderByType } from './senders/sender-by-type.js';
import type { ResolveAll } from './ssrf-guard.js';
import type { DeliveryStore, LeasedDelivery, LeaseRequest } from './storage/delivery-store.js';
import { sendTestPush, type TestPushResult } from './test-push.js';
import { TransformRunner } from './transform/transform-runner.js';

export interface DispatcherOptions {
  /** Idle wait between polls; a commit nudges the dispatcher sooner. */
  pollIntervalMs: number;
  /**
   * Idle wait while commits of other processes wake this one (PostgreSQL
   * LISTEN, `setListening(true)`); default 5 × `pollIntervalMs` (1 s). The
   * poll then only serves retries falling due, rate-limited and released
   * deliveries and a missed notification, so it is ~5× less idle load per
   * worker while a retry is late by at most 1 s (within its ±20% jitter from
   * the 5 s first step on) and a new event's latency does not depend on it.
   */
  listeningPollIntervalMs?: number;
  /** Outbox rows fanned out per transaction. */
  fanOutBatch: number;
  /** Pushes in flight in this process at most. */
  maxInFlight: number;
  /**
   * Requests open per endpoint at most (leased deliveries count until answered
   * 2xx, failed ones until recorded), so a slow endpoint cannot take every slot.
   */
  perEndpointConcurrency: number;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  /** How long a leased delivery is reserved; after that another worker retakes it (the first one crashed). */
  leaseMarginMs: number;
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterFailingMs: number;
  /**
   * A tick with work runs right after this turn's I/O (`setImmediate`)
   * instead of after a zero timeout (~1 ms). Where a tick is a few in-process
   * statements (SQLite) the gap only idles the push slots; where it is
   * several round trips (PostgreSQL) the gap lets commits of one process
   * coalesce into fewer ticks: on with PostgreSQL, one process at 1,000
   * transitions/s had a higher p99 (~230 against ~160 ms, medians of 8 noisy
   * runs), so `createRuntime` turns it on for SQLite only.
   */
  immediateTicks: boolean;
}

/**
 * An endpoint's slots refill in groups of a quarter of its cap (`minBatch` of
 * the lease). Refilling all 64 at once kept one receiver's pushes in
 * lockstep: the event loop sat idle 19% while each batch was answered. In
 * groups of 16, with `immediateTicks`: bench `push`, one receiver, SQLite,
 * ~8,800–9,500 → ~10,100–10,400 deliveries/s (prefilled deliveries,
 * interleaved runs; bench/RESULTS.md). Groups alone, or immediate ticks alone, did not gain:
 * the one kept the lockstep, the other leased a few rows a tick.
 */
const REFILL_GROUPS = 4;

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  pollIntervalMs: 200,
  fanOutBatch: 500,
  maxInFlight: 256,
  // Also the socket count of the endpoint's undici Agent (push-client.ts).
  // 64 in flight, as the baselines of bench `push` run; one loopback
  // receiver, SQLite: 16 → 32 took 1,773 → 2,245 deliveries/s, 32 → 64
  // ~3,900 → ~4,400 (after the batched render contexts).
  perEndpointConcurrency: 64,
  connectTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
  leaseMarginMs: 15_000,
  disableAfterFailingMs: 5 * 24 * 3_600_000,
  immediateTicks: false,
};

export interface DispatcherDeps {
  store: Store;
  deliveries: DeliveryStore;
  registry: WorkflowRegistry;
  metrics: Metrics;
  clock: () => Date;
  issuer: string;
  retrySchedule: readonly number[];
  allowInsecureEndpoints: boolean;
  /** Non-public ranges the operator lets endpoints reach (`allowedEndpointRanges`). */
  allowedRanges?: ReadonlyArray<AllowedRange>;
  random?: () => number;
  resolveAll?: ResolveAll;
  setSigner?: SetSigner;
  /** The send step; by default one for every endpoint type with the options' timeouts (`defaultSender`). */
  sender?: Sender;
  /** Records the `operational` workflow's events about endpoints and deliveries. */
  operational?: OperationalEvents;
  /** Runs endpoints' transformations; by default two worker threads started on first use. */
  transforms?: TransformRunner;
  /** `TIDINGS_PUSH_PROXY`: HTTP pushes leave through this CONNECT proxy unless their endpoint names another. */
  pushProxy?: string | null;
  /**
   * The render contexts of many events of a tenant at once, one per event in
   * order (the feed's batched loader: no reads for events with a render
   * snapshot); without it each push reads its event, subject and certificates.
   */
  renderContexts?: (tenantId: string, events: readonly StoredEvent[]) => Promise<RenderContext[]>;
  onError?: (error: unknown) => void;
  options?: Partial<DispatcherOptions>;
  /** Tracing on: a span per attempt (`deliver-one.ts`). */
  tracing?: Tracing | null;
}

/**
 * The leased deliveries, those of healthy endpoints first: a tick that also
 * starts a wave of probes (100 endpoints whose pushes timed out together)
 * would otherwise open their connections ahead of a healthy endpoint's push.
 * Bench `isolation`, 100 timing out, 3 pairs: commit → healthy send p90
 * 3.4 → 2.5–2.9 ms (its p99 within noise).
 */
export function healthyFirst(
  leased: readonly DeliveryRecord[],
  endpoints: Map<string, EndpointRecord>,
): readonly DeliveryRecord[] {
  const failing = (d: DeliveryRecord) => (endpoints.get(d.endpointId)?.failingSince ?? null) !== null;
  if (!leased.some(failing)) return leased;
  return [...leased.filter((d) => !failing(d)), ...leased.filter(failing)];
}

/**
 * The delivery engine of one process. Each tick: fan the outbox out into
 * deliveries, then lease due deliveries (with their events) up to the free
 * in-flight slots and push each (prepare → send → record, `deliver-one.ts`).
 * States:
 *   stopped → running (start) → draining (stop: no new leases, in-flight pushes finish) → stopped.
 */
export class Dispatcher {
  private readonly options: DispatcherOptions;
  private readonly deliverDeps: DeliverDeps;
  private readonly limiter = new RateLimiter();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Deliveries answered 2xx and waiting for their record (`LeaseRequest.answered`). */
  private readonly answered = new Set<string>();
  private state: 'stopped' | 'running' | 'draining' = 'stopped';
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private ticking = false;
  private tickAgain = false;
  private lastRepairAt = 0;
  /** Endpoints read for earlier leases, with their version (see `endpointsOf`). */
  private readonly endpointCache = new Map<string, { version: string; endpoint: EndpointRecord }>();
  /** Endpoints that had deliveries leased lately, with when (see `fairShare`). */
  private readonly recentEndpoints = new Map<string, number>();
  private listening = false;
  /** When each endpoint was last leased to this process or answered one of its pushes 2xx (see `keepingUp`). */
  private readonly lastHeard = new Map<string, number>();

  constructor(private readonly deps: DispatcherDeps) {
    this.options = { ...DEFAULT_DISPATCHER_OPTIONS, ...deps.options };
    this.deliverDeps = {
      store: deps.store,
      registry: deps.registry,
      issuer: deps.issuer,
      setSigner: deps.setSigner,
      transforms: deps.transforms ?? new TransformRunner(),
      ...(deps.operational ? { operational: deps.operational } : {}),
      deliveries: deps.deliveries,
      sender: deps.sender ?? this.defaultSender(),
      retrySchedule: deps.retrySchedule,
      clock: deps.clock,
      random: deps.random ?? Math.random,
      metrics: deps.metrics,
      disableAfterFailingMs: this.options.disableAfterFailingMs,
      tracing: deps.tracing ?? null,
    };
  }

  /** The send step every push of this dispatcher goes through (SSF control SETs use it too: `src/signals`). */
  get sender(): Sender {
    return this.deliverDeps.sender;
  }

  /** HTTP through the push client, brokers through theirs, all with the dispatcher's timeouts. */
  private defaultSender(): Sender {
    const timeouts = { connectTimeoutMs: this.options.connectTimeoutMs, totalTimeoutMs: this.options.totalTimeoutMs };
    const http = new PushClient({
      allowInsecure: this.deps.allowInsecureEndpoints,
      ...timeouts,
      connectionsPerEndpoint: this.options.perEndpointConcurrency,
      ...(this.deps.resolveAll ? { resolveAll: this.deps.resolveAll } : {}),
      ...(this.deps.allowedRanges ? { allowedRanges: this.deps.allowedRanges } : {}),
      proxy: this.deps.pushProxy ?? null,
    });
    const clock = () => this.deps.clock().getTime();
    const resolveAll = this.deps.resolveAll ? { resolveAll: this.deps.resolveAll } : {};
    const oauth2 = new OAuth2Sender(http, {
      allowInsecure: this.deps.allowInsecureEndpoints,
      ...timeouts,
      clock,
      ...resolveAll,
      ...(this.deps.allowedRanges ? { allowedRanges: this.deps.allowedRanges } : {}),
      tokens: this.deps.deliveries,
      proxy: this.deps.pushProxy ?? null,
    });
    const brokers = brokerSenders({
      ...timeouts,
      allowInsecure: this.deps.allowInsecureEndpoints,
      ...resolveAll,
      ...(this.deps.allowedRanges ? { allowedRanges: this.deps.allowedRanges } : {}),
    });
    return new SenderByType({ http: oauth2, ...brokers });
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.state = 'running';
    this.ticking = true; // the first tick waits for the lease recovery
    this.deps.deliveries
      .releaseOrphanedLeases()
      .catch((error: unknown) => this.deps.onError?.(error))
      .finally(() => {
        this.ticking = false;
        this.nudge();
      });
  }

  /** One signed test push to `endpoint` through this process's sender; nothing is recorded. */
  sendTest(endpoint: EndpointRecord): Promise<TestPushResult> {
    return sendTestPush(this.deliverDeps.sender, endpoint, this.deps.clock().getTime());
  }

  /** Asks for a tick soon (new events committed, a push finished). */
  nudge(): void {
    if (this.state !== 'running') return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.schedule(0);
  }

  /** Told whether commits of other processes wake this dispatcher (then it polls less often). */
  setListening(listening: boolean): void {
    this.listening = listening;
  }

  /** Stops leasing and waits for the pushes in flight, so a graceful shutdown loses no attempt record. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'draining';
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    while (this.ticking || this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.ticking) await new Promise((r) => setTimeout(r, 5));
    }
    await this.deliverDeps.sender.close();
    await this.deliverDeps.transforms?.close();
    this.state = 'stopped';
  }

  /** The next tick: right after this turn's I/O (see `immediateTicks`) or after `delayMs`. */
  private schedule(delayMs: number): void {
    if (this.immediate) return; // a tick is coming right away
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (delayMs === 0 && this.options.immediateTicks) {
      this.immediate = setImmediate(() => {
        this.immediate = null;
        void this.tick();
      });
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    if (this.state !== 'running' || this.ticking) return;
    this.ticking = true;
    this.tickAgain = false;
    let busy = false;
    try {
      busy = await this.fanOutAndPush();
      busy = (await this.leaseAndPush()) || busy;
      await this.repairHeld();
    } catch (error) {
      this.deps.onError?.(error);
    } finally {
      this.ticking = false;
    }
    if (this.state === 'running') this.schedule(busy || this.tickAgain ? 0 : this.idleWaitMs());
  }

  private idleWaitMs(): number {
    if (!this.listening) return this.options.pollIntervalMs;
    return this.options.listeningPollIntervalMs ?? 5 * this.options.pollIntervalMs;
  }

  /** Fans the outbox out; what the store leases to this process on the way goes out at once. */
  private async fanOutAndPush(): Promise<boolean> {
    const now = this.deps.clock().getTime();
    const { consumed, leased } = await this.deps.deliveries.fanOutLeased(this.options.fanOutBatch, matchEndpoints, {
      ...this.leaseRequest(now),
      keepsUp: this.keepingUp(now),
    });
    await this.pushLeased(leased, now);
    return consumed > 0;
  }

  /** Leases due deliveries up to the free slots and pushes them. */
  private async leaseAndPush(): Promise<boolean> {
    const now = this.deps.clock().getTime();
    const request = this.leaseRequest(now);
    if (request.limit <= 0) return false;
    // The lease brings each delivery's event and its endpoint's version: one statement on PostgreSQL.
    const leased = await this.deps.deliveries.lease(request);
    await this.pushLeased(leased, now);
    return leased.length > 0 && leased.length === request.limit;
  }

  /** A lease of this process's free slots, with each endpoint's fair share of them. */
  private leaseRequest(now: number): LeaseRequest {
    const cap = this.fairShare(now);
    return {
      nowMs: now,
      limit: Math.max(0, this.options.maxInFlight - this.inFlight.size),
      leaseMs: this.options.totalTimeoutMs + this.options.leaseMarginMs,
      perEndpointCap: cap,
      minBatch: Math.ceil(cap / REFILL_GROUPS),
      answered: this.answered,
    };
  }

  /**
   * Endpoints leased to this process or answering its pushes within
   * `KEEPS_UP_MS`: the fan-out may wait for their slots
   * (`FanOutLeaseRequest.keepsUp`). One that stops answering drops out
   * `KEEPS_UP_MS` after its last lease or answer.
   */
  private keepingUp(now: number): Set<string> {
    const keepsUp = new Set<string>();
    for (const [id, at] of this.lastHeard) {
      if (now - at <= KEEPS_UP_MS) keepsUp.add(id);
      else this.lastHeard.delete(id);
    }
    return keepsUp;
  }

  private async pushLeased(leased: readonly LeasedDelivery[], now: number): Promise<void> {
    if (leased.length === 0) return;
    for (const delivery of leased) {
      this.recentEndpoints.set(delivery.endpointId, now);
      this.lastHeard.set(delivery.endpointId, now);
    }
    const endpoints = await this.endpointsOf(leased);
    const contexts = await this.contextsOf(leased);
    for (const delivery of healthyFirst(leased, endpoints)) {
      const endpoint = endpoints.get(delivery.endpointId);
      if (!endpoint) continue; // deleted meanwhile: its deliveries went with it
      const wait = this.limiter.take(endpoint.id, endpoint.rateLimit, now);
      if (wait > 0) {
        await this.deps.deliveries.release(delivery.id, delivery.leaseToken ?? '', now + wait);
        continue;
      }
      this.push(delivery, endpoint, contexts);
    }
  }

  /**
   * The endpoints of a lease: their versions came with it, and an endpoint is
   * read only when it is new to this dispatcher or changed since. Reading each
   * one per lease was ~6% of push CPU with 100 endpoints (SQLite, CPU
   * profile), and a round trip per endpoint on PostgreSQL. Deleted endpoints
   * are absent.
   */
  private async endpointsOf(leased: readonly LeasedDelivery[]): Promise<Map<string, EndpointRecord>> {
    const endpoints = new Map<string, EndpointRecord>();
    const seen = new Set<string>();
    for (const delivery of leased) {
      const version = delivery.endpointVersion;
      const id = delivery.endpointId;
      if (seen.has(id)) continue;
      seen.add(id);
      const cached = this.endpointCache.get(id);
      if (version === null) {
        this.endpointCache.delete(id);
      } else if (version !== undefined && cached?.version === version) {
        endpoints.set(id, cached.endpoint);
      } else {
        const endpoint = await this.deps.deliveries.getEndpoint(delivery.tenantId, id);
        if (endpoint) {
          // read after the version: at worst newer than it, and read again next time
          if (version !== undefined) this.endpointCache.set(id, { version, endpoint });
          endpoints.set(id, endpoint);
        }
      }
    }
    return endpoints;
  }

  /**
   * The render contexts of a lease, from the events it brought: an event's
   * render snapshot is all a renderer needs, so this reads nothing for events
   * written since snapshots exist (`renderContexts` reads the subjects of older
   * ones, a few queries per tenant). An event no longer stored gets null (the
   * push fails as permanent). Without `renderContexts`, or when it fails, each
   * push loads its own context.
   */
  private async contextsOf(leased: readonly LeasedDelivery[]): Promise<RenderContexts> {
    const contexts: RenderContexts = new Map();
    const load = this.deps.renderContexts;
    if (!load) return contexts;
    const byTenant = new Map<string, StoredEvent[]>();
    const seen = new Set<string>();
    for (const delivery of leased) {
      const { event } = delivery;
      const key = contextKey(delivery.tenantId, delivery.eventId);
      if (event === undefined || seen.has(key)) continue; // not read with the lease: the push loads it
      seen.add(key);
      if (event === null) {
        contexts.set(key, Promise.resolve(null));
        continue;
      }
      const events = byTenant.get(delivery.tenantId) ?? [];
      events.push(event);
      byTenant.set(delivery.tenantId, events);
    }
    try {
      for (const [tenantId, events] of byTenant) {
        for (const ctx of await load(tenantId, events)) {
          contexts.set(contextKey(tenantId, ctx.event.id), Promise.resolve(ctx));
        }
      }
    } catch (error) {
      contexts.clear();
      this.deps.onError?.(error);
    }
    return contexts;
  }

  /**
   * Per-endpoint cap for this lease: `perEndpointConcurrency`, but no more
   * than an equal share of the in-flight slots among the endpoints that had
   * work in the last 10 s (at least 2). Without it, endpoints that never
   * answer fill every slot until their timeouts and a healthy endpoint
   * waits: bench `isolation` (100 failing endpoints, 1 s timeouts) healthy
   * p99 845 ms → see bench/RESULTS.md.
   */
  private fairShare(now: number): number {
    for (const [id, at] of this.recentEndpoints) if (now - at > 10_000) this.recentEndpoints.delete(id);
    const share = Math.floor(this.options.maxInFlight / Math.max(1, this.recentEndpoints.size));
    return Math.min(this.options.perEndpointConcurrency, Math.max(2, share));
  }

  private push(delivery: DeliveryRecord, endpoint: EndpointRecord, contexts?: RenderContexts): void {
    const onAnswered = () => {
      this.answered.add(delivery.id);
      this.lastHeard.set(delivery.endpointId, this.deps.clock().getTime());
    };
    const task = deliverOne(this.deliverDeps, delivery, endpoint, { contexts, onAnswered })
      .catch((error: unknown) => this.deps.onError?.(error))
      .finally(() => {
        this.inFlight.delete(task);
        this.answered.delete(delivery.id);
        this.nudge();
      });
    this.inFlight.add(task);
  }

  /**
   * Once a second: repair held deliveries whose release was missed (a race
   * on PostgreSQL, see `releaseHeld`). The queue gauges are read when
   * `/metrics` is scraped (`Metrics.watchDeliveryQueue`).
   */
  private async repairHeld(): Promise<void> {
    const now = this.deps.clock().getTime();
    if (now - this.lastRepairAt < 1000) return;
    this.lastRepairAt = now;
    await this.deps.deliveries.releaseHeld(now);
  }
}
