import { wrongField } from '../errors/tidings-error.js';
import type { StoredEvent } from '../events/event.js';
import { renderReestro } from '../formats/reestro.js';
import { loadRenderContexts } from './render-contexts.js';
import type { FeedStorage } from './storage/feed-storage.js';

/**
 * Seed 003's own feed, `GET /realty/crypto/v2/events`, so that an existing
 * Reestro client works against Tidings with only its base URL changed.
 *
 * - Only the seed's three occasions ("Событие для сертификата возникает, когда:
 *   при выпуске данные в форме на выпуск сертификата не прошли проверку; когда
 *   завершился выпуск сертификата; когда завершился процесс подписания
 *   документов сертификатом"): a form reaching `validationError` or `Released`,
 *   a signature reaching `Processed`. Creating a form is not one.
 * - `lastEventId` is required, never null: the last event looked at (shown or
 *   not, it is a valid cursor), else the cursor given, else `NO_EVENTS_YET`
 *   (the nil GUID), which the feed reads as "from the beginning".
 * - Events are visible for 3 calendar months after they occurred [SEED].
 */
export const NO_EVENTS_YET = '00000000-0000-0000-0000-000000000000';

const OCCASIONS: Readonly<Record<string, readonly string[]>> = {
  'crypto-certificate-form': ['validationError', 'Released'],
  'crypto-signature': ['Processed'],
};

/** Pages of the tenant-wide log looked at per request at most; the cursor still moves past them. */
const SCAN_PAGES = 10;
const SCAN_PAGE = 100;

export function isReestroOccasion(event: Pick<StoredEvent, 'workflow' | 'to'>): boolean {
  return OCCASIONS[event.workflow]?.includes(event.to) ?? false;
}

/** The instant 3 calendar months before `now` (31 May minus 3 months is 28/29 February). */
export function visibleSince(now: Date): Date {
  const d = new Date(now);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 3);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export interface ReestroFeedDeps {
  storage: FeedStorage;
  issuer: string;
  clock: () => Date;
}

export class ReestroFeed {
  constructor(private readonly deps: ReestroFeedDeps) {}

  async page(tenantId: string, afterEventId: string | null, count: number) {
    const since = visibleSince(this.deps.clock()).toISOString();
    const shown: StoredEvent[] = [];
    let cursor = afterEventId === NO_EVENTS_YET ? null : afterEventId;
    for (let i = 0; i < SCAN_PAGES && shown.length < count; i++) {
      const page = await this.scan(tenantId, cursor);
      if (page.length === 0) break;
      for (const e of page) {
        cursor = e.id;
        if (isReestroOccasion(e) && e.occurredAt >= since) shown.push(e);
        if (shown.length === count) break;
      }
      if (page.length < SCAN_PAGE) break;
    }
    const contexts = await loadRenderContexts(this.deps.storage, tenantId, shown, this.deps.issuer);
    return { lastEventId: cursor ?? afterEventId ?? NO_EVENTS_YET, events: contexts.map(renderReestro) };
  }

  private async scan(tenantId: string, cursor: string | null): Promise<StoredEvent[]> {
    if (cursor === null) return this.deps.storage.listFeedEvents(tenantId, { afterSequence: 0, limit: SCAN_PAGE });
    const page = await this.deps.storage.listFeedEventsAfterId(tenantId, cursor, { limit: SCAN_PAGE });
    if (!page) throw wrongField('afterEventId', 'afterEventId is unknown or past retention');
    return page.events;
  }
}
