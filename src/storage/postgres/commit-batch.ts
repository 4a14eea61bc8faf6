import type pg from 'pg';
import type { RenderSnapshot, StoredEvent } from '../../events/event.js';
import type { Change } from '../../workflows/engine.js';
import type { CommitResult, IdempotencyRecord, IdempotencyWrite } from '../store.js';
import { type Checkout, checkout } from './checkout.js';
import { commitChange } from './commit-change.js';
import { NOTIFY_OUTBOX, notifyOutbox } from './outbox-notifier.js';
import { isConnectionLost, isDataRefusal } from './pg-errors.js';
import { appendEvents } from './sql/append-events.js';
import { findIdempotency, insertIdempotencies } from './sql/idempotency.js';
import { readSnapshots } from './sql/read-snapshots.js';
import { type BatchedWrite, findIdempotencies, insertSubjects, updateSubjects } from './sql/write-subjects-batch.js';
import { writeSubjects } from './write-subjects.js';

/** A `commit` call waiting for its batch. */
export interface PendingCommit {
  tenantId: string;
  change: Change;
  idempotency: IdempotencyWrite | undefined;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
  /** `false`: no render snapshot (bench only, see `PostgresStoreOptions.renderSnapshots`). */
  renderSnapshots?: false;
}

/** What the batch did with one change. `alone`: answered by its own transaction after the batch. */
type Outcome = { kind: 'applied' } | { kind: 'refused'; result: CommitResult } | { kind: 'alone' };

/**
 * Commits a batch of changes in ONE transaction and settles every one of them.
 *
 * Shape: BEGIN; the single-subject changes' idempotency checks, subject and
 * timer writes in one statement per kind for all of them; per change that
 * writes several subjects SAVEPOINT, its writes, RELEASE (or ROLLBACK TO on a
 * refusal, which answers that change alone); then, per tenant
 * in id order, ONE statement that bumps the tenant's counter and inserts all
 * surviving events and outbox rows (`sql/append-events.ts`); one insert of all
 * idempotency records; COMMIT.
 *
 * Why the cursor feed can never skip an event (the "gap-free cursor under
 * concurrency" question). Sequence numbers come from
 * `UPDATE tenants SET last_sequence = last_sequence + n ... RETURNING`, not from
 * a PostgreSQL SEQUENCE. The UPDATE takes the tenant row's lock and keeps it
 * until this transaction commits or rolls back, so:
 * - the transaction holding n..n+k is the only writer of that tenant between
 *   its UPDATE and its COMMIT; the next writer's UPDATE (another batch, another
 *   process) waits for the lock and then reads the committed counter, so it
 *   gets n+k+1 only after n..n+k are committed (visible to new snapshots:
 *   PostgreSQL makes a commit visible before it releases the commit's locks);
 * - a rolled-back transaction rolls its UPDATE back too, so its numbers are
 *   handed out again: no gaps; a change refused inside the batch was rolled
 *   back to its savepoint before any number was allocated;
 * - hence the tenant's commits become visible in sequence order, and a reader
 *   whose snapshot contains n+1 also contains n. A cursor reader paging by
 *   `sequence > cursor` never passes a number that could still appear later.
 * A SEQUENCE (nextval) would not give this: two transactions could take 7 and
 * 8, commit 8 first, and a reader would move its cursor past 7 for good.
 *
 * The price is that commits of ONE tenant serialise on that row between the
 * UPDATE and COMMIT, which is why the lock is taken last and held only for the
 * append statement, the idempotency insert and COMMIT (its WAL flush). One
 * transaction per change made that window the limit: 64 HTTP clients on one
 * tenant reached ~430-750 transitions/s. Batching puts a whole event-loop turn
 * of changes through one lock window and one WAL flush (measured with
 * `npm run bench`, ingest scenario; numbers in `group-commit.ts`).
 *
 * Tenant rows are locked in id order and only after every subject row, so two
 * batches cannot deadlock over them. Two batches CAN deadlock over subject rows
 * written in opposite orders; the server aborts one statement, that change is
 * rolled back to its savepoint and retried alone after the batch.
 */
export async function commitBatch(pool: pg.Pool, batch: PendingCommit[]): Promise<void> {
  let held: Checkout;
  try {
    held = await checkout(pool);
  } catch (error) {
    for (const item of batch) item.reject(error);
    return;
  }
  const client = held.client;
  let commitSent = false;
  let unusable: Error | undefined;
  let outcomes: Outcome[];
  let events: Map<PendingCommit, StoredEvent[]>;
  try {
    await client.query('BEGIN');
    outcomes = await writeAllSubjects(client, batch);
    // Wakes the worker processes (LISTEN, `outbox-notifier.ts`) when this
    // transaction commits: once per batch, and before the tenant lock is taken
    // so that its round trip does not lengthen the lock window.
    if (batch.some((item, i) => outcomes[i]?.kind === 'applied' && item.change.events.length > 0)) {
      await client.query(NOTIFY_OUTBOX);
    }
    events = await appendAllEvents(client, batch, outcomes);
    await insertIdempotencies(client, idempotencyRecords(events));
    commitSent = true;
    await client.query('COMMIT');
  } catch (error) {
    // No ROLLBACK on a lost or silent connection: it would wait out another timeout.
    if (isConnectionLost(error)) unusable = error as Error;
    else
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        unusable = rollbackError;
      });
    held.release(unusable);
    // Nothing of a refused transaction is kept, so each change may be retried
    // alone for an exact answer. Not after COMMIT was sent (it may have
    // committed) and not when the server or the connection is in trouble.
    if (!commitSent && isDataRefusal(error)) await Promise.all(batch.map((item) => commitAlone(pool, item)));
    else for (const item of batch) item.reject(error);
    return;
  }
  held.release();
  await Promise.all(
    batch.map(async (item, i) => {
      const outcome = outcomes[i];
      if (outcome?.kind === 'applied') item.resolve({ ok: true, events: events.get(item) ?? [] });
      else if (outcome?.kind === 'refused') await twinAnswer(pool, item, outcome.result);
      else await commitAlone(pool, item);
    }),
  );
}

/**
 * The subject writes of every change, before any tenant lock. Single-subject
 * changes (nearly all: a transition, a subject created without children) go
 * in at most three statements for the whole batch (their idempotency records,
 * their inserts, their updates: `sql/write-subjects-batch.ts`), where a
 * statement each was a round trip per change in the transaction. A change
 * that writes several subjects runs on its own behind a savepoint, so its
 * refusal undoes its own writes only.
 */
async function writeAllSubjects(client: pg.PoolClient, batch: PendingCommit[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(batch.length);
  const keys = new Set<string>();
  const single: number[] = [];
  const several: number[] = [];
  batch.forEach((item, i) => {
    if (item.idempotency) {
      // A twin in the same batch cannot see the first one's record (written
      // at the end): answer it after the batch, when the record is committed.
      const key = `${item.tenantId}\n${item.idempotency.key}`;
      if (keys.has(key)) {
        outcomes[i] = { kind: 'alone' };
        return;
      }
      keys.add(key);
    }
    (item.change.subjects.length <= 1 ? single : several).push(i);
  });
  await writeSingleSubjects(client, batch, single, outcomes);
  for (const i of several) outcomes[i] = await writeSeveralSubjects(client, batch[i] as PendingCommit);
  return outcomes;
}

/**
 * One statement per kind of write for the single-subject changes `indexes`.
 * A refusal comes before anything of its change is written, so none needs a
 * savepoint; a statement that fails aborts the transaction, and the batch
 * then retries every change alone (rare: deadlocks, bugs). A second write of
 * a subject already written by this batch is answered alone after the batch
 * (it conflicts there, or goes through, as it would have in sequence).
 */
async function writeSingleSubjects(
  client: pg.PoolClient,
  batch: PendingCommit[],
  indexes: number[],
  outcomes: Outcome[],
): Promise<void> {
  const replays = await findIdempotencies(
    client,
    indexes.flatMap((i) => {
      const item = batch[i] as PendingCommit;
      return item.idempotency ? [{ tenantId: item.tenantId, key: item.idempotency.key }] : [];
    }),
  );
  const inserts: BatchedWrite[] = [];
  const updates: BatchedWrite[] = [];
  const subjects = new Set<string>();
  for (const i of indexes) {
    const item = batch[i] as PendingCommit;
    const record = item.idempotency && replays.get(`${item.tenantId}\n${item.idempotency.key}`);
    if (record) {
      outcomes[i] = { kind: 'refused', result: { ok: false, reason: 'idempotency_replay', record } };
      continue;
    }
    const write = item.change.subjects[0];
    if (!write) {
      outcomes[i] = { kind: 'applied' };
      continue;
    }
    const subject = `${item.tenantId}\n${write.subject.id}`;
    if (subjects.has(subject)) {
      outcomes[i] = { kind: 'alone' };
      continue;
    }
    subjects.add(subject);
    (write.expectedVersion === null ? inserts : updates).push({ ord: i, tenantId: item.tenantId, write });
  }
  const inserted = await insertSubjects(client, inserts);
  const updated = await updateSubjects(client, updates);
  for (const { ord, write } of inserts) {
    outcomes[ord] = inserted.has(ord)
      ? { kind: 'applied' }
      : { kind: 'refused', result: { ok: false, reason: 'subject_exists', subjectId: write.subject.id } };
  }
  for (const { ord, write } of updates) {
    outcomes[ord] = updated.has(ord)
      ? { kind: 'applied' }
      : { kind: 'refused', result: { ok: false, reason: 'version_conflict', subjectId: write.subject.id } };
  }
}

/** A change that writes several subjects (a subject and the children it spawns), behind a savepoint. */
async function writeSeveralSubjects(client: pg.PoolClient, item: PendingCommit): Promise<Outcome> {
  await client.query('SAVEPOINT change');
  try {
    const refusal = await writeSubjects(client, item.tenantId, item.change, item.idempotency);
    await client.query(refusal ? 'ROLLBACK TO SAVEPOINT change' : 'RELEASE SAVEPOINT change');
    return refusal ? { kind: 'refused', result: refusal } : { kind: 'applied' };
  } catch (error) {
    if (!isDataRefusal(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT change');
    return { kind: 'alone' };
  }
}

/** Takes the tenants' sequence locks, in tenant id order, and appends every applied change's events. */
async function appendAllEvents(
  client: pg.PoolClient,
  batch: PendingCommit[],
  outcomes: Outcome[],
): Promise<Map<PendingCommit, StoredEvent[]>> {
  const byTenant = new Map<string, PendingCommit[]>();
  batch.forEach((item, i) => {
    if (outcomes[i]?.kind !== 'applied') return;
    const items = byTenant.get(item.tenantId) ?? [];
    items.push(item);
    byTenant.set(item.tenantId, items);
  });
  const stored = new Map<PendingCommit, StoredEvent[]>();
  // Snapshots first: their reads (and family locks) stay out of the tenant's sequence lock window.
  const snapshots = new Map<string, RenderSnapshot[]>();
  for (const [tenantId, items] of byTenant) {
    if (items.some((item) => item.renderSnapshots === false)) continue;
    const read = await readSnapshots(
      client,
      tenantId,
      items.map((item) => item.change),
    );
    snapshots.set(tenantId, read.flat());
  }
  for (const tenantId of [...byTenant.keys()].sort()) {
    const items = byTenant.get(tenantId) ?? [];
    const all = await appendEvents(
      client,
      tenantId,
      items.flatMap((item) => item.change.events),
      snapshots.get(tenantId) ?? [],
    );
    let offset = 0;
    for (const item of items) {
      stored.set(item, all.slice(offset, offset + item.change.events.length));
      offset += item.change.events.length;
    }
  }
  return stored;
}

function idempotencyRecords(events: Map<PendingCommit, StoredEvent[]>): IdempotencyRecord[] {
  const records: IdempotencyRecord[] = [];
  for (const [item, stored] of events) {
    if (!item.idempotency) continue;
    const { status, body } = item.idempotency.respond(stored);
    records.push({
      tenantId: item.tenantId,
      key: item.idempotency.key,
      requestHash: item.idempotency.requestHash,
      status,
      body,
      createdAt: item.idempotency.createdAt,
    });
  }
  return records;
}

/**
 * A change refused on a subject a twin (same Idempotency-Key) wrote first gets
 * the twin's answer, as SQLite would give: the twin has committed by the time
 * our write saw its row.
 */
async function twinAnswer(pool: pg.Pool, item: PendingCommit, result: CommitResult): Promise<void> {
  if (result.ok || result.reason === 'idempotency_replay' || !item.idempotency) return item.resolve(result);
  try {
    const record = await findIdempotency(pool, item.tenantId, item.idempotency.key);
    item.resolve(record ? { ok: false, reason: 'idempotency_replay', record } : result);
  } catch (error) {
    item.reject(error);
  }
}

async function commitAlone(pool: pg.Pool, item: PendingCommit): Promise<void> {
  try {
    const result = await commitChange(pool, item.tenantId, item.change, item.idempotency, item.renderSnapshots);
    // Rare path: the wake-up follows the commit instead of riding in it.
    if (result.ok && result.events.length > 0) void notifyOutbox(pool);
    item.resolve(result);
  } catch (error) {
    item.reject(error);
  }
}
