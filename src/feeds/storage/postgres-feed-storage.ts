import type pg from 'pg';
import type { RenderSnapshot, StoredEvent } from '../../events/event.js';
import { eraseFromSnapshot } from '../../formats/render-snapshot.js';
import { ISO_TIMESTAMPS } from '../../storage/postgres/iso-timestamps.js';
import { EVENT_COLUMNS, RENDER_EVENT_COLUMNS, SUBJECT_COLUMNS } from '../../storage/postgres/sql/columns.js';
import { transaction } from '../../storage/postgres/transaction.js';
import { type EventRow, eventFromRow, iso, type SubjectRow, subjectFromRow } from '../../storage/rows.js';
import type { Subject } from '../../subjects/subject.js';
import type { FeedFilter, FeedStorage, LogScope, StoredSet } from './feed-storage.js';

/**
 * Events by id ($2) of one tenant ($1): one lookup per id in events_by_id, the
 * tenant checked after (OFFSET 0 keeps the planner from merging the two).
 * Without statistics of `events` (a young database, before autovacuum's first
 * ANALYZE) `tenant_id = $1 AND id = ANY($2)` was taken for a few rows: the
 * planner read every event of the tenant through events_by_parent and filtered
 * them, 8-14 ms for 256 ids among 40,000 events instead of 0.35 ms.
 */
export const EVENTS_BY_ID_SQL = `SELECT e.* FROM unnest($2::text[]) AS wanted(id)
  CROSS JOIN LATERAL (SELECT ${RENDER_EVENT_COLUMNS} FROM events WHERE id = wanted.id OFFSET 0) AS e
  WHERE e.tenant_id = $1`;

const LOG_SOURCE = `(SELECT ${RENDER_EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND subject_id = $2
  UNION ALL SELECT ${RENDER_EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND parent_id = $2 AND $3::boolean) AS log`;

/** LOG_SOURCE's sequence numbers only: read from the (tenant, subject|parent, sequence) indexes alone. */
const LOG_SEQUENCES = `(SELECT sequence FROM events WHERE tenant_id = $1 AND subject_id = $2
  UNION ALL SELECT sequence FROM events WHERE tenant_id = $1 AND parent_id = $2 AND $3::boolean)`;

/**
 * `RENDER_EVENT_COLUMNS` with the JSON columns as text: pg would parse a `json`
 * column with JSON.parse, which the native format never needs (a `json` value's
 * text is the text stored). Not `->` to cut the attributes out in SQL: on
 * `json` it de-escapes every string of the document and fails on a lone
 * surrogate escape, which `json` stores and a page must still serve.
 */
const FEED_ROW_COLUMNS = `${EVENT_COLUMNS.replace(/, data$/, '')}, data::text AS data,
  render_context::text AS render_context, trace_context`;

/**
 * A feed page of `columns`: tenant $1's events after sequence $2, at most $3,
 * of workflow $4 and type $5 (NULL: any), so one statement (and one prepared
 * plan) serves every filter combination.
 */
const feedPageSql = (columns: string) => `SELECT ${columns} FROM events
  WHERE tenant_id = $1 AND sequence > $2
    AND ($4::text IS NULL OR workflow = $4) AND ($5::text IS NULL OR type = $5)
  ORDER BY sequence LIMIT $3`;

/**
 * The page after the event of id $2, in one round trip: the cursor row joined
 * to the page after it (no row: no such cursor; one row of NULL event
 * columns: an empty page).
 */
const feedPageAfterIdSql = (columns: string) => `SELECT c.occurred_at AS cursor_occurred_at, page.*
  FROM (SELECT sequence, occurred_at FROM events WHERE tenant_id = $1 AND id = $2) c
  LEFT JOIN LATERAL (
    SELECT ${columns} FROM events
    WHERE tenant_id = $1 AND sequence > c.sequence
      AND ($4::text IS NULL OR workflow = $4) AND ($5::text IS NULL OR type = $5)
    ORDER BY sequence LIMIT $3
  ) page ON true
  ORDER BY page.sequence`;

export class PostgresFeedStorage implements FeedStorage {
  constructor(private readonly pool: pg.Pool) {}

  async listFeedEvents(tenantId: string, filter: FeedFilter): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'tidings_feed_events',
      types: ISO_TIMESTAMPS,
      text: feedPageSql(RENDER_EVENT_COLUMNS),
      values: [tenantId, filter.afterSequence, filter.limit, filter.workflow ?? null, filter.type ?? null],
    });
    return rows.map(eventFromRow);
  }

  async listFeedRows(
    tenantId: string,
    afterEventId: string | null,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ cursorOccurredAt: string | null; rows: EventRow[] } | null> {
    const rest = [filter.limit, filter.workflow ?? null, filter.type ?? null];
    if (afterEventId === null) {
      const { rows } = await this.pool.query<EventRow>({
        name: 'tidings_feed_rows',
        types: ISO_TIMESTAMPS,
        text: feedPageSql(FEED_ROW_COLUMNS),
        values: [tenantId, 0, ...rest],
      });
      return { cursorOccurredAt: null, rows };
    }
    const { rows } = await this.pool.query<
      { cursor_occurred_at: string | Date } & { [K in keyof EventRow]: EventRow[K] | null }
    >({
      name: 'tidings_feed_rows_after_id',
      types: ISO_TIMESTAMPS,
      text: feedPageAfterIdSql(FEED_ROW_COLUMNS),
      values: [tenantId, afterEventId, ...rest],
    });
    const first = rows[0];
    if (!first) return null;
    return {
      cursorOccurredAt: iso(first.cursor_occurred_at),
      rows: rows.filter((r) => r.sequence !== null) as EventRow[],
    };
  }

  async listFeedEventsNewest(
    tenantId: string,
    beforeEventId: string | null,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ newestEventId: string | null; events: StoredEvent[] } | null> {
    let before = Number.MAX_SAFE_INTEGER;
    if (beforeEventId !== null) {
      const { rows } = await this.pool.query<{ sequence: string }>({
        text: 'SELECT sequence FROM events WHERE tenant_id = $1 AND id = $2',
        values: [tenantId, beforeEventId],
      });
      if (!rows[0]) return null;
      before = Number(rows[0].sequence);
    }
    const [page, newest] = await Promise.all([
      this.pool.query<EventRow>({
        name: 'tidings_feed_events_newest',
        types: ISO_TIMESTAMPS,
        text: `SELECT ${RENDER_EVENT_COLUMNS} FROM events
               WHERE tenant_id = $1 AND sequence < $2
                 AND ($4::text IS NULL OR workflow = $4) AND ($5::text IS NULL OR type = $5)
               ORDER BY sequence DESC LIMIT $3`,
        values: [tenantId, before, filter.limit, filter.workflow ?? null, filter.type ?? null],
      }),
      this.pool.query<{ id: string }>({
        name: 'tidings_feed_newest_id',
        text: 'SELECT id FROM events WHERE tenant_id = $1 ORDER BY sequence DESC LIMIT 1',
        values: [tenantId],
      }),
    ]);
    return { newestEventId: newest.rows[0]?.id ?? null, events: page.rows.map(eventFromRow) };
  }

  async listFeedEventsAfterId(
    tenantId: string,
    afterEventId: string,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ cursorOccurredAt: string; events: StoredEvent[] } | null> {
    const { rows } = await this.pool.query<
      { cursor_occurred_at: string | Date } & { [K in keyof EventRow]: EventRow[K] | null }
    >({
      name: 'tidings_feed_events_after_id',
      types: ISO_TIMESTAMPS,
      text: feedPageAfterIdSql(RENDER_EVENT_COLUMNS),
      values: [tenantId, afterEventId, filter.limit, filter.workflow ?? null, filter.type ?? null],
    });
    const first = rows[0];
    if (!first) return null;
    const events = rows.filter((r) => r.sequence !== null).map((r) => eventFromRow(r as EventRow));
    return { cursorOccurredAt: iso(first.cursor_occurred_at), events };
  }

  async listLogEvents(tenantId: string, scope: LogScope, offset: number, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      text: `SELECT * FROM ${LOG_SOURCE} ORDER BY sequence LIMIT $4 OFFSET $5`,
      types: ISO_TIMESTAMPS,
      values: [tenantId, scope.subjectId, scope.withChildren, limit, offset],
    });
    return rows.map(eventFromRow);
  }

  async listSubjectTransitions(tenantId: string, subjectId: string) {
    const { rows } = await this.pool.query<{ from: string | null; to: string; type: string; count: string }>({
      name: 'tidings_subject_transitions',
      text: `SELECT from_status AS "from", to_status AS "to", type, count(*) AS count FROM events
              WHERE tenant_id = $1 AND subject_id = $2 GROUP BY from_status, to_status, type ORDER BY min(sequence)`,
      values: [tenantId, subjectId],
    });
    return rows.map((r) => ({ from: r.from, to: r.to, type: r.type, count: Number(r.count) }));
  }

  async countLogEvents(tenantId: string, scope: LogScope): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>({
      text: `SELECT count(*) AS n FROM ${LOG_SEQUENCES} AS log`,
      values: [tenantId, scope.subjectId, scope.withChildren],
    });
    return Number(rows[0]?.n ?? 0);
  }

  async listLogSets(
    tenantId: string,
    scope: LogScope,
    offset: number,
    limit: number,
  ): Promise<Array<{ sequence: number; jws: string | null }>> {
    const { rows } = await this.pool.query<{ sequence: string; jws: string | null }>({
      name: 'tidings_log_sets',
      text: `SELECT page.sequence, s.jws FROM
               (SELECT sequence FROM ${LOG_SEQUENCES} AS log ORDER BY sequence LIMIT $4 OFFSET $5) AS page
               LEFT JOIN event_sets s ON s.tenant_id = $1 AND s.event_sequence = page.sequence
             ORDER BY page.sequence`,
      values: [tenantId, scope.subjectId, scope.withChildren, limit, offset],
    });
    return rows.map((r) => ({ sequence: Number(r.sequence), jws: r.jws }));
  }

  async getEvents(tenantId: string, ids: readonly string[]): Promise<StoredEvent[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<EventRow>({
      name: 'tidings_feed_events_by_id',
      types: ISO_TIMESTAMPS,
      text: EVENTS_BY_ID_SQL,
      values: [tenantId, ids],
    });
    return rows.map(eventFromRow);
  }

  async getSubjects(tenantId: string, ids: readonly string[]): Promise<Map<string, Subject>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<SubjectRow>({
      name: 'tidings_feed_subjects',
      types: ISO_TIMESTAMPS,
      text: `SELECT ${SUBJECT_COLUMNS} FROM subjects WHERE tenant_id = $1 AND id = ANY($2::text[])`,
      values: [tenantId, ids],
    });
    return new Map(rows.map((r) => [r.id, subjectFromRow(r)]));
  }

  async listChildren(
    tenantId: string,
    parentIds: readonly string[],
    workflow: string,
    limitPerParent: number,
  ): Promise<Map<string, Subject[]>> {
    const out = new Map<string, Subject[]>();
    if (parentIds.length === 0) return out;
    const { rows } = await this.pool.query<SubjectRow>({
      name: 'tidings_feed_children',
      types: ISO_TIMESTAMPS,
      text: `SELECT ${SUBJECT_COLUMNS} FROM (
               SELECT ${SUBJECT_COLUMNS}, row_number() OVER (PARTITION BY parent_id ORDER BY created_at, id) AS rank
               FROM subjects WHERE tenant_id = $1 AND parent_id = ANY($2::text[]) AND workflow = $3
             ) ranked WHERE rank <= $4 ORDER BY parent_id, created_at, id`,
      values: [tenantId, parentIds, workflow, limitPerParent],
    });
    for (const r of rows) {
      const parentId = r.parent_id as string;
      const list = out.get(parentId);
      if (list) list.push(subjectFromRow(r));
      else out.set(parentId, [subjectFromRow(r)]);
    }
    return out;
  }

  async getSets(tenantId: string, sequences: readonly number[]): Promise<Map<number, string>> {
    if (sequences.length === 0) return new Map();
    const { rows } = await this.pool.query<{ event_sequence: string; jws: string }>({
      text: 'SELECT event_sequence, jws FROM event_sets WHERE tenant_id = $1 AND event_sequence = ANY($2::bigint[])',
      values: [tenantId, sequences],
    });
    return new Map(rows.map((r) => [Number(r.event_sequence), r.jws]));
  }

  async insertSets(tenantId: string, sets: readonly StoredSet[]): Promise<void> {
    if (sets.length === 0) return;
    await this.pool.query({
      text: `INSERT INTO event_sets (tenant_id, event_sequence, kid, jws)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
      values: [tenantId, sets.map((s) => s.sequence), sets.map((s) => s.kid), sets.map((s) => s.jws)],
    });
  }

  async eraseSubject(tenantId: string, subjectId: string, at: string): Promise<string | null> {
    return transaction(this.pool, async (client) => {
      const { rows } = await client.query<{ erased_at: Date }>({
        text: `UPDATE subjects SET attributes = '{}', erased_at = coalesce(erased_at, $1), version = version + 1, updated_at = $1
               WHERE tenant_id = $2 AND id = $3 RETURNING erased_at`,
        values: [at, tenantId, subjectId],
      });
      const row = rows[0];
      if (!row) return null;
      await client.query({
        text: `DELETE FROM event_sets WHERE tenant_id = $1 AND event_sequence IN
                 (SELECT sequence FROM events WHERE tenant_id = $1 AND subject_id = $2)`,
        values: [tenantId, subjectId],
      });
      // What receivers answered to this subject's pushes may echo its data: the excerpt goes, and
      // so does a message read from the answer (an RFC 8935 refusal). Found through the tenant's
      // endpoints and deliveries_once (endpoint_id, event_sequence): no index of its own to keep.
      await client.query({
        text: `UPDATE delivery_attempts SET response_excerpt = NULL,
                 error_message = CASE WHEN http_status IS NULL THEN error_message END
               WHERE delivery_id IN (SELECT d.id FROM endpoints p JOIN deliveries d ON d.endpoint_id = p.id
                 WHERE p.tenant_id = $1 AND d.event_sequence IN
                   (SELECT sequence FROM events WHERE tenant_id = $1 AND subject_id = $2))
                 AND (response_excerpt IS NOT NULL OR (http_status IS NOT NULL AND error_message IS NOT NULL))`,
        values: [tenantId, subjectId],
      });
      await client.query({
        text: `UPDATE events SET data = '{}' WHERE tenant_id = $1 AND subject_id = $2 AND data::text <> '{}'`,
        values: [tenantId, subjectId],
      });
      const erasedAt = row.erased_at.toISOString();
      // The render snapshots that show this subject: its own events, its children's (as their
      // parent), and its family's (as a listed child: its parent's events and its siblings').
      const shown = await client.query<{ sequence: string; render_context: RenderSnapshot }>({
        text: `SELECT e.sequence, e.render_context FROM events e, subjects s
               WHERE s.tenant_id = $1 AND s.id = $2 AND e.tenant_id = $1 AND e.render_context IS NOT NULL
                 AND (e.subject_id IN (s.id, s.parent_id) OR e.parent_id IN (s.id, s.parent_id))`,
        values: [tenantId, subjectId],
      });
      const rewrites = shown.rows.map((r) => ({
        sequence: r.sequence,
        before: JSON.stringify(r.render_context),
        after: JSON.stringify(eraseFromSnapshot(r.render_context, subjectId, erasedAt)),
      }));
      const changed = rewrites.filter((r) => r.before !== r.after);
      if (changed.length > 0) {
        await client.query({
          text: `UPDATE events e SET render_context = u.context
                 FROM unnest($2::bigint[], $3::json[]) AS u(sequence, context)
                 WHERE e.tenant_id = $1 AND e.sequence = u.sequence`,
          values: [tenantId, changed.map((r) => r.sequence), changed.map((r) => r.after)],
        });
      }
      return erasedAt;
    });
  }

  async deleteExpiredEvents(tenantId: string, cutoff: string, batch: number): Promise<number> {
    return transaction(this.pool, async (client) => {
      // The oldest `batch` events by sequence: sequence order follows time, so
      // the expired ones are a prefix and no scan walks past the first fresh event.
      const { rows } = await client.query<{ sequence: string }>({
        text: `SELECT sequence FROM (SELECT sequence, occurred_at FROM events WHERE tenant_id = $1 ORDER BY sequence LIMIT $2) head
               WHERE occurred_at < $3`,
        values: [tenantId, batch, cutoff],
      });
      if (rows.length === 0) return 0;
      const expired = rows.map((r) => Number(r.sequence));
      for (const table of ['event_sets', 'stream_pending']) {
        await client.query({
          text: `DELETE FROM ${table} WHERE tenant_id = $1 AND event_sequence = ANY($2::bigint[])`,
          values: [tenantId, expired],
        });
      }
      const deleted = await client.query({
        text: 'DELETE FROM events WHERE tenant_id = $1 AND sequence = ANY($2::bigint[])',
        values: [tenantId, expired],
      });
      return deleted.rowCount ?? 0;
    });
  }

  async deleteSetsSignedBy(kids: readonly string[], batch: number): Promise<number> {
    if (kids.length === 0) return 0;
    const result = await this.pool.query({
      text: `DELETE FROM event_sets WHERE (tenant_id, event_sequence) IN
               (SELECT tenant_id, event_sequence FROM event_sets WHERE kid = ANY($1::text[]) LIMIT $2)`,
      values: [kids, batch],
    });
    return result.rowCount ?? 0;
  }
}
