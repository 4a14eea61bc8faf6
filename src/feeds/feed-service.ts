import { wrongField } from '../errors/tidings-error.js';
import type { StoredEvent } from '../events/event.js';
import { FORMATS, isFormatName } from '../formats/index.js';
import type { Store } from '../storage/store.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { EventSets } from './event-sets.js';
import type { FeedQuery } from './query-params.js';
import { loadRenderContexts } from './render-contexts.js';
import { renderEach, type SkippedEvent } from './skipped-event.js';
import type { FeedFilter, FeedStorage } from './storage/feed-storage.js';

export interface FeedServiceDeps {
  store: Store;
  storage: FeedStorage;
  sets: EventSets;
  registry: WorkflowRegistry;
  issuer: string;
  clock: () => Date;
  retentionDays: number;
}

export interface FeedPage {
  lastEventId: string | null;
  events: unknown[];
  /** Events of the page that could not be rendered, left out (the cursor still moves past them). */
  skipped: SkippedEvent[];
  /** The id of each of `events`, in order (not served: `pageJson` names a late skip with it). */
  eventIds: string[];
}

const DAY_MS = 86_400_000;

/**
 * The tenant-wide cursor feed (seed 003 style): events after `afterEventId`,
 * oldest first. `lastEventId` is the last event of the page, or the cursor
 * given (null without one) when the page is empty, so a reader can always
 * continue from `lastEventId`.
 */
export class FeedService {
  constructor(private readonly deps: FeedServiceDeps) {}

  async page(tenantId: string, query: FeedQuery): Promise<FeedPage> {
    const filter = {
      limit: query.count,
      ...(query.workflow !== undefined ? { workflow: query.workflow } : {}),
      ...(query.type !== undefined ? { type: query.type } : {}),
    };
    const events =
      query.afterEventId === null
        ? await this.deps.storage.listFeedEvents(tenantId, { ...filter, afterSequence: 0 })
        : await this.pageAfter(tenantId, query.afterEventId, filter);
    return {
      // The last event looked at, shown or skipped: a reader is never stuck before an event.
      lastEventId: events.at(-1)?.id ?? query.afterEventId,
      ...(await this.render(tenantId, events, query.format)),
    };
  }

  /**
   * The feed read from its end (the console's events page): the newest events
   * first, before `beforeEventId` when given, and the tenant's newest event id,
   * from which `page` follows new events forward. An unknown `beforeEventId` is 400.
   */
  async newest(
    tenantId: string,
    query: Omit<FeedQuery, 'afterEventId'> & { beforeEventId: string | null },
  ): Promise<{ newestEventId: string | null; nextBeforeEventId: string | null } & Omit<FeedPage, 'lastEventId'>> {
    const page = await this.deps.storage.listFeedEventsNewest(tenantId, query.beforeEventId, {
      limit: query.count,
      ...(query.workflow !== undefined ? { workflow: query.workflow } : {}),
      ...(query.type !== undefined ? { type: query.type } : {}),
    });
    if (!page) throw wrongField('beforeEventId', 'beforeEventId is unknown or past retention');
    const full = page.events.length === query.count;
    return {
      newestEventId: page.newestEventId,
      nextBeforeEventId: full ? (page.events.at(-1)?.id ?? null) : null,
      ...(await this.render(tenantId, page.events, query.format)),
    };
  }

  /**
   * Each event in the asked format, its page's render contexts and SETs loaded
   * together; each rendered on its own: one that cannot be is reported in
   * `skipped`, never fails the page.
   */
  private async render(
    tenantId: string,
    events: StoredEvent[],
    format: FeedQuery['format'],
  ): Promise<Omit<FeedPage, 'lastEventId'>> {
    const formats = events.map((e) => this.formatOf(e, format));
    const formatOf = new Map(events.map((e, i) => [e, formats[i] ?? 'native']));
    const sets = await this.deps.sets.jwsFor(
      tenantId,
      events.filter((_, i) => formats[i] === 'set'),
    );
    // The page's subjects, parents and certificates in a few queries, not 2-3 per event.
    const plain = events.filter((_, i) => formats[i] !== 'set');
    const contexts = new Map(
      (await loadRenderContexts(this.deps.storage, tenantId, plain, this.deps.issuer)).map((c) => [c.event, c]),
    );
    const unsigned = new Set(sets.skipped.map((s) => s.eventId));
    const { rendered, skipped } = renderEach(
      events.filter((e) => !unsigned.has(e.id)),
      (event) => {
        const format = formatOf.get(event) ?? 'native';
        if (format === 'set') return sets.jws.get(event.sequence);
        const ctx = contexts.get(event);
        if (!ctx) throw new Error(`no render context for event ${event.id}`);
        return (isFormatName(format) ? FORMATS[format] : FORMATS.native).render(ctx);
      },
    );
    return {
      events: rendered.map((r) => r.value),
      skipped: [...sets.skipped, ...skipped],
      eventIds: rendered.map((r) => r.event.id),
    };
  }

  /**
   * The page after a cursor, looked up with it in one statement. A cursor the
   * tenant never saw, or whose event is past the retention window (deleted or
   * about to be), is a 400 rather than an empty page: the reader has lost
   * events and must know.
   */
  private async pageAfter(
    tenantId: string,
    afterEventId: string,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<StoredEvent[]> {
    const page = await this.deps.storage.listFeedEventsAfterId(tenantId, afterEventId, filter);
    const cutoff = this.deps.clock().getTime() - this.deps.retentionDays * DAY_MS;
    if (!page || Date.parse(page.cursorOccurredAt) < cutoff) {
      throw wrongField('afterEventId', 'afterEventId is unknown or past retention');
    }
    return page.events;
  }

  /** The format an event renders in: `vendor` is its workflow's default format. */
  private formatOf(event: StoredEvent, choice: FeedQuery['format']): string {
    if (choice !== 'vendor') return choice;
    return this.deps.registry.get(event.workflow)?.definition.format ?? 'native';
  }
}
