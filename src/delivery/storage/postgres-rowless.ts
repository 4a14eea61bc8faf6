import type { AttemptRecord } from '../delivery.js';
import type { EndpointRecord } from '../endpoint.js';
import { attemptValues } from './delivery-rows.js';
import type { LeasedDelivery } from './delivery-store.js';

/**
 * The happy path without delivery rows, on PostgreSQL (issue 17). A delivery
 * the fan-out leases to a healthy endpoint that does not order by subject is
 * pushed without a row: the fan-out claims its outbox row instead
 * (`postgres-rowless-sql.ts`), and the record writes the row already final.
 * Per delivery that is one row version with two index entries where the
 * leased row (four entries) and its move to `succeeded` (a non-HOT update:
 * two more and a dead version) were; bench `push`, PostgreSQL: see
 * bench/RESULTS.md, session 14.
 *
 * What it changes: until its record, such a delivery is counted as pending
 * (`queueStats`) and against its endpoint's cap, but has no row, so the
 * deliveries listing shows it once its push is recorded. A failed push, a
 * rate-limited one and a dead letter get their row before anything else
 * happens to them, and then go the usual way. A worker that dies leaves its
 * claims to run out like leases; the outbox row is then fanned out again
 * through rows, `deliveries_once` skipping what was recorded.
 */
export function pushedWithoutRow(
  delivery: LeasedDelivery,
  endpoint: EndpointRecord,
  outboxRow: { recovered: boolean },
): boolean {
  return !outboxRow.recovered && !delivery.ordered && endpoint.failingSince === null;
}

/** A delivery pushed without a row, and the outbox claim it went out under. */
export interface ClaimedDelivery {
  delivery: LeasedDelivery;
  outboxId: string;
  claimToken: string;
}

/** The claimed deliveries of this process, until their rows are written. */
export class ClaimedDeliveries {
  private readonly byId = new Map<string, ClaimedDelivery>();

  add(claimed: ClaimedDelivery): void {
    this.byId.set(claimed.delivery.id, claimed);
  }

  get(id: string): ClaimedDelivery | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }
}

/** One delivery's row to write: final with its attempt, or pending and still leased (`attempt` null). */
export interface RowToWrite {
  claimed: ClaimedDelivery;
  nowMs: number;
  attempt: AttemptRecord | null;
}

/** The parameters of `WRITE_CLAIMED_SQL` for `rows`. */
export function writeClaimedValues(rows: readonly RowToWrite[]): unknown[] {
  const columns: unknown[][] = Array.from({ length: 14 }, () => []);
  const attempts: unknown[][] = [];
  for (const { claimed, nowMs, attempt } of rows) {
    const d = claimed.delivery;
    const final = attempt !== null;
    const values = [
      d.id,
      d.tenantId,
      d.endpointId,
      d.eventSequence,
      d.eventId,
      d.subjectId,
      d.createdAt,
      nowMs,
      claimed.outboxId,
      claimed.claimToken,
      final ? 'succeeded' : 'pending',
      final ? 1 : 0,
      final ? null : d.leaseToken,
      final ? null : d.leaseUntil,
    ];
    for (const [c, value] of values.entries()) columns[c]?.push(value);
    if (attempt) attempts.push(attemptValues(attempt));
  }
  return [...columns, ...Array.from({ length: 12 }, (_, k) => attempts.map((values) => values[k] ?? null))];
}
