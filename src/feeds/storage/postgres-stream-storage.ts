import type pg from 'pg';
import type { StoredEvent } from '../../events/event.js';
import { RENDER_EVENT_COLUMNS } from '../../storage/postgres/sql/columns.js';
import { transaction } from '../../storage/postgres/transaction.js';
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
  event_types: string[] | null;
  workflows: string[] | null;
  cursor_sequence: string;
  created_at: Date;
}

const STREAM_COLUMNS = 'tenant_id, id, name, event_types, workflows, cursor_sequence, created_at';

const fromRow = (r: StreamRow): StreamRecord => ({
  tenantId: r.tenant_id,
  id: r.id,
  name: r.name,
  eventTypes: r.event_types,
  workflows: r.workflows,
  cursorSequence: Number(r.cursor_sequence),
  createdAt: r.created_at.toISOString(),
});

export class PostgresStreamStorage implements StreamStorage {
  constructor(private readonly pool: pg.Pool) {}

  async createStream(s: StreamRecord): Promise<boolean> {
    const result = await this.pool.query({
      text: `INSERT INTO streams (${STREAM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      values: [
        s.tenantId,
        s.id,
        s.name,
        s.eventTypes === null ? null : JSON.stringify(s.eventTypes),
        s.workflows === null ? null : JSON.stringify(s.workflows),
        s.cursorSequence,
        s.createdAt,
      ],
    });
    return result.rowCount === 1;
  }

  async getStream(tenantId: string, id: string): Promise<StreamRecord | null> {
    const { rows } = await this.pool.query<StreamRow>({
      text: `SELECT ${STREAM_COLUMNS} FROM streams WHERE tenant_id = $1 AND id = $2`,
      values: [tenantId, id],
    });
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async listStreams(tenantId: string): Promise<StreamRecord[]> {
    const { rows } = await this.pool.query<StreamRow>({
      text: `SELECT ${STREAM_COLUMNS} FROM streams WHERE tenant_id = $1 ORDER BY created_at, id`,
      values: [tenantId],
    });
    return rows.map(fromRow);
  }

  async deleteStream(tenantId: string, id: string): Promise<boolean> {
    return transaction(this.pool, async (client) => {
      await client.query({
        text: 'DELETE FROM stream_pending WHERE tenant_id = $1 AND stream_id = $2',
        values: [tenantId, id],
      });
      await client.query({
        text: 'DELETE FROM stream_set_errors WHERE tenant_id = $1 AND stream_id = $2',
        values: [tenantId, id],
      });
      const r = await client.query({
        text: 'DELETE FROM streams WHERE tenant_id = $1 AND id = $2',
        values: [tenantId, id],
      });
      return r.rowCount === 1;
    });
  }

  async lastSequence(tenantId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string | null }>({
      text: 'SELECT max(sequence) AS n FROM events WHERE tenant_id = $1',
      values: [tenantId],
    });
    return Number(rows[0]?.n ?? 0);
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
    await transaction(this.pool, async (client) => {
      // Recorded before the delete below, and only for SETs that are pending: made-up jtis store nothing.
      if (errors.length > 0) {
        await client.query({
          text: `INSERT INTO stream_set_errors
                 SELECT $1::text, $2::text, e.jti, e.err, e.description, $6::timestamptz
                 FROM unnest($3::text[], $4::text[], $5::text[]) AS e(jti, err, description)
                 WHERE EXISTS (SELECT 1 FROM stream_pending p
                               WHERE p.tenant_id = $1 AND p.stream_id = $2 AND p.jti = e.jti)`,
          values: [
            tenantId,
            streamId,
            errors.map((e) => e.jti),
            errors.map((e) => e.err),
            errors.map((e) => e.description),
            at,
          ],
        });
      }
      await client.query({
        text: 'DELETE FROM stream_pending WHERE tenant_id = $1 AND stream_id = $2 AND jti = ANY($3::text[])',
        values: [tenantId, streamId, done],
      });
    });
  }

  async setErrors(tenantId: string, streamId: string, limit: number): Promise<RecordedSetError[]> {
    const { rows } = await this.pool.query<{
      jti: string;
      err: string;
      description: string;
      reported_at: Date | string;
    }>({
      text: `SELECT jti, err, description, reported_at FROM stream_set_errors
             WHERE tenant_id = $1 AND stream_id = $2 ORDER BY reported_at DESC LIMIT $3`,
      values: [tenantId, streamId, limit],
    });
    return rows.map((r) => ({
      jti: r.jti,
      err: r.err,
      description: r.description,
      reportedAt: r.reported_at instanceof Date ? r.reported_at.toISOString() : r.reported_at,
    }));
  }

  async deleteSetErrorsBefore(before: string, limit: number): Promise<number> {
    const result = await this.pool.query({
      text: `DELETE FROM stream_set_errors WHERE ctid IN
             (SELECT ctid FROM stream_set_errors WHERE reported_at < $1 LIMIT $2)`,
      values: [before, limit],
    });
    return result.rowCount ?? 0;
  }

  async fill(tenantId: string, streamId: string, want: number, scanLimit: number): Promise<{ moreInLog: boolean }> {
    return transaction(this.pool, async (client) => {
      // The row lock serialises concurrent polls of one stream.
      const { rows } = await client.query<StreamRow>({
        text: `SELECT ${STREAM_COLUMNS} FROM streams WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        values: [tenantId, streamId],
      });
      if (!rows[0]) return { moreInLog: false };
      const stream = fromRow(rows[0]);
      const held = await client.query<{ n: string }>({
        text: 'SELECT count(*) AS n FROM stream_pending WHERE tenant_id = $1 AND stream_id = $2',
        values: [tenantId, streamId],
      });
      const room = want - Number(held.rows[0]?.n ?? 0);
      if (room <= 0) return { moreInLog: true };
      const scanned = await client.query<EventRow>({
        text: `SELECT ${RENDER_EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
        values: [tenantId, stream.cursorSequence, scanLimit],
      });
      const plan = planFill(stream, scanned.rows.map(eventFromRow), room, scanLimit);
      if (plan.take.length > 0) {
        await client.query({
          text: `INSERT INTO stream_pending (tenant_id, stream_id, event_sequence, jti)
                 SELECT $1, $2, * FROM unnest($3::bigint[], $4::text[]) ON CONFLICT DO NOTHING`,
          values: [tenantId, streamId, plan.take.map((e) => e.sequence), plan.take.map((e) => e.id)],
        });
      }
      await client.query({
        text: 'UPDATE streams SET cursor_sequence = $1 WHERE tenant_id = $2 AND id = $3',
        values: [plan.cursor, tenantId, streamId],
      });
      return { moreInLog: plan.moreInLog };
    });
  }

  async pending(tenantId: string, streamId: string, limit: number): Promise<{ events: StoredEvent[]; total: number }> {
    const cols = RENDER_EVENT_COLUMNS.split(', ')
      .map((c) => `e.${c}`)
      .join(', ');
    const { rows } = await this.pool.query<EventRow>({
      text: `SELECT ${cols} FROM stream_pending p JOIN events e ON e.tenant_id = p.tenant_id AND e.sequence = p.event_sequence
             WHERE p.tenant_id = $1 AND p.stream_id = $2 ORDER BY p.event_sequence LIMIT $3`,
      values: [tenantId, streamId, limit],
    });
    const total = await this.pool.query<{ n: string }>({
      text: 'SELECT count(*) AS n FROM stream_pending WHERE tenant_id = $1 AND stream_id = $2',
      values: [tenantId, streamId],
    });
    return { events: rows.map(eventFromRow), total: Number(total.rows[0]?.n ?? 0) };
  }
}
