import type Database from 'better-sqlite3';
import type { StoredEvent } from '../../events/event.js';
import { type EventRow, eventFromRow } from '../../storage/rows.js';
import type { FeedFilter, FeedStorage, LogScope, StoredSet } from './feed-storage.js';

const LOG_SOURCE = `(SELECT * FROM events WHERE tenant_id = @tenantId AND subject_id = @subjectId
  UNION ALL SELECT * FROM events WHERE tenant_id = @tenantId AND parent_id = @subjectId AND @withChildren = 1)`;

export class SqliteFeedStorage implements FeedStorage {
  constructor(private readonly db: Database.Database) {}

  async listFeedEvents(tenantId: string, filter: FeedFilter): Promise<StoredEvent[]> {
    const where = ['tenant_id = @tenantId', 'sequence > @after'];
    if (filter.workflow !== undefined) where.push('workflow = @workflow');
    if (filter.type !== undefined) where.push('type = @type');
    const rows = this.db
      .prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY sequence LIMIT @limit`)
      .all({
        tenantId,
        after: filter.afterSequence,
        workflow: filter.workflow,
        type: filter.type,
        limit: filter.limit,
      }) as EventRow[];
    return rows.map(eventFromRow);
  }

  async listLogEvents(tenantId: string, scope: LogScope, offset: number, limit: number): Promise<StoredEvent[]> {
    const rows = this.db.prepare(`SELECT * FROM ${LOG_SOURCE} ORDER BY sequence LIMIT @limit OFFSET @offset`).all({
      tenantId,
      subjectId: scope.subjectId,
      withChildren: scope.withChildren ? 1 : 0,
      limit,
      offset,
    }) as EventRow[];
    return rows.map(eventFromRow);
  }

  async countLogEvents(tenantId: string, scope: LogScope): Promise<number> {
    const row = this.db
      .prepare(`SELECT count(*) AS n FROM ${LOG_SOURCE}`)
      .get({ tenantId, subjectId: scope.subjectId, withChildren: scope.withChildren ? 1 : 0 }) as { n: number };
    return row.n;
  }

  async getSets(tenantId: string, sequences: readonly number[]): Promise<Map<number, string>> {
    if (sequences.length === 0) return new Map();
    const rows = this.db
      .prepare(
        'SELECT event_sequence, jws FROM event_sets WHERE tenant_id = ? AND event_sequence IN (SELECT value FROM json_each(?))',
      )
      .all(tenantId, JSON.stringify(sequences)) as Array<{ event_sequence: number; jws: string }>;
    return new Map(rows.map((r) => [r.event_sequence, r.jws]));
  }

  async insertSets(tenantId: string, sets: readonly StoredSet[]): Promise<void> {
    const insert = this.db.prepare(
      'INSERT INTO event_sets (tenant_id, event_sequence, kid, jws) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.db.transaction(() => {
      for (const s of sets) insert.run(tenantId, s.sequence, s.kid, s.jws);
    })();
  }

  async eraseSubject(tenantId: string, subjectId: string, at: string): Promise<string | null> {
    return this.db
      .transaction(() => {
        const row = this.db
          .prepare(
            `UPDATE subjects SET attributes = '{}', erased_at = coalesce(erased_at, ?), version = version + 1, updated_at = ?
             WHERE tenant_id = ? AND id = ? RETURNING erased_at`,
          )
          .get(at, at, tenantId, subjectId) as { erased_at: string } | undefined;
        if (!row) return null;
        this.db
          .prepare(
            `DELETE FROM event_sets WHERE tenant_id = ? AND event_sequence IN
               (SELECT sequence FROM events WHERE tenant_id = ? AND subject_id = ?)`,
          )
          .run(tenantId, tenantId, subjectId);
        this.db
          .prepare(`UPDATE events SET data = '{}' WHERE tenant_id = ? AND subject_id = ? AND data <> '{}'`)
          .run(tenantId, subjectId);
        return row.erased_at;
      })
      .immediate();
  }

  async deleteExpiredEvents(tenantId: string, cutoff: string, batch: number): Promise<number> {
    return this.db
      .transaction(() => {
        // The oldest `batch` events by sequence: sequence order follows time, so
        // the expired ones are a prefix and no scan walks past the first fresh event.
        const head = this.db
          .prepare('SELECT sequence, occurred_at FROM events WHERE tenant_id = ? ORDER BY sequence LIMIT ?')
          .all(tenantId, batch) as Array<{ sequence: number; occurred_at: string }>;
        const expired = head.filter((r) => r.occurred_at < cutoff).map((r) => r.sequence);
        if (expired.length === 0) return 0;
        const list = JSON.stringify(expired);
        const inList = 'IN (SELECT value FROM json_each(?))';
        this.db.prepare(`DELETE FROM event_sets WHERE tenant_id = ? AND event_sequence ${inList}`).run(tenantId, list);
        this.db
          .prepare(`DELETE FROM stream_pending WHERE tenant_id = ? AND event_sequence ${inList}`)
          .run(tenantId, list);
        return this.db.prepare(`DELETE FROM events WHERE tenant_id = ? AND sequence ${inList}`).run(tenantId, list)
          .changes;
      })
      .immediate();
  }

  async deleteSetsSignedBy(kids: readonly string[], batch: number): Promise<number> {
    if (kids.length === 0) return 0;
    return this.db
      .prepare(
        `DELETE FROM event_sets WHERE (tenant_id, event_sequence) IN
           (SELECT tenant_id, event_sequence FROM event_sets WHERE kid IN (SELECT value FROM json_each(?)) LIMIT ?)`,
      )
      .run(JSON.stringify(kids), batch).changes;
  }
}
