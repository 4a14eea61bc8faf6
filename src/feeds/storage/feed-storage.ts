import type { StoredEvent } from '../../events/event.js';
import type { EventRow } from '../../storage/rows.js';
import type { Subject } from '../../subjects/subject.js';

/** Which events a log shows: one subject's, or (for a FIT-Connect case) also those of its children. */
export interface LogScope {
  subjectId: string;
  withChildren: boolean;
}

export interface FeedFilter {
  afterSequence: number;
  workflow?: string;
  type?: string;
  limit: number;
}

export interface StoredSet {
  sequence: number;
  kid: string;
  jws: string;
}

/**
 * The queries pull delivery needs beyond the core `Store`, for both backends.
 * Every read is tenant-scoped by its first argument.
 */
export interface FeedStorage {
  /** Events after `afterSequence`, oldest first: one range scan of the (tenant_id, sequence) key. */
  listFeedEvents(tenantId: string, filter: FeedFilter): Promise<StoredEvent[]>;
  /**
   * The same page after the cursor event `afterEventId`, looked up in the same
   * statement (one round trip, not two), with the cursor event's time for the
   * retention check; null when the tenant has no such event.
   */
  listFeedEventsAfterId(
    tenantId: string,
    afterEventId: string,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ cursorOccurredAt: string; events: StoredEvent[] } | null>;
  /**
   * The page of `listFeedEvents` (from the start: `afterEventId` null) or of
   * `listFeedEventsAfterId`, as rows whose JSON columns (`data`,
   * `render_context`) are the text they are stored as, not parsed: the native
   * format writes them as they are (`native-json.ts`). `cursorOccurredAt` is
   * null without a cursor; null when the tenant has no event `afterEventId`.
   */
  listFeedRows(
    tenantId: string,
    afterEventId: string | null,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ cursorOccurredAt: string | null; rows: EventRow[] } | null>;
  /**
   * The newest events first, before the event `beforeEventId` when given (null
   * when the tenant has no such event), with the tenant's newest event id for
   * following the feed forward from there: a backward range scan of the
   * (tenant_id, sequence) key, so the feed's end is as cheap as its start.
   */
  listFeedEventsNewest(
    tenantId: string,
    beforeEventId: string | null,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ newestEventId: string | null; events: StoredEvent[] } | null>;
  listLogEvents(tenantId: string, scope: LogScope, offset: number, limit: number): Promise<StoredEvent[]>;
  countLogEvents(tenantId: string, scope: LogScope): Promise<number>;
  /** Every distinct transition (from, to, type) the subject's events took, with how often: its whole path. */
  listSubjectTransitions(
    tenantId: string,
    subjectId: string,
  ): Promise<Array<{ from: string | null; to: string; type: string; count: number }>>;
  /**
   * The stored SET of each event of a log page (same order and paging as
   * `listLogEvents`), `null` where none is stored yet: a warm log is served
   * from this one query without loading the events.
   */
  listLogSets(
    tenantId: string,
    scope: LogScope,
    offset: number,
    limit: number,
  ): Promise<Array<{ sequence: number; jws: string | null }>>;
  /** These events by id, in one query (absent ones, e.g. past retention, are left out). */
  getEvents(tenantId: string, ids: readonly string[]): Promise<StoredEvent[]>;
  /** These subjects by id, in one query (absent ones are left out). */
  getSubjects(tenantId: string, ids: readonly string[]): Promise<Map<string, Subject>>;
  /**
   * The children of `workflow` of each parent, oldest first (`created_at, id`, as
   * `Store.listSubjects`), at most `limitPerParent` each, in one query.
   */
  listChildren(
    tenantId: string,
    parentIds: readonly string[],
    workflow: string,
    limitPerParent: number,
  ): Promise<Map<string, Subject[]>>;
  /** The stored SETs of these events (absent ones are not signed yet). */
  getSets(tenantId: string, sequences: readonly number[]): Promise<Map<number, string>>;
  /** Stores SETs; a row another process stored first is kept. */
  insertSets(tenantId: string, sets: readonly StoredSet[]): Promise<void>;
  /**
   * Erases a subject's personal data: attributes and its events' payloads become
   * `{}`, their stored SETs are dropped (re-signed without the data on next read),
   * the subject keeps a tombstone (`erased_at`) and its version is bumped so a
   * concurrent write that read the old attributes fails with a version conflict.
   * Returns when the subject was first erased, or null when it does not exist.
   */
  eraseSubject(tenantId: string, subjectId: string, at: string): Promise<string | null>;
  /**
   * Deletes up to `batch` of the tenant's oldest events that occurred before
   * `cutoff`, with their SETs and pending stream entries; returns how many.
   */
  deleteExpiredEvents(tenantId: string, cutoff: string, batch: number): Promise<number>;
  /** Drops up to `batch` stored SETs signed by these keys (they are re-signed on next read). */
  deleteSetsSignedBy(kids: readonly string[], batch: number): Promise<number>;
}
