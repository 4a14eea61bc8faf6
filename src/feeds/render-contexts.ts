import type { StoredEvent } from '../events/event.js';
import type { RenderContext } from '../formats/render-context.js';
import { contextFromSnapshot, placeholderSubject } from '../formats/render-snapshot.js';
import type { Subject } from '../subjects/subject.js';
import type { FeedStorage } from './storage/feed-storage.js';

/** Uanataca envelopes list at most this many certificates (as `loadRenderContext`). */
const CHILDREN_LIMIT = 500;

/**
 * The render contexts of a page of events, exactly as `loadRenderContext`
 * builds them one by one, but loaded with a constant number of queries: the
 * subjects and parents of the whole page in one, the certificates of every
 * videoid request and certificate on it in one, both at once (one round trip
 * to PostgreSQL); a third and fourth only if a parent moved. One by one, a
 * page of 100 videoid events read ~1,500 events/s on SQLite (its children
 * lookup also walked the tenant's subjects, since fixed in the store) and
 * ~3,500 on PostgreSQL; batched, ~45,000-60,000 and ~28,000 (bench `feed`,
 * 100,000 events, one reader, 2-core machine).
 */
export async function loadRenderContexts(
  storage: FeedStorage,
  tenantId: string,
  events: readonly StoredEvent[],
  issuer: string,
): Promise<RenderContext[]> {
  // Events with a snapshot (all written since it exists) need no reads at all.
  const legacy = events.filter((e) => !e.snapshot);
  const loaded = new Map((await loadLegacyContexts(storage, tenantId, legacy, issuer)).map((c) => [c.event, c]));
  return events.map((e) =>
    e.snapshot ? contextFromSnapshot(e, e.snapshot, issuer) : (loaded.get(e) as RenderContext),
  );
}

/** Render contexts from the current subjects, for events written before render snapshots existed. */
async function loadLegacyContexts(
  storage: FeedStorage,
  tenantId: string,
  events: readonly StoredEvent[],
  issuer: string,
): Promise<RenderContext[]> {
  if (events.length === 0) return [];
  const wanted = new Set<string>();
  // Whose certificates the page needs, guessed from the events alone (a certificate's
  // parent is fixed at creation) so both queries run at once; checked below.
  const guessed = new Set<string>();
  for (const e of events) {
    wanted.add(e.subjectId);
    if (e.parentId) wanted.add(e.parentId);
    if (e.workflow === 'videoid-request') guessed.add(e.subjectId);
    else if (e.workflow === 'videoid-certificate' && e.parentId) guessed.add(e.parentId);
  }
  const [subjects, children] = await Promise.all([
    storage.getSubjects(tenantId, [...wanted]),
    certificatesOf(storage, tenantId, guessed),
  ]);
  const parentIdOf = (e: StoredEvent) => subjects.get(e.subjectId)?.parentId ?? e.parentId;
  // A parent changed since the event was written (not expected: parents are fixed at creation).
  const missing = [...new Set(events.map(parentIdOf))].filter((id): id is string => id !== null && !wanted.has(id));
  if (missing.length > 0) for (const [id, s] of await storage.getSubjects(tenantId, missing)) subjects.set(id, s);
  const unguessed = new Set<string>();
  for (const e of events) {
    const parentId = parentIdOf(e);
    if (e.workflow === 'videoid-certificate' && parentId && subjects.has(parentId) && !guessed.has(parentId)) {
      unguessed.add(parentId);
    }
  }
  for (const [id, list] of await certificatesOf(storage, tenantId, unguessed)) children.set(id, list);

  return events.map((event) => {
    const subject: Subject = {
      ...(subjects.get(event.subjectId) ?? placeholderSubject(event)),
      status: event.to,
      version: event.subjectVersion,
    };
    const parentId = subject.parentId ?? event.parentId;
    const parent = parentId ? (subjects.get(parentId) ?? null) : null;
    let list: Subject[] = [];
    if (event.workflow === 'videoid-request') list = children.get(subject.id) ?? [];
    else if (event.workflow === 'videoid-certificate' && parent) list = children.get(parent.id) ?? [];
    return { event, subject, parent, children: list, issuer };
  });
}

function certificatesOf(storage: FeedStorage, tenantId: string, parentIds: ReadonlySet<string>) {
  return parentIds.size > 0
    ? storage.listChildren(tenantId, [...parentIds], 'videoid-certificate', CHILDREN_LIMIT)
    : Promise.resolve(new Map<string, Subject[]>());
}

/**
 * The render contexts of these events, by event id, with the same constant
 * number of queries plus one for the events: push delivery preloads a whole
 * lease this way instead of reading event, subject and certificates per push.
 * Events no longer stored (retention) are absent from the map.
 */
export async function loadRenderContextsById(
  storage: FeedStorage,
  tenantId: string,
  eventIds: readonly string[],
  issuer: string,
): Promise<Map<string, RenderContext>> {
  const events = await storage.getEvents(tenantId, eventIds);
  const contexts = await loadRenderContexts(storage, tenantId, events, issuer);
  return new Map(contexts.map((ctx) => [ctx.event.id, ctx]));
}
