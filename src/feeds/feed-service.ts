import { wrongField } from '../errors/tidings-error.js';
import type { StoredEvent } from '../events/event.js';
import { FORMATS, isFormatName } from '../formats/index.js';
import { nativeFits, nativeJson, snapshotAttributesJson } from '../formats/native-json.js';
import { type EventRow, eventFromRow, nativeSourceFromRow } from '../storage/rows.js';
import type { Store } from '../storage/store.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import type { EventSets } from './event-sets.js';
import { JsonText } from './json-text.js';
import type { FeedQuery } from './query-params.js';
import { loadRenderContexts } from './render-contexts.js';
import { renderEach, type SkippedEvent } from './skipped-event.js';
import type { FeedStorage } from './storage/feed-storage.js';

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
    const page = await this.deps.storage.listFeedRows(tenantId, query.afterEventId, filter);
    // A cursor the tenant never saw, or whose event is past the retention window (deleted or about
    // to be), is a 400 rather than an empty page: the reader has lost events and must know.
    const cutoff = this.deps.clock().getTime() - this.deps.retentionDays * DAY_MS;
    if (!page || (page.cursorOccurredAt !== null && Date.parse(page.cursorOccurredAt) < cutoff)) {
      throw wrongField('afterEventId', 'afterEventId is unknown or past retention');
    }
    return {
      // The last event looked at, shown or skipped: a reader is never stuck before an event.
      lastEventId: page.rows.at(-1)?.id ?? query.afterEventId,
      ...(await this.renderRows(tenantId, page.rows, query.format)),
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
   * A page's rows rendered: an event in the native format with a render
   * snapshot is written straight to JSON text from its stored data and
   * attributes (`nativeJson`: no parse, no objects, the same bytes); every
   * other event is parsed and goes through `render`. Order, `skipped` and
   * `eventIds` are as `render` gives them for the whole page.
   */
  private async renderRows(
    tenantId: string,
    rows: readonly EventRow[],
    format: FeedQuery['format'],
  ): Promise<Omit<FeedPage, 'lastEventId'>> {
    const texts = new Map<EventRow, JsonText>();
    const others: StoredEvent[] = [];
    for (const row of rows) {
      const text = this.nativeText(row, format);
      if (text) texts.set(row, text);
      else others.push(eventFromRow(row));
    }
    const rendered = await this.render(tenantId, others, format);
    if (texts.size === 0) return rendered;
    const byId = new Map(rendered.eventIds.map((id, i) => [id, rendered.events[i]]));
    const events: unknown[] = [];
    const eventIds: string[] = [];
    for (const row of rows) {
      const item = texts.get(row) ?? byId.get(row.id);
      if (item === undefined && !byId.has(row.id)) continue;
      events.push(item);
      eventIds.push(row.id);
    }
    return { events, skipped: rendered.skipped, eventIds };
  }

  /** The native rendering of `row` as text, or null when it renders another way (see `renderRows`). */
  private nativeText(row: EventRow, format: FeedQuery['format']): JsonText | null {
    const { data, render_context: snapshot } = row;
    if (typeof data !== 'string' || typeof snapshot !== 'string') return null;
    if (this.formatOfWorkflow(row.workflow, format) !== 'native') return null;
    const attributes = snapshotAttributesJson(snapshot);
    if (attributes === null) return null;
    const source = nativeSourceFromRow(row, data, attributes);
    return nativeFits(source) ? new JsonText(nativeJson(source, this.deps.issuer)) : null;
  }

  /** The format an event renders in: `vendor` is its workflow's default format. */
  private formatOf(event: StoredEvent, choice: FeedQuery['format']): string {
    return this.formatOfWorkflow(event.workflow, choice);
  }

  private formatOfWorkflow(workflow: string, choice: FeedQuery['format']): string {
    if (choice !== 'vendor') return choice;
    return this.deps.registry.get(workflow)?.definition.format ?? 'native';
  }
}
