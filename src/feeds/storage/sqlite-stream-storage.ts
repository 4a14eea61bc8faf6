import type Database from 'better-sqlite3';
import type { StoredEvent } from '../../events/event.js';
import { type EventRow, eventFromRow } from '../../storage/rows.js';
import {
  planFill,
  type RecordedSetError,
  type SetError,
  type StreamRecord,
  type StreamStorage,
} from './stream-storage.js';

interface StreamRow {
  tenant_id: string;
  id: string;
  name: string;
  event_types: string | null;
  workflows: string | null;
  cursor_sequence: number;
  created_at: string;
}

const fromRow = (r: StreamRow): StreamRecord => ({
  tenantId: r.tenant_id,
  id: r.id,
  name: r.name,
  eventTypes: r.event_types === null ? null : (JSON.parse(r.event_types) as string[]),
  workflows: r.workflows === null ? null : (JSON.parse(r.workflows) as string[]),
  cursorSequence: r.cursor_sequence,
  createdAt: r.created_at,
});

export class SqliteStreamStorage implements StreamStorage {
  /** `sequenceBelow`: the tenant's first event sequence whose commit is not yet durable (`SqliteStore.sequenceBelow`). */
  constructor(
    private readonly db: Database.Database,
    private readonly sequenceBelow: (tenantId: string) => number = () => Number.MAX_SAFE_INTEGER,
  ) {}

  async createStream(s: StreamRecord): Promise<boolean> {
    const info = this.db
      .prepare(
        `INSERT INTO streams (tenant_id, id, name, event_types, workflows, cursor_sequence, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(
        s.tenantId,
        s.id,
        s.name,
        s.eventTypes === null ? null : JSON.stringify(s.eventTypes),
        s.workflows === null ? null : JSON.stringify(s.workflows),
        s.cursorSequence,
        s.createdAt,
      );
    return info.changes === 1;
  }

  async getStream(tenantId: string, id: string): Promise<StreamRecord | null> {
    const row = this.db.prepare('SELECT * FROM streams WHERE tenant_id = ? AND id = ?').get(tenantId, id) as
      | StreamRow
      | undefined;
    return row ? fromRow(row) : null;
  }

  async listStreams(tenantId: string): Promise<StreamRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM streams WHERE tenant_id = ? ORDER BY created_at, id')
      .all(tenantId) as StreamRow[];
    return rows.map(fromRow);
  }

  async deleteStream(tenantId: string, id: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM stream_pending WHERE tenant_id = ? AND stream_id = ?').run(tenantId, id);
        this.db.prepare('DELETE FROM stream_set_errors WHERE tenant_id = ? AND stream_id = ?').run(tenantId, id);
        return this.db.prepare('DELETE FROM streams WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes === 1;
      })
      .immediate();
  }

  async lastSequence(tenantId: string): Promise<number> {
    const row = this.db.prepare('SELECT max(sequence) AS n FROM events WHERE tenant_id = ?').get(tenantId) as {
      n: number | null;
    };
    return row.n ?? 0;
  }

  async settle(
    tenantId: string,
    streamId: string,
    ack: readonly string[],
    errors: readonly SetError[],
    at: string,
  ): Promise<void> {
    const done = [...ack, ...errors.map((e) => e.jti)];
    if (done.length === 0) return;
    this.db
      .transaction(() => {
        // Recorded before the delete below, and only for SETs that are pending: made-up jtis store nothing.
        const insert = this.db.prepare(
          `INSERT INTO stream_set_errors SELECT ?, ?, ?, ?, ?, ?
           WHERE EXISTS (SELECT 1 FROM stream_pending WHERE tenant_id = ? AND stream_id = ? AND jti = ?)`,
        );
        for (const e of errors) {
          insert.run(tenantId, streamId, e.jti, e.err, e.description, at, tenantId, streamId, e.jti);
        }
        this.db
          .prepare(
            'DELETE FROM stream_pending WHERE tenant_id = ? AND stream_id = ? AND jti IN (SELECT value FROM json_each(?))',
          )
          .run(tenantId, streamId, JSON.stringify(done));
      })
      .immediate();
  }

  async setErrors(tenantId: string, streamId: string, limit: number): Promise<RecordedSetError[]> {
    const rows = this.db
      .prepare(
        `SELECT jti, err, description, reported_at FROM stream_set_errors
         WHERE tenant_id = ? AND stream_id = ? ORDER BY reported_at DESC, rowid DESC LIMIT ?`,
      )
      .all(tenantId, streamId, limit) as Array<{ jti: string; err: string; description: string; reported_at: string }>;
    return rows.map((r) => ({ jti: r.jti, err: r.err, description: r.description, reportedAt: r.reported_at }));
  }

  async deleteSetErrorsBefore(before: string, limit: number): Promise<number> {
    return this.db
      .prepare(
        'DELETE FROM stream_set_errors WHERE rowid IN (SELECT rowid FROM stream_set_errors WHERE reported_at < ? LIMIT ?)',
      )
      .run(before, limit).changes;
  }

  async fill(tenantId: string, streamId: string, want: number, scanLimit: number): Promise<{ moreInLog: boolean }> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT * FROM streams WHERE tenant_id = ? AND id = ?').get(tenantId, streamId) as
          | StreamRow
          | undefined;
        if (!row) return { moreInLog: false };
        const stream = fromRow(row);
        const held = this.db
          .prepare('SELECT count(*) AS n FROM stream_pending WHERE tenant_id = ? AND stream_id = ?')
          .get(tenantId, streamId) as { n: number };
        const room = want - held.n;
        if (room <= 0) return { moreInLog: true };
        const scanned = (
          this.db
            .prepare(
              'SELECT * FROM events WHERE tenant_id = ? AND sequence > ? AND sequence < ? ORDER BY sequence LIMIT ?',
            )
            .all(tenantId, stream.cursorSequence, this.sequenceBelow(tenantId), scanLimit) as EventRow[]
        ).map(eventFromRow);
        const plan = planFill(stream, scanned, room, scanLimit);
        const insert = this.db.prepare('INSERT INTO stream_pending VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
        for (const e of plan.take) insert.run(tenantId, streamId, e.sequence, e.id);
        this.db
          .prepare('UPDATE streams SET cursor_sequence = ? WHERE tenant_id = ? AND id = ?')
          .run(plan.cursor, tenantId, streamId);
        return { moreInLog: plan.moreInLog };
      })
      .immediate();
  }

  async pending(tenantId: string, streamId: string, limit: number): Promise<{ events: StoredEvent[]; total: number }> {
    const rows = this.db
      .prepare(
        `SELECT e.* FROM stream_pending p JOIN events e ON e.tenant_id = p.tenant_id AND e.sequence = p.event_sequence
         WHERE p.tenant_id = ? AND p.stream_id = ? ORDER BY p.event_sequence LIMIT ?`,
      )
      .all(tenantId, streamId, limit) as EventRow[];
    const total = this.db
      .prepare('SELECT count(*) AS n FROM stream_pending WHERE tenant_id = ? AND stream_id = ?')
      .get(tenantId, streamId) as { n: number };
    return { events: rows.map(eventFromRow), total: total.n };
  }
}
