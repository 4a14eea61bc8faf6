import { randomUUID } from 'node:crypto';
import type { EndpointRecord } from '../delivery/endpoint.js';
import type { EndpointService } from '../delivery/endpoint-service.js';
import type { Sender } from '../delivery/senders/sender.js';
import type { DeliveryStore } from '../delivery/storage/delivery-store.js';
import { notFound, TidingsError, validationError, wrongField } from '../errors/tidings-error.js';
import type { StoredEvent } from '../events/event.js';
import type { PollRequest, PollService } from '../feeds/poll-service.js';
import { loadRenderContexts } from '../feeds/render-contexts.js';
import { type SkippedEvent, skipCodeOf } from '../feeds/skipped-event.js';
import type { FeedStorage } from '../feeds/storage/feed-storage.js';
import { renderSet } from '../formats/set.js';
import type { SetSigner } from '../keys/set-signer.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import {
  controlClaims,
  POLL_DELIVERY_METHOD,
  PUSH_DELIVERY_METHOD,
  planEvents,
  SSF_VERIFICATION_EVENT,
  ssfProfile,
  supportedEvents,
} from './ssf-set.js';
import type { SsfStatus, SsfStorage, SsfStreamRecord } from './storage/ssf-storage.js';

/** What a receiver sends to create, update or replace a stream (SSF 1.0 §8.1.1). */
export interface StreamInput {
  stream_id?: string;
  delivery?: { method: string; endpoint_url?: string; authorization_header?: string };
  events_requested?: string[];
  description?: string;
  /** Create only: the audience the stream's SETs are addressed to (default: the tenant id). */
  aud?: string | string[];
}

export interface SsfServiceDeps {
  issuer: string;
  registry: WorkflowRegistry;
  storage: SsfStorage;
  endpoints: EndpointService;
  deliveries: DeliveryStore;
  polls: PollService;
  feed: FeedStorage;
  signer: SetSigner;
  /** The dispatcher's send step: verification SETs of push streams go out through it (SSRF guard included). */
  sender: Sender;
  clock: () => Date;
  minVerificationIntervalMs: number;
  logger?: { warn: (obj: object, msg: string) => void };
}

/**
 * `probe_after` of a paused push stream's endpoint: the lease skips it while
 * deliveries keep fanning out, so the events wait (SSF: a paused stream holds them).
 */
const PAUSED = 8_640_000_000_000_000;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * OpenID Shared Signals Framework 1.0 stream management over Tidings' own
 * delivery: a push stream (RFC 8935) is an endpoint with `format: set`, a poll
 * stream (RFC 8936) is a poll stream; this service keeps the SSF side (the
 * audience, the requested events, the status) and the verification events.
 */
export class SsfStreamService {
  constructor(private readonly deps: SsfServiceDeps) {}

  /** `events_supported`: every event URI of every workflow this server knows. */
  eventsSupported(): string[] {
    return [...supportedEvents(this.deps.registry, this.deps.issuer).keys()].sort();
  }

  async create(tenantId: string, input: StreamInput): Promise<SsfStreamRecord> {
    const method = methodOf(input.delivery);
    const plan = this.plan(input.events_requested ?? []);
    const id = `ssf_${randomUUID()}`;
    const aud = Array.isArray(input.aud) ? input.aud[0] : input.aud;
    const now = iso(this.deps.clock().getTime());
    const record: SsfStreamRecord = {
      tenantId,
      id,
      method,
      carrierId: '',
      aud: aud ?? tenantId,
      description: input.description ?? null,
      eventsRequested: input.events_requested ?? [],
      status: 'enabled',
      reason: null,
      verifiedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    if (method === 'push') {
      const endpoint = await this.deps.endpoints.create(
        tenantId,
        {
          url: pushUrl(input.delivery),
          format: 'set',
          eventTypes: plan.types,
          workflows: plan.workflows,
          description: `OpenID Shared Signals stream ${id}`,
          ...authOf(input.delivery),
        },
        { ssfAudience: record.aud },
      );
      record.carrierId = endpoint.id;
    } else {
      const stream = await this.deps.polls.create(tenantId, {
        name: id,
        eventTypes: plan.types,
        workflows: plan.workflows,
      });
      record.carrierId = stream.id;
    }
    await this.deps.storage.createStream(record);
    return record;
  }

  async get(tenantId: string, id: string): Promise<SsfStreamRecord> {
    const stream = await this.deps.storage.getStream(tenantId, id);
    if (!stream) throw notFound(`stream ${id}`, 'stream_id');
    return stream;
  }

  list(tenantId: string): Promise<SsfStreamRecord[]> {
    return this.deps.storage.listStreams(tenantId);
  }

  /**
   * PATCH (`replace` false: absent fields stay) or PUT (`replace` true: the
   * body is the whole configuration). The delivery method cannot change.
   */
  async update(tenantId: string, input: StreamInput, replace: boolean): Promise<SsfStreamRecord> {
    if (input.stream_id === undefined) throw wrongField('stream_id', 'stream_id is required');
    const current = await this.get(tenantId, input.stream_id);
    if (replace && input.delivery === undefined) throw wrongField('delivery', 'a replacement names its delivery');
    if (input.delivery !== undefined && methodOf(input.delivery) !== current.method) {
      throw wrongField('delivery.method', 'the delivery method of a stream cannot change; create another stream');
    }
    const eventsRequested = input.events_requested ?? (replace ? [] : current.eventsRequested);
    const plan = this.plan(eventsRequested);
    const next: SsfStreamRecord = {
      ...current,
      eventsRequested,
      description: input.description ?? (replace ? null : current.description),
      updatedAt: iso(this.deps.clock().getTime()),
    };
    if (current.method === 'push') {
      const delivery = input.delivery;
      await this.deps.endpoints.update(tenantId, current.carrierId, {
        eventTypes: plan.types,
        workflows: plan.workflows,
        ...(delivery?.endpoint_url !== undefined ? { url: pushUrl(delivery) } : {}),
        ...(delivery && (replace || delivery.authorization_header !== undefined) ? authOf(delivery) : {}),
      });
      // `update` clears the breaker: a paused stream's endpoint stays held.
      if (current.status === 'paused') await this.holdEndpoint(tenantId, current.carrierId, true);
    } else {
      // A poll stream's filter is fixed at creation: a new filter is a new poll stream from now on.
      const changed = JSON.stringify(plan.delivered) !== JSON.stringify(this.plan(current.eventsRequested).delivered);
      if (changed) next.carrierId = await this.replacePollCarrier(current, plan);
    }
    if (!(await this.deps.storage.updateStream(next))) throw notFound(`stream ${current.id}`, 'stream_id');
    return next;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const stream = await this.get(tenantId, id);
    await this.deps.storage.deleteStream(tenantId, id);
    try {
      if (stream.method === 'push') await this.deps.endpoints.remove(tenantId, stream.carrierId);
      else await this.deps.polls.delete(tenantId, stream.carrierId);
    } catch (error) {
      // Removed by hand through /v1/endpoints or /v1/streams already: nothing left to do.
      if (!(error instanceof TidingsError && error.code === 'not_found')) throw error;
    }
  }

  /**
   * SSF 1.0 §8.1.2. enabled: events flow. paused: events are held (a push
   * stream's endpoint is skipped by the lease while its deliveries queue; a
   * poll stream answers no events while its cursor stays). disabled: events
   * are not held (the push endpoint is disabled, so fan-out skips it; a poll
   * stream leaving `disabled` starts again from the log's end).
   */
  async setStatus(tenantId: string, id: string, status: SsfStatus, reason: string | null): Promise<SsfStreamRecord> {
    const current = await this.get(tenantId, id);
    const next: SsfStreamRecord = { ...current, status, reason, updatedAt: iso(this.deps.clock().getTime()) };
    if (current.method === 'push') {
      if (status === 'disabled') {
        await this.deps.endpoints.update(tenantId, current.carrierId, { enabled: false });
      } else {
        await this.deps.endpoints.update(tenantId, current.carrierId, { enabled: true });
        await this.holdEndpoint(tenantId, current.carrierId, status === 'paused');
      }
    } else if (current.status === 'disabled' && status !== 'disabled') {
      next.carrierId = await this.replacePollCarrier(current, this.plan(current.eventsRequested));
    }
    if (!(await this.deps.storage.updateStream(next))) throw notFound(`stream ${id}`, 'stream_id');
    return next;
  }

  /**
   * SSF 1.0 §8.1.4: answers at once; the verification SET follows over the
   * stream (pushed in the background, or waiting for the next poll).
   * Requests closer together than `min_verification_interval` are 429.
   */
  async requestVerification(tenantId: string, id: string, state: string | undefined): Promise<void> {
    const stream = await this.get(tenantId, id);
    const nowMs = this.deps.clock().getTime();
    const claimed = await this.deps.storage.claimVerification(
      tenantId,
      id,
      iso(nowMs),
      iso(nowMs - this.deps.minVerificationIntervalMs),
    );
    if (!claimed) {
      const seconds = Math.ceil(this.deps.minVerificationIntervalMs / 1000);
      throw new TidingsError('rate_limited', `at most one verification request every ${seconds} s per stream`, {
        target: 'stream_id',
        headers: { 'retry-after': String(seconds) },
      });
    }
    const jti = randomUUID();
    const signingKey = await this.deps.signer.keyFor('ssf');
    const claims = controlClaims({
      jti,
      issuer: this.deps.issuer,
      aud: stream.aud,
      streamId: stream.id,
      nowMs,
      event: SSF_VERIFICATION_EVENT,
      payload: state === undefined ? {} : { state },
    });
    const jws = await this.deps.signer.signClaims(
      { typ: 'secevent+jwt', alg: signingKey.alg, kid: signingKey.kid },
      claims,
    );
    if (stream.method === 'poll') {
      await this.deps.storage.addControlSet(tenantId, stream.id, { jti, jws }, iso(nowMs));
      return;
    }
    this.pushControlSet(tenantId, stream, jti, jws).catch((error: unknown) =>
      this.deps.logger?.warn({ streamId: stream.id, jti, err: error }, 'SSF verification event not sent'),
    );
  }

  /** RFC 8936 poll of an SSF poll stream: its control SETs first, then its events, signed in the SSF profile. */
  async poll(
    tenantId: string,
    id: string,
    request: PollRequest,
    signal?: AbortSignal,
  ): Promise<{ sets: Record<string, string>; moreAvailable: boolean; skipped?: SkippedEvent[] }> {
    const stream = await this.get(tenantId, id);
    if (stream.method !== 'poll') throw wrongField('stream_id', `stream ${id} is a push stream`);
    const settled = [...(request.ack ?? []), ...Object.keys(request.setErrs ?? {})];
    await this.deps.storage.settleControlSets(tenantId, id, settled);
    const maxEvents = request.maxEvents ?? 100;
    const control = await this.deps.storage.controlSets(tenantId, id, maxEvents);
    const flowing = stream.status === 'enabled';
    const { events, moreAvailable } = await this.deps.polls.pollEvents(
      tenantId,
      stream.carrierId,
      {
        ...request,
        maxEvents: flowing ? maxEvents - control.length : 0,
        returnImmediately: request.returnImmediately === true || control.length > 0,
      },
      signal,
    );
    const sets: Record<string, string> = {};
    for (const c of control) sets[c.jti] = c.jws;
    const { signed, skipped } = await this.sign(tenantId, stream, events);
    for (const e of events) {
      const jws = signed.get(e.id);
      if (jws !== undefined) sets[e.id] = jws;
    }
    // A SET that cannot be made never will be: settled now, or it would head every poll of the stream.
    if (skipped.length > 0) await this.deps.polls.settleUnsignable(tenantId, stream.carrierId, skipped);
    return {
      sets,
      moreAvailable: moreAvailable || control.length >= maxEvents,
      ...(skipped.length > 0 ? { skipped } : {}),
    };
  }

  /** The `delivery` of a stream as SSF shows it. */
  async deliveryOf(stream: SsfStreamRecord): Promise<{ method: string; endpoint_url: string }> {
    if (stream.method === 'poll') {
      return { method: POLL_DELIVERY_METHOD, endpoint_url: pollUrl(this.deps.issuer, stream.id) };
    }
    const endpoint = await this.deps.deliveries.getEndpoint(stream.tenantId, stream.carrierId);
    return { method: PUSH_DELIVERY_METHOD, endpoint_url: endpoint?.url ?? '' };
  }

  /** `events_delivered` of a stream. */
  eventsDelivered(stream: SsfStreamRecord): string[] {
    const plan = planEvents(stream.eventsRequested, supportedEvents(this.deps.registry, this.deps.issuer));
    return plan.ok ? plan.delivered : [];
  }

  private plan(requested: readonly string[]) {
    const plan = planEvents(requested, supportedEvents(this.deps.registry, this.deps.issuer));
    if (!plan.ok) throw wrongField('events_requested', plan.message);
    if (plan.delivered.length === 0) {
      throw wrongField('events_requested', 'events_requested names none of events_supported');
    }
    return plan;
  }

  private async replacePollCarrier(
    stream: SsfStreamRecord,
    plan: { workflows: string[]; types: string[] },
  ): Promise<string> {
    await this.deps.polls.delete(stream.tenantId, stream.carrierId).catch(() => {});
    const created = await this.deps.polls.create(stream.tenantId, {
      name: `${stream.id}.${randomUUID().slice(0, 8)}`,
      eventTypes: plan.types,
      workflows: plan.workflows,
    });
    return created.id;
  }

  private async holdEndpoint(tenantId: string, endpointId: string, hold: boolean): Promise<void> {
    const endpoint = await this.deps.deliveries.getEndpoint(tenantId, endpointId);
    if (!endpoint) throw notFound(`endpoint ${endpointId}`);
    const next: EndpointRecord = {
      ...endpoint,
      probeAfter: hold ? PAUSED : null,
      // the endpoint's version for other processes' caches moves with every change
      updatedAt: Math.max(this.deps.clock().getTime(), endpoint.updatedAt + 1),
    };
    await this.deps.deliveries.updateEndpoint(next);
  }

  /**
   * Each event's SET in the SSF profile, signed by its issuer's key (a FIT-Connect destination's
   * for the events its receiving system records). An event that cannot be rendered or signed is
   * left out and reported in `skipped`, as the feed's own polls do.
   */
  private async sign(
    tenantId: string,
    stream: SsfStreamRecord,
    events: StoredEvent[],
  ): Promise<{ signed: Map<string, string>; skipped: SkippedEvent[] }> {
    const signed = new Map<string, string>();
    const skipped: SkippedEvent[] = [];
    if (events.length === 0) return { signed, skipped };
    const contexts = await loadRenderContexts(this.deps.feed, tenantId, events, this.deps.issuer);
    await Promise.all(
      contexts.map(async (ctx) => {
        try {
          const signingKey = await this.deps.signer.keyFor(ctx.event.workflow, {
            tenantId,
            destinationId: ctx.eventIssuer,
          });
          const token = renderSet({ ...ctx, signingKey });
          signed.set(
            ctx.event.id,
            await this.deps.signer.signClaims(token.header, ssfProfile(token.claims, stream.aud)),
          );
        } catch (error) {
          skipped.push({ eventId: ctx.event.id, code: skipCodeOf(error) });
        }
      }),
    );
    return { signed, skipped };
  }

  private async pushControlSet(tenantId: string, stream: SsfStreamRecord, jti: string, jws: string): Promise<void> {
    const endpoint = await this.deps.deliveries.getEndpoint(tenantId, stream.carrierId);
    if (!endpoint) return;
    const result = await this.deps.sender.send(
      {
        url: new URL(endpoint.url),
        body: jws,
        headers: {
          'content-type': 'application/secevent+jwt',
          accept: 'application/json',
          'user-agent': 'Tidings-Webhooks/1',
          ...(endpoint.auth.type === 'header' ? { [endpoint.auth.name.toLowerCase()]: endpoint.auth.value } : {}),
        },
      },
      endpoint,
    );
    const ok =
      result.kind === 'published' || (result.kind === 'response' && result.status >= 200 && result.status < 300);
    if (!ok) {
      const detail =
        result.kind === 'response' ? `HTTP ${result.status}` : result.kind === 'error' ? result.message : '';
      this.deps.logger?.warn({ streamId: stream.id, jti, detail }, 'SSF verification event not accepted');
    }
  }
}

function methodOf(delivery: StreamInput['delivery']): 'push' | 'poll' {
  if (delivery === undefined || delivery.method === POLL_DELIVERY_METHOD) return 'poll';
  if (delivery.method === PUSH_DELIVERY_METHOD) return 'push';
  throw wrongField('delivery.method', `delivery.method must be ${PUSH_DELIVERY_METHOD} or ${POLL_DELIVERY_METHOD}`);
}

function pushUrl(delivery: StreamInput['delivery']): string {
  const url = delivery?.endpoint_url;
  if (url === undefined) throw wrongField('delivery.endpoint_url', 'a push stream needs delivery.endpoint_url');
  return url;
}

/** RFC 8935 §2.1: the receiver's `authorization_header` goes with every push, as a header auth. */
function authOf(delivery: StreamInput['delivery']) {
  const value = delivery?.authorization_header;
  if (value === undefined) return { auth: { type: 'standard-webhooks' as const } };
  if (value === '' || /[\r\n]/.test(value)) {
    throw validationError([{ field: 'delivery.authorization_header', message: 'must be one line of text' }]);
  }
  return { auth: { type: 'header' as const, name: 'Authorization', value } };
}

/** Where a poll stream's receiver polls (SSF `delivery.endpoint_url` of method RFC 8936). */
export function pollUrl(issuer: string, streamId: string): string {
  return `${issuer.replace(/\/+$/, '')}/v1/ssf/poll/${streamId}`;
}
