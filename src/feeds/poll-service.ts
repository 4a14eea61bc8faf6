import { randomUUID } from 'node:crypto';
import { notFound, TidingsError } from '../errors/tidings-error.js';
import type { StoredEvent } from '../events/event.js';
import type { EventSets } from './event-sets.js';
import { normaliseType } from './query-params.js';
import type { SkippedEvent } from './skipped-event.js';
import type { RecordedSetError, SetError, StreamRecord, StreamStorage } from './storage/stream-storage.js';

export interface CreateStreamInput {
  name: string;
  eventTypes?: string[];
  workflows?: string[];
  /** `now` (default): only events recorded after creation; `beginning`: the whole retained log. */
  startAt?: 'now' | 'beginning';
}

export interface PollRequest {
  maxEvents?: number;
  returnImmediately?: boolean;
  ack?: string[];
  setErrs?: Record<string, { err: string; description: string }>;
}

export interface PollResponse {
  sets: Record<string, string>;
  moreAvailable: boolean;
  /** Present only when pending events were left out (no SET could be made of them); they leave the pending set. */
  skipped?: SkippedEvent[];
}

export interface PollServiceDeps {
  streams: StreamStorage;
  sets: EventSets;
  clock: () => Date;
  /** Longest wait of a long poll with nothing to return (default 30 s, under common proxy idle timeouts of 60 s). */
  longPollMs?: number;
  /** How often a waiting long poll looks for new events (default 200 ms: at most 5 cheap queries/s per waiting poller). */
  checkEveryMs?: number;
}

const DEFAULT_MAX_EVENTS = 100;

/**
 * RFC 8936 poll delivery. A stream's SETs stay pending from the poll that
 * returns them until a later poll acknowledges them (`ack`) or reports them
 * failed (`setErrs`); every poll returns the oldest pending ones first, so an
 * unacknowledged SET comes back.
 */
export class PollService {
  private readonly closing = new AbortController();

  constructor(private readonly deps: PollServiceDeps) {}

  async create(tenantId: string, input: CreateStreamInput): Promise<StreamRecord> {
    const stream: StreamRecord = {
      tenantId,
      id: `str_${randomUUID()}`,
      name: input.name,
      eventTypes: input.eventTypes ? [...new Set(input.eventTypes.map(normaliseType))] : null,
      workflows: input.workflows ? [...new Set(input.workflows)] : null,
      cursorSequence: input.startAt === 'beginning' ? 0 : await this.deps.streams.lastSequence(tenantId),
      createdAt: this.deps.clock().toISOString(),
    };
    if (!(await this.deps.streams.createStream(stream))) {
      throw new TidingsError('conflict', `a stream named ${input.name} exists`, { target: 'name' });
    }
    return stream;
  }

  async get(tenantId: string, id: string): Promise<StreamRecord> {
    const stream = await this.deps.streams.getStream(tenantId, id);
    if (!stream) throw notFound(`stream ${id}`);
    return stream;
  }

  list(tenantId: string): Promise<StreamRecord[]> {
    return this.deps.streams.listStreams(tenantId);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.deps.streams.deleteStream(tenantId, id))) throw notFound(`stream ${id}`);
  }

  /** The newest setErrs a poller reported for this stream's SETs (at most `limit`). */
  async setErrors(tenantId: string, id: string, limit: number): Promise<RecordedSetError[]> {
    await this.get(tenantId, id);
    return this.deps.streams.setErrors(tenantId, id, limit);
  }

  async poll(tenantId: string, streamId: string, request: PollRequest, signal?: AbortSignal): Promise<PollResponse> {
    const { sets } = this.deps;
    const { events, moreAvailable } = await this.pollEvents(tenantId, streamId, request, signal);
    const { jws, skipped } = await sets.jwsFor(tenantId, events);
    const out: Record<string, string> = {};
    for (const e of events) {
      const token = jws.get(e.sequence);
      if (token !== undefined) out[e.id] = token;
    }
    // A SET that cannot be made never will be: settled now, or it would head every poll and block the stream.
    await this.settleUnsignable(tenantId, streamId, skipped);
    return { sets: out, moreAvailable, ...(skipped.length > 0 ? { skipped } : {}) };
  }

  /** Settles events whose SET cannot be made (`skipped`), so they head no later poll. */
  async settleUnsignable(tenantId: string, streamId: string, skipped: readonly SkippedEvent[]): Promise<void> {
    if (skipped.length === 0) return;
    const { streams, clock } = this.deps;
    await streams.settle(
      tenantId,
      streamId,
      skipped.map((s) => s.eventId),
      [],
      clock().toISOString(),
    );
  }

  /**
   * The poll without the signing: settles `ack` and `setErrs`, then answers
   * with the pending events (waiting for some unless `returnImmediately`).
   * OpenID Shared Signals streams sign these in their own profile (`src/signals`).
   */
  async pollEvents(
    tenantId: string,
    streamId: string,
    request: PollRequest,
    signal?: AbortSignal,
  ): Promise<{ events: StoredEvent[]; moreAvailable: boolean }> {
    const { streams, clock } = this.deps;
    await this.get(tenantId, streamId);
    const errors: SetError[] = Object.entries(request.setErrs ?? {}).map(([jti, e]) => ({ jti, ...e }));
    await streams.settle(tenantId, streamId, request.ack ?? [], errors, clock().toISOString());

    const maxEvents = request.maxEvents ?? DEFAULT_MAX_EVENTS;
    // Scanning more than asked skips runs of events the filter drops without another round trip.
    const scanLimit = Math.max(1_000, maxEvents * 4);
    const deadline = Date.now() + (this.deps.longPollMs ?? 30_000);
    for (;;) {
      const { moreInLog } = await streams.fill(tenantId, streamId, Math.max(maxEvents, 1), scanLimit);
      const pending = await streams.pending(tenantId, streamId, maxEvents);
      const done =
        maxEvents === 0 ||
        pending.events.length > 0 ||
        request.returnImmediately === true ||
        Date.now() >= deadline ||
        signal?.aborted === true ||
        this.closing.signal.aborted;
      if (done) return { events: pending.events, moreAvailable: pending.total > pending.events.length || moreInLog };
      await this.sleep(this.deps.checkEveryMs ?? 200, signal);
    }
  }

  /** Ends waiting long polls (they answer with what they have); called when the process shuts down. */
  close(): void {
    this.closing.abort();
  }

  private sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signals = [this.closing.signal, ...(signal ? [signal] : [])];
      function done() {
        clearTimeout(timer);
        for (const s of signals) s.removeEventListener('abort', done);
        resolve();
      }
      for (const s of signals) s.addEventListener('abort', done, { once: true });
    });
  }
}
