import type Database from 'better-sqlite3';
import type { ControlSet, SsfMethod, SsfStatus, SsfStorage, SsfStreamRecord } from './ssf-storage.js';

interface Row {
  tenant_id: string;
  id: string;
  method: string;
  carrier_id: string;
  aud: string;
  description: string | null;
  events_requested: string;
  status: string;
  reason: string | null;
  verified_at: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): SsfStreamRecord => ({
  tenantId: r.tenant_id,
  id: r.id,
  method: r.method as SsfMethod,
  carrierId: r.carrier_id,
  aud: r.aud,
  description: r.description,
  eventsRequested: JSON.parse(r.events_requested) as string[],
  status: r.status as SsfStatus,
  reason: r.reason,
  verifiedAt: r.verified_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class SqliteSsfStorage implements SsfStorage {
  constructor(private readonly db: Database.Database) {}

  async createStream(s: SsfStreamRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO ssf_streams (tenant_id, id, method, carrier_id, aud, description, events_requested, status, reason,
                                  verified_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      );
  }

  async getStream(tenantId: string, id: string): Promise<SsfStreamRecord | null> {
    const row = this.db.prepare('SELECT * FROM ssf_streams WHERE tenant_id = ? AND id = ?').get(tenantId, id) as
      | Row
      | undefined;
    return row ? fromRow(row) : null;
  }

  async listStreams(tenantId: string): Promise<SsfStreamRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM ssf_streams WHERE tenant_id = ? ORDER BY created_at, id')
      .all(tenantId) as Row[];
    return rows.map(fromRow);
  }

  async updateStream(s: SsfStreamRecord): Promise<boolean> {
    const info = this.db
      .prepare(
        `UPDATE ssf_streams SET carrier_id = ?, description = ?, events_requested = ?, status = ?, reason = ?, updated_at = ?
         WHERE tenant_id = ? AND id = ?`,
      )
      .run(
        s.carrierId,
        s.description,
        JSON.stringify(s.eventsRequested),
        s.status,
        s.reason,
        s.updatedAt,
        s.tenantId,
        s.id,
      );
    return info.changes === 1;
  }

  async deleteStream(tenantId: string, id: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM ssf_control_sets WHERE tenant_id = ? AND stream_id = ?').run(tenantId, id);
        return (
          this.db.prepare('DELETE FROM ssf_streams WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes === 1
        );
      })
      .immediate();
  }

  async claimVerification(tenantId: string, id: string, now: string, notBefore: string): Promise<boolean> {
    const info = this.db
      .prepare(
        `UPDATE ssf_streams SET verified_at = ?
         WHERE tenant_id = ? AND id = ? AND (verified_at IS NULL OR verified_at <= ?)`,
      )
      .run(now, tenantId, id, notBefore);
    return info.changes === 1;
  }

  async addControlSet(tenantId: string, streamId: string, set: ControlSet, at: string): Promise<void> {
    this.db
      .prepare('INSERT INTO ssf_control_sets (tenant_id, stream_id, jti, jws, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(tenantId, streamId, set.jti, set.jws, at);
  }

  async controlSets(tenantId: string, streamId: string, limit: number): Promise<ControlSet[]> {
    return this.db
      .prepare(
        'SELECT jti, jws FROM ssf_control_sets WHERE tenant_id = ? AND stream_id = ? ORDER BY created_at, jti LIMIT ?',
      )
      .all(tenantId, streamId, limit) as ControlSet[];
  }

  async settleControlSets(tenantId: string, streamId: string, jtis: readonly string[]): Promise<void> {
    if (jtis.length === 0) return;
    this.db
      .prepare(
        'DELETE FROM ssf_control_sets WHERE tenant_id = ? AND stream_id = ? AND jti IN (SELECT value FROM json_each(?))',
      )
      .run(tenantId, streamId, JSON.stringify(jtis));
  }
}
