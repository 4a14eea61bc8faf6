import type { ArmedTimer } from '../../../workflows/timer-plan.js';

/**
 * CTEs that arm or disarm a subject's timer in the same statement as the
 * subject write, and only if that write happened (`written` names the CTE of
 * the write). Folding the timer in saves a round trip per change, and a group
 * commit spends its time on round trips (see group-commit.ts). `$1` is the
 * tenant; `subject` and `version` are the placeholders of the subject's id and
 * new version; the five `timerValues` start at placeholder number `first`
 * (a NULL name disarms).
 */
export function timerWriteCtes(written: string, subject: string, version: string, first: number): string {
  const [name, fire, to, data, due] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return `
disarmed AS (
  DELETE FROM timers WHERE tenant_id = $1 AND subject_id = ${subject}
    AND ${name}::text IS NULL AND EXISTS (SELECT 1 FROM ${written})
),
armed AS (
  INSERT INTO timers (tenant_id, subject_id, subject_version, name, fire, to_status, data, due_at)
  SELECT $1, ${subject}, ${version}, ${name}::text, ${fire}::text, ${to}::text, ${data}::json, ${due}::timestamptz
  WHERE ${name}::text IS NOT NULL AND EXISTS (SELECT 1 FROM ${written})
  ON CONFLICT (tenant_id, subject_id) DO UPDATE SET
    subject_version = EXCLUDED.subject_version, name = EXCLUDED.name, fire = EXCLUDED.fire,
    to_status = EXCLUDED.to_status, data = EXCLUDED.data, due_at = EXCLUDED.due_at
)`;
}

/** The five timer values of `timerWriteCtes`, all null to disarm. */
export function timerValues(timer: ArmedTimer | null): unknown[] {
  if (!timer) return [null, null, null, null, null];
  return [timer.name, timer.fire, timer.to ?? null, timer.data ? JSON.stringify(timer.data) : null, timer.dueAt];
}
