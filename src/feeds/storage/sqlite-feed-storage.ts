import type Database from 'better-sqlite3';
import type { StoredEvent } from '../../events/event.js';
import { eraseFromSnapshot } from '../../formats/render-snapshot.js';
import { type EventRow, eventFromRow, type SubjectRow, subjectFromRow } from '../../storage/rows.js';
import { preparedStatements } from '../../storage/sqlite/prepared-statements.js';
import type { Subject } from '../../subjects/subject.js';
import type { FeedFilter, FeedStorage, LogScope, StoredSet } from './feed-storage.js';

/**
 * The sequence numbers of a log (a subject's events; for a case also its children's),
 * read from the (tenant, subject|parent, sequence) indexes alone.
 */
const LOG_SEQUENCES = `(SELECT sequence FROM events WHERE tenant_id = @tenantId AND subject_id = @subjectId
  UNION ALL SELECT sequence FROM events WHERE tenant_id = @tenantId AND parent_id = @subjectId AND @withChildren = 1)`;

export class SqliteFeedStorage implements FeedStorage {
  /**
   * Prepared once per SQL text: preparing on every call cost ~3% of the feed
   * benchmark's server CPU (better-sqlite3 `prepare` parses and plans each time).
   */
  private readonly stmt: (sql: string) => Database.Statement;

  /** `sequenceBelow`: the tenant's first event sequence whose commit is not yet durable (`SqliteStore.sequenceBelow`). */
  constructor(
    private readonly db: Database.Database,
    private readonly sequenceBelow: (tenantId: string) => number = () => Number.MAX_SAFE_INTEGER,
  ) {
    this.stmt = preparedStatements(db);
  }

  async listFeedEvents(tenantId: string, filter: FeedFilter): Promise<StoredEvent[]> {
    const where = ['tenant_id = @tenantId', 'sequence > @after', 'sequence < @below'];
    if (filter.workflow !== undefined) where.push('workflow = @workflow');
    if (filter.type !== undefined) where.push('type = @type');
    const rows = this.stmt(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY sequence LIMIT @limit`).all({
      tenantId,
      after: filter.afterSequence,
      below: this.sequenceBelow(tenantId),
      workflow: filter.workflow,
      type: filter.type,
      limit: filter.limit,
    }) as EventRow[];
    return rows.map(eventFromRow);
  }

  async listFeedEventsAfterId(
    tenantId: string,
    afterEventId: string,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ cursorOccurredAt: string; events: StoredEvent[] } | null> {
    // In process, two statements cost no round trip.
    const cursor = this.stmt('SELECT sequence, occurred_at FROM events WHERE tenant_id = ? AND id = ?').get(
      tenantId,
      afterEventId,
    ) as { sequence: number; occurred_at: string } | undefined;
    if (!cursor) return null;
    const events = await this.listFeedEvents(tenantId, { ...filter, afterSequence: cursor.sequence });
    return { cursorOccurredAt: cursor.occurred_at, events };
  }

  async listFeedRows(
    tenantId: string,
    afterEventId: string | null,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ cursorOccurredAt: string | null; rows: EventRow[] } | null> {
    let after = 0;
    let cursorOccurredAt: string | null = null;
    if (afterEventId !== null) {
      const cursor = this.stmt('SELECT sequence, occurred_at FROM events WHERE tenant_id = ? AND id = ?').get(
        tenantId,
        afterEventId,
      ) as { sequence: number; occurred_at: string } | undefined;
      if (!cursor) return null;
      after = cursor.sequence;
      cursorOccurredAt = cursor.occurred_at;
    }
    const where = ['tenant_id = @tenantId', 'sequence > @after', 'sequence < @below'];
    if (filter.workflow !== undefined) where.push('workflow = @workflow');
    if (filter.type !== undefined) where.push('type = @type');
    // TEXT columns: `data` and `render_context` come back as the text stored.
    const rows = this.stmt(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY sequence LIMIT @limit`).all({
      tenantId,
      after,
      below: this.sequenceBelow(tenantId),
      workflow: filter.workflow,
      type: filter.type,
      limit: filter.limit,
    }) as EventRow[];
    return { cursorOccurredAt, rows };
  }

  async listFeedEventsNewest(
    tenantId: string,
    beforeEventId: string | null,
    filter: Omit<FeedFilter, 'afterSequence'>,
  ): Promise<{ newestEventId: string | null; events: StoredEvent[] } | null> {
    let before = Number.MAX_SAFE_INTEGER;
    if (beforeEventId !== null) {
      const cursor = this.stmt('SELECT sequence FROM events WHERE tenant_id = ? AND id = ?').get(
        tenantId,
        beforeEventId,
      ) as { sequence: number } | undefined;
      if (!cursor) return null;
      before = cursor.sequence;
    }
    const where = ['tenant_id = @tenantId', 'sequence < @before'];
    if (filter.workflow !== undefined) where.push('workflow = @workflow');
    if (filter.type !== undefined) where.push('type = @type');
    const rows = this.stmt(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY sequence DESC LIMIT @limit`).all(
      { tenantId, before, workflow: filter.workflow, type: filter.type, limit: filter.limit },
    ) as EventRow[];
    const newest = this.stmt('SELECT id FROM events WHERE tenant_id = ? ORDER BY sequence DESC LIMIT 1').get(
      tenantId,
    ) as { id: string } | undefined;
    return { newestEventId: newest?.id ?? null, events: rows.map(eventFromRow) };
  }

  async listLogEvents(tenantId: string, scope: LogScope, offset: number, limit: number): Promise<StoredEvent[]> {
    // The page's sequence numbers from the indexes, then those rows by primary key:
    // over a UNION of whole rows the planner walked every event of the tenant.
    const rows = this.stmt(
      `SELECT * FROM events WHERE tenant_id = @tenantId AND sequence IN
         (SELECT sequence FROM ${LOG_SEQUENCES} ORDER BY sequence LIMIT @limit OFFSET @offset)
       ORDER BY sequence`,
    ).all({
      tenantId,
      subjectId: scope.subjectId,
      withChildren: scope.withChildren ? 1 : 0,
      limit,
      offset,
    }) as EventRow[];
    return rows.map(eventFromRow);
  }

  async listSubjectTransitions(tenantId: string, subjectId: string) {
    return this.stmt(
      `SELECT from_status AS "from", to_status AS "to", type, count(*) AS count FROM events
        WHERE tenant_id = ? AND subject_id = ? GROUP BY from_status, to_status, type ORDER BY min(sequence)`,
    ).all(tenantId, subjectId) as Array<{ from: string | null; to: string; type: string; count: number }>;
  }

  async countLogEvents(tenantId: string, scope: LogScope): Promise<number> {
    const row = this
      // index-only; counting over a UNION of whole rows walked every event of the tenant (0.7 ms for 3,000)
      .stmt(`SELECT count(*) AS n FROM ${LOG_SEQUENCES}`)
      .get({ tenantId, subjectId: scope.subjectId, withChildren: scope.withChildren ? 1 : 0 }) as { n: number };
    return row.n;
  }

  async listLogSets(
    tenantId: string,
    scope: LogScope,
    offset: number,
    limit: number,
  ): Promise<Array<{ sequence: number; jws: string | null }>> {
    return this.stmt(
      `SELECT page.sequence, s.jws FROM
           (SELECT sequence FROM ${LOG_SEQUENCES} ORDER BY sequence LIMIT @limit OFFSET @offset) AS page
           LEFT JOIN event_sets s ON s.tenant_id = @tenantId AND s.event_sequence = page.sequence
         ORDER BY page.sequence`,
    ).all({
      tenantId,
      subjectId: scope.subjectId,
      withChildren: scope.withChildren ? 1 : 0,
      limit,
      offset,
    }) as Array<{ sequence: number; jws: string | null }>;
  }

  async getEvents(tenantId: string, ids: readonly string[]): Promise<StoredEvent[]> {
    if (ids.length === 0) return [];
    // Without statistics SQLite prefers the (tenant_id, sequence) key and walks
    // the tenant's whole log; the id index finds each event directly (a lease of
    // 256 pushes: 21% of the dispatcher's CPU before, see bench `push`).
    const rows = this.stmt(
      'SELECT * FROM events INDEXED BY events_by_id WHERE id IN (SELECT value FROM json_each(?)) AND tenant_id = ?',
    ).all(JSON.stringify(ids), tenantId) as EventRow[];
    return rows.map(eventFromRow);
  }

  async getSubjects(tenantId: string, ids: readonly string[]): Promise<Map<string, Subject>> {
    if (ids.length === 0) return new Map();
    const rows = this.stmt('SELECT * FROM subjects WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))').all(
      tenantId,
      JSON.stringify(ids),
    ) as SubjectRow[];
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
    // INDEXED BY: on a tenant with many subjects the planner otherwise walks
    // subjects_by_created for the ORDER BY instead of looking the parents up.
    const rows = this.stmt(
      `SELECT * FROM (
           SELECT *, row_number() OVER (PARTITION BY parent_id ORDER BY created_at, id) AS rank
           FROM subjects INDEXED BY subjects_by_parent
           WHERE tenant_id = ? AND parent_id IN (SELECT value FROM json_each(?)) AND workflow = ?
         ) WHERE rank <= ? ORDER BY parent_id, created_at, id`,
    ).all(tenantId, JSON.stringify(parentIds), workflow, limitPerParent) as SubjectRow[];
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
    const rows = this.stmt(
      'SELECT event_sequence, jws FROM event_sets WHERE tenant_id = ? AND event_sequence IN (SELECT value FROM json_each(?))',
    ).all(tenantId, JSON.stringify(sequences)) as Array<{ event_sequence: number; jws: string }>;
    return new Map(rows.map((r) => [r.event_sequence, r.jws]));
  }

  async insertSets(tenantId: string, sets: readonly StoredSet[]): Promise<void> {
    const insert = this.stmt(
      'INSERT INTO event_sets (tenant_id, event_sequence, kid, jws) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.db.transaction(() => {
      for (const s of sets) insert.run(tenantId, s.sequence, s.kid, s.jws);
    })();
  }

  async eraseSubject(tenantId: string, subjectId: string, at: string): Promise<string | null> {
    return this.db
      .transaction(() => {
        const row = this.stmt(
          `UPDATE subjects SET attributes = '{}', erased_at = coalesce(erased_at, ?), version = version + 1, updated_at = ?
             WHERE tenant_id = ? AND id = ? RETURNING erased_at`,
        ).get(at, at, tenantId, subjectId) as { erased_at: string } | undefined;
        if (!row) return null;
        this.stmt(
          `DELETE FROM event_sets WHERE tenant_id = ? AND event_sequence IN
               (SELECT sequence FROM events WHERE tenant_id = ? AND subject_id = ?)`,
        ).run(tenantId, tenantId, subjectId);
        // What receivers answered to this subject's pushes may echo its data: the excerpt goes, and
        // so does a message read from the answer (an RFC 8935 refusal). Found through the tenant's
        // endpoints and deliveries_once (endpoint_id, event_sequence): no index of its own to keep.
        this.stmt(
          `UPDATE delivery_attempts SET response_excerpt = NULL,
               error_message = CASE WHEN http_status IS NULL THEN error_message END
             WHERE delivery_id IN (SELECT d.id FROM endpoints p JOIN deliveries d ON d.endpoint_id = p.id
               WHERE p.tenant_id = ? AND d.event_sequence IN
                 (SELECT sequence FROM events WHERE tenant_id = ? AND subject_id = ?))
               AND (response_excerpt IS NOT NULL OR (http_status IS NOT NULL AND error_message IS NOT NULL))`,
        ).run(tenantId, tenantId, subjectId);
        this.stmt(`UPDATE events SET data = '{}' WHERE tenant_id = ? AND subject_id = ? AND data <> '{}'`).run(
          tenantId,
          subjectId,
        );
        // The render snapshots that show this subject: its own events, its children's (as their
        // parent), and its family's (as a listed child: its parent's events and its siblings').
        const { parent_id: parentId } = this.stmt('SELECT parent_id FROM subjects WHERE tenant_id = ? AND id = ?').get(
          tenantId,
          subjectId,
        ) as { parent_id: string | null };
        const family = JSON.stringify(parentId === null ? [subjectId] : [subjectId, parentId]);
        const shown = this.stmt(
          `SELECT sequence, render_context FROM events WHERE tenant_id = ? AND render_context IS NOT NULL
             AND (subject_id IN (SELECT value FROM json_each(?)) OR parent_id IN (SELECT value FROM json_each(?)))`,
        ).all(tenantId, family, family) as Array<{ sequence: number; render_context: string }>;
        const rewrite = this.stmt('UPDATE events SET render_context = ? WHERE tenant_id = ? AND sequence = ?');
        for (const r of shown) {
          const scrubbed = JSON.stringify(eraseFromSnapshot(JSON.parse(r.render_context), subjectId, row.erased_at));
          if (scrubbed !== r.render_context) rewrite.run(scrubbed, tenantId, r.sequence);
        }
        return row.erased_at;
      })
      .immediate();
  }

  async deleteExpiredEvents(tenantId: string, cutoff: string, batch: number): Promise<number> {
    return this.db
      .transaction(() => {
        // The oldest `batch` events by sequence: sequence order follows time, so
        // the expired ones are a prefix and no scan walks past the first fresh event.
        const head = this.stmt(
          'SELECT sequence, occurred_at FROM events WHERE tenant_id = ? ORDER BY sequence LIMIT ?',
        ).all(tenantId, batch) as Array<{ sequence: number; occurred_at: string }>;
        const expired = head.filter((r) => r.occurred_at < cutoff).map((r) => r.sequence);
        if (expired.length === 0) return 0;
        const list = JSON.stringify(expired);
        const inList = 'IN (SELECT value FROM json_each(?))';
        this.stmt(`DELETE FROM event_sets WHERE tenant_id = ? AND event_sequence ${inList}`).run(tenantId, list);
        this.stmt(`DELETE FROM stream_pending WHERE tenant_id = ? AND event_sequence ${inList}`).run(tenantId, list);
        return this.stmt(`DELETE FROM events WHERE tenant_id = ? AND sequence ${inList}`).run(tenantId, list).changes;
      })
      .immediate();
  }

  async deleteSetsSignedBy(kids: readonly string[], batch: number): Promise<number> {
    if (kids.length === 0) return 0;
    return this.stmt(
      `DELETE FROM event_sets WHERE (tenant_id, event_sequence) IN
           (SELECT tenant_id, event_sequence FROM event_sets WHERE kid IN (SELECT value FROM json_each(?)) LIMIT ?)`,
    ).run(JSON.stringify(kids), batch).changes;
  }
}
