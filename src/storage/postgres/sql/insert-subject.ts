import type { Subject } from '../../../subjects/subject.js';
import type { ArmedTimer } from '../../../workflows/timer-plan.js';
import type { Queryable } from '../queryable.js';
import { timerValues, timerWriteCtes } from './timer-write.js';

/**
 * Inserts a new subject and arms its timer; false when a subject with that id
 * exists (nothing written then). ON CONFLICT waits for a concurrent uncommitted
 * insert of the same id, so of two racing creators exactly one wins and the
 * other sees the winner.
 */
export async function insertSubject(
  db: Queryable,
  tenantId: string,
  s: Subject,
  timer: ArmedTimer | null,
): Promise<boolean> {
  const result = await db.query<{ n: string }>({
    name: 'tidings_insert_subject',
    text: `
WITH written AS (
  INSERT INTO subjects (tenant_id, id, workflow, status, version, parent_id, attributes, created_at, updated_at, status_changed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING
  RETURNING 1
),${timerWriteCtes('written', '$2', '$5::integer', 11)}
SELECT count(*) AS n FROM written`,
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
      ...timerValues(timer),
    ],
  });
  return Number(result.rows[0]?.n) === 1;
}
