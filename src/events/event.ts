/** An event before it is committed: the sequence number is given by the store. */
export interface NewEvent {
  /** Time-ordered UUID (v7). */
  id: string;
  tenantId: string;
  subjectId: string;
  workflow: string;
  type: string;
  /** `null` for the creating event. */
  from: string | null;
  to: string;
  occurredAt: string;
  data: Record<string, unknown>;
  /** The subject's version after this event. */
  subjectVersion: number;
  /** The subject's parent at the time, so case logs need no join. */
  parentId: string | null;
}

/** An immutable, committed event of the append-only log. */
export interface StoredEvent extends NewEvent {
  /** Gap-free, per tenant, starting at 1. */
  sequence: number;
}

export function publicEvent(event: StoredEvent) {
  return {
    id: event.id,
    sequence: event.sequence,
    subjectId: event.subjectId,
    workflow: event.workflow,
    type: event.type,
    from: event.from,
    to: event.to,
    occurredAt: event.occurredAt,
    subjectVersion: event.subjectVersion,
    data: event.data,
  };
}
