import type { Subject } from '../../../subjects/subject.js';
import type { ArmedTimer } from '../../../workflows/timer-plan.js';
import type { Queryable } from '../queryable.js';
import { timerValues, timerWriteCtes } from './timer-write.js';

/**
 * Compare-and-set update of a subject that also arms (or disarms) its timer;
 * false, and nothing written, when the stored version is not `expectedVersion`.
 * Under READ COMMITTED a writer blocked on the row re-checks the guard against
 * the row the other writer committed, so of two racing updates one conflicts.
 */
export async function updateSubject(
  db: Queryable,
  tenantId: string,
  s: Subject,
  expectedVersion: number,
  timer: ArmedTimer | null,
): Promise<boolean> {
  const result = await db.query<{ n: string }>({
    name: 'tidings_update_subject',
    text: `
WITH written AS (
  UPDATE subjects SET status = $3, version = $4, attributes = $5, updated_at = $6, status_changed_at = $7
  WHERE tenant_id = $1 AND id = $2 AND version = $8
  RETURNING 1
),${timerWriteCtes('written', '$2', '$4::integer', 9)}
SELECT count(*) AS n FROM written`,
    values: [
      tenantId,
      s.id,
      s.status,
      s.version,
      JSON.stringify(s.attributes),
      s.updatedAt,
      s.statusChangedAt,
      expectedVersion,
      ...timerValues(timer),
    ],
  });
  return Number(result.rows[0]?.n) === 1;
}
