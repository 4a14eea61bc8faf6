import type { Subject } from '../../../subjects/subject.js';
import type { Queryable } from '../queryable.js';

/**
 * Inserts a new subject; false when one with that id exists. ON CONFLICT waits
 * for a concurrent uncommitted insert of the same id, so of two racing creators
 * exactly one wins and the other sees the winner.
 */
export async function insertSubject(db: Queryable, tenantId: string, s: Subject): Promise<boolean> {
  const result = await db.query({
    name: 'tidings_insert_subject',
    text: `INSERT INTO subjects (tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at, status_changed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
    values: [
      tenantId,
      s.id,
      s.workflow,
      s.status,
      s.version,
      s.parentId,
      JSON.stringify(s.attributes),
      s.createdAt,
      s.updatedAt,
      s.statusChangedAt,
    ],
  });
  return result.rowCount === 1;
}
