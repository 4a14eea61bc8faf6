import type pg from 'pg';
import { transaction } from '../../storage/postgres/transaction.js';
import type { ControlSet, SsfMethod, SsfStatus, SsfStorage, SsfStreamRecord } from './ssf-storage.js';

interface Row {
  tenant_id: string;
  id: string;
  method: string;
  carrier_id: string;
  aud: string;
  description: string | null;
  events_requested: string[];
  status: string;
  reason: string | null;
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'tenant_id, id, method, carrier_id, aud, description, events_requested, status, reason, verified_at, created_at, updated_at';

const fromRow = (r: Row): SsfStreamRecord => ({
  tenantId: r.tenant_id,
  id: r.id,
  method: r.method as SsfMethod,
  carrierId: r.carrier_id,
  aud: r.aud,
  description: r.description,
  eventsRequested: r.events_requested,
  status: r.status as SsfStatus,
  reason: r.reason,
  verifiedAt: r.verified_at === null ? null : r.verified_at.toISOString(),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export class PostgresSsfStorage implements SsfStorage {
  constructor(private readonly pool: pg.Pool) {}

  async createStream(s: SsfStreamRecord): Promise<void> {
    await this.pool.query({
      text: `INSERT INTO ssf_streams (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      values: [
        s.tenantId,
        s.id,
        s.method,
        s.carrierId,
        s.aud,
        s.description,
        JSON.stringify(s.eventsRequested),
        s.status,
        s.reason,
        s.verifiedAt,
        s.createdAt,
        s.updatedAt,
      ],
    });
  }

  async getStream(tenantId: string, id: string): Promise<SsfStreamRecord | null> {
    const { rows } = await this.pool.query<Row>({
      text: `SELECT ${COLUMNS} FROM ssf_streams WHERE tenant_id = $1 AND id = $2`,
      values: [tenantId, id],
    });
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async listStreams(tenantId: string): Promise<SsfStreamRecord[]> {
    const { rows } = await this.pool.query<Row>({
      text: `SELECT ${COLUMNS} FROM ssf_streams WHERE tenant_id = $1 ORDER BY created_at, id`,
      values: [tenantId],
    });
    return rows.map(fromRow);
  }

  async updateStream(s: SsfStreamRecord): Promise<boolean> {
    const result = await this.pool.query({
      text: `UPDATE ssf_streams SET carrier_id = $3, description = $4, events_requested = $5, status = $6, reason = $7,
               updated_at = $8
             WHERE tenant_id = $1 AND id = $2`,
      values: [
        s.tenantId,
        s.id,
        s.carrierId,
        s.description,
        JSON.stringify(s.eventsRequested),
        s.status,
        s.reason,
        s.updatedAt,
      ],
    });
    return result.rowCount === 1;
  }

  async deleteStream(tenantId: string, id: string): Promise<boolean> {
    return transaction(this.pool, async (client) => {
      await client.query({
        text: 'DELETE FROM ssf_control_sets WHERE tenant_id = $1 AND stream_id = $2',
        values: [tenantId, id],
      });
      const result = await client.query({
        text: 'DELETE FROM ssf_streams WHERE tenant_id = $1 AND id = $2',
        values: [tenantId, id],
      });
      return result.rowCount === 1;
    });
  }

  async claimVerification(tenantId: string, id: string, now: string, notBefore: string): Promise<boolean> {
    const result = await this.pool.query({
      text: `UPDATE ssf_streams SET verified_at = $3
             WHERE tenant_id = $1 AND id = $2 AND (verified_at IS NULL OR verified_at <= $4)`,
      values: [tenantId, id, now, notBefore],
    });
    return result.rowCount === 1;
  }

  async addControlSet(tenantId: string, streamId: string, set: ControlSet, at: string): Promise<void> {
    await this.pool.query({
      text: 'INSERT INTO ssf_control_sets (tenant_id, stream_id, jti, jws, created_at) VALUES ($1, $2, $3, $4, $5)',
      values: [tenantId, streamId, set.jti, set.jws, at],
    });
  }

  async controlSets(tenantId: string, streamId: string, limit: number): Promise<ControlSet[]> {
    const { rows } = await this.pool.query<ControlSet>({
      text: `SELECT jti, jws FROM ssf_control_sets WHERE tenant_id = $1 AND stream_id = $2
             ORDER BY created_at, jti LIMIT $3`,
      values: [tenantId, streamId, limit],
    });
    return rows;
  }

  async settleControlSets(tenantId: string, streamId: string, jtis: readonly string[]): Promise<void> {
    if (jtis.length === 0) return;
    await this.pool.query({
      text: 'DELETE FROM ssf_control_sets WHERE tenant_id = $1 AND stream_id = $2 AND jti = ANY($3::text[])',
      values: [tenantId, streamId, jtis],
    });
  }
}
