import type pg from 'pg';
import type { Change } from '../../workflows/engine.js';
import type { CommitResult, IdempotencyWrite } from '../store.js';
import { isUniqueViolation } from './pg-errors.js';
import { appendEvents } from './sql/append-events.js';
import { findIdempotency, insertIdempotency } from './sql/idempotency.js';
import { readSnapshots } from './sql/read-snapshots.js';
import { transaction } from './transaction.js';
import { writeSubjects } from './write-subjects.js';

/**
 * Commits ONE `Change` in its own transaction. The store normally commits
 * through `group-commit.ts` (many changes per transaction); this path serves a
 * change that must be answered on its own: one whose writes failed inside a
 * batch, an idempotency twin of another change in the same batch, or every
 * change of a batch that the server refused as a whole. It has exactly the
 * batch's semantics, one change wide; the gap-free argument is the batch's
 * (see `commit-batch.ts`): the tenant row is locked last, by the statement
 * that allocates the sequence numbers, and held to COMMIT.
 */
export async function commitChange(
  pool: pg.Pool,
  tenantId: string,
  change: Change,
  idempotency: IdempotencyWrite | undefined,
  renderSnapshots: boolean = true,
): Promise<CommitResult> {
  let result: CommitResult;
  try {
    result = await transaction(
      pool,
      (client) => apply(client, tenantId, change, idempotency, renderSnapshots),
      (r) => r.ok,
    );
  } catch (error) {
    // A twin with the same Idempotency-Key committed between our check and our insert.
    if (idempotency && isUniqueViolation(error, 'idempotency_keys_pkey')) {
      const record = await findIdempotency(pool, tenantId, idempotency.key);
      if (record) return { ok: false, reason: 'idempotency_replay', record };
    }
    throw error;
  }
  if (!result.ok && result.reason !== 'idempotency_replay' && idempotency) {
    // A twin that wrote the same subjects first makes us conflict on them; it
    // has committed by the time our write saw its row, so its record is there
    // and the caller gets the twin's answer, as SQLite would give.
    const record = await findIdempotency(pool, tenantId, idempotency.key);
    if (record) return { ok: false, reason: 'idempotency_replay', record };
  }
  return result;
}

async function apply(
  client: pg.PoolClient,
  tenantId: string,
  change: Change,
  idempotency: IdempotencyWrite | undefined,
  renderSnapshots: boolean,
): Promise<CommitResult> {
  const refusal = await writeSubjects(client, tenantId, change, idempotency);
  if (refusal) return refusal;
  const [snapshots = []] = renderSnapshots ? await readSnapshots(client, tenantId, [change]) : [];
  const events = await appendEvents(client, tenantId, change.events, snapshots);
  if (idempotency) {
    const { status, body } = idempotency.respond(events);
    await insertIdempotency(client, {
      tenantId,
      key: idempotency.key,
      requestHash: idempotency.requestHash,
      status,
      body,
      createdAt: idempotency.createdAt,
    });
  }
  return { ok: true, events };
}
