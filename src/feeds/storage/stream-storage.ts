import type { StoredEvent } from '../../events/event.js';

/** A named RFC 8936 poll stream of one tenant, with its event filter (null: every value). */
export interface StreamRecord {
  tenantId: string;
  id: string;
  name: string;
  eventTypes: string[] | null;
  workflows: string[] | null;
  /** Last log sequence moved into the pending set (or passed over by the filter). */
  cursorSequence: number;
  createdAt: string;
}

export interface SetError {
  jti: string;
  err: string;
  description: string;
}

/** A setErr as recorded, with when the poller reported it. */
export interface RecordedSetError extends SetError {
  reportedAt: string;
}

export interface StreamStorage {
  /** False when the tenant already has a stream of that name. */
  createStream(stream: StreamRecord): Promise<boolean>;
  getStream(tenantId: string, id: string): Promise<StreamRecord | null>;
  listStreams(tenantId: string): Promise<StreamRecord[]>;
  deleteStream(tenantId: string, id: string): Promise<boolean>;
  /** The tenant's latest event sequence (0 without events): where a stream "from now" starts. */
  lastSequence(tenantId: string): Promise<number>;
  /**
   * Removes acknowledged (and error-reported) SETs from the pending set, and
   * records the errors of SETs that were pending: a jti this stream never
   * delivered (or one already settled) is ignored and stores nothing.
   */
  settle(
    tenantId: string,
    streamId: string,
    ack: readonly string[],
    errors: readonly SetError[],
    at: string,
  ): Promise<void>;
  /**
   * Moves matching events after the stream's cursor into its pending set until
   * it holds `want` entries, reading at most `scanLimit` log rows; one
   * transaction, so concurrent polls of one stream neither skip nor double an
   * event. Returns whether the log may hold more matching events.
   */
  fill(tenantId: string, streamId: string, want: number, scanLimit: number): Promise<{ moreInLog: boolean }>;
  /** The stream's recorded setErrs, newest first. */
  setErrors(tenantId: string, streamId: string, limit: number): Promise<RecordedSetError[]>;
  /** Deletes up to `limit` recorded setErrs reported before `before` (retention); returns how many. */
  deleteSetErrorsBefore(before: string, limit: number): Promise<number>;
  /** The oldest `limit` pending events, and how many are pending in all. */
  pending(tenantId: string, streamId: string, limit: number): Promise<{ events: StoredEvent[]; total: number }>;
}

/** Applies a stream's filter to one event (shared by both backends' `fill`). */
export function streamMatches(stream: Pick<StreamRecord, 'eventTypes' | 'workflows'>, event: StoredEvent): boolean {
  return (
    (stream.eventTypes === null || stream.eventTypes.includes(event.type)) &&
    (stream.workflows === null || stream.workflows.includes(event.workflow))
  );
}

/**
 * Of `scanned` (log rows after the cursor, oldest first), the ones to add so the
 * pending set holds `room` more, and the new cursor.
 */
export function planFill(
  stream: StreamRecord,
  scanned: readonly StoredEvent[],
  room: number,
  scanLimit: number,
): { take: StoredEvent[]; cursor: number; moreInLog: boolean } {
  const take: StoredEvent[] = [];
  let cursor = stream.cursorSequence;
  for (const event of scanned) {
    if (take.length >= room) return { take, cursor, moreInLog: true };
    if (streamMatches(stream, event)) take.push(event);
    cursor = event.sequence;
  }
  return { take, cursor, moreInLog: scanned.length >= scanLimit };
}
