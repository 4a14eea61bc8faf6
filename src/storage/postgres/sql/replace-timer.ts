import type { ArmedTimer } from '../../../workflows/timer-plan.js';
import type { Queryable } from '../queryable.js';

/** Arms `timer` for the subject at `subjectVersion`, replacing any earlier one; `null` disarms. */
export async function replaceTimer(
  db: Queryable,
  tenantId: string,
  subjectId: string,
  subjectVersion: number,
  timer: ArmedTimer | null,
): Promise<void> {
  if (!timer) {
    await db.query({
      name: 'tidings_delete_subject_timer',
      text: 'DELETE FROM timers WHERE tenant_id = $1 AND subject_id = $2',
      values: [tenantId, subjectId],
    });
    return;
  }
  await db.query({
    name: 'tidings_replace_timer',
    text: `INSERT INTO timers (tenant_id, subject_id, subject_version, name, fire, to_status, data, due_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (tenant_id, subject_id) DO UPDATE SET
             subject_version = EXCLUDED.subject_version, name = EXCLUDED.name, fire = EXCLUDED.fire,
             to_status = EXCLUDED.to_status, data = EXCLUDED.data, due_at = EXCLUDED.due_at`,
    values: [
      tenantId,
      subjectId,
      subjectVersion,
      timer.name,
      timer.fire,
      timer.to ?? null,
      timer.data ? JSON.stringify(timer.data) : null,
      timer.dueAt,
    ],
  });
}
