import type { Subject } from '../../../subjects/subject.js';
import type { Queryable } from '../queryable.js';

/**
 * Compare-and-set update: false when the stored version is not `expectedVersion`.
 * Under READ COMMITTED a writer blocked on the row re-checks the guard against
 * the row the other writer committed, so of two racing updates one conflicts.
 */
export async function updateSubject(
  db: Queryable,
  tenantId: string,
  s: Subject,
  expectedVersion: number,
): Promise<boolean> {
  const result = await db.query({
    name: 'tidings_update_subject',
    text: `UPDATE subjects SET status = $1, version = $2, attributes = $3, updated_at = $4, status_changed_at = $5
           WHERE tenant_id = $6 AND id = $7 AND version = $8`,
    values: [
      s.status,
      s.version,
      JSON.stringify(s.attributes),
      s.updatedAt,
      s.statusChangedAt,
      tenantId,
      s.id,
      expectedVersion,
    ],
  });
  return result.rowCount === 1;
}
