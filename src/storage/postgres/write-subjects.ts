import type pg from 'pg';
import type { Change } from '../../workflows/engine.js';
import type { CommitResult, IdempotencyWrite } from '../store.js';
import { findIdempotency } from './sql/idempotency.js';
import { insertSubject } from './sql/insert-subject.js';
import { updateSubject } from './sql/update-subject.js';

/**
 * The first half of a commit, before the tenant's sequence lock: refuses a
 * replayed idempotency key, then writes the subjects (insert, or compare-and-set
 * on `expectedVersion`) and their timers. Returns the refusal, or null when
 * every write went through; the caller rolls back (transaction or savepoint) on
 * a refusal.
 */
export async function writeSubjects(
  client: pg.PoolClient,
  tenantId: string,
  change: Change,
  idempotency: IdempotencyWrite | undefined,
): Promise<CommitResult | null> {
  if (idempotency) {
    const record = await findIdempotency(client, tenantId, idempotency.key);
    if (record) return { ok: false, reason: 'idempotency_replay', record };
  }
  for (const write of change.subjects) {
    const s = write.subject;
    if (write.expectedVersion === null) {
      if (!(await insertSubject(client, tenantId, s, write.timer))) {
        return { ok: false, reason: 'subject_exists', subjectId: s.id };
      }
    } else if (!(await updateSubject(client, tenantId, s, write.expectedVersion, write.timer))) {
      return { ok: false, reason: 'version_conflict', subjectId: s.id };
    }
  }
  return null;
}
