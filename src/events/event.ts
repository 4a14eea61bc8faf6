import type { Subject } from '../subjects/subject.js';

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
  /**
   * The SET issuer when it is not the service: a FIT-Connect destination id for
   * the events its receiving system records (see `issuedBy` of a transition).
   * Kept in the render snapshot; absent means `TIDINGS_ISSUER`.
   */
  issuer?: string;
  /**
   * W3C `traceparent` of the span that committed it (tracing on), so each
   * push continues the trace of the request that caused it; absent otherwise.
   */
  traceparent?: string | null;
}

/**
 * What an event's renderings are made from, as it was when the event was
 * committed (stored with the event, in the same transaction): the subject, its
 * parent and the children its format lists (`src/formats/render-snapshot.ts`).
 */
export interface RenderSnapshot {
  subject: Subject;
  parent: Subject | null;
  children: Subject[];
  /** The event's SET issuer when not the service (a FIT-Connect destination id); see `NewEvent.issuer`. */
  issuer?: string;
}

/** An immutable, committed event of the append-only log. */
export interface StoredEvent extends NewEvent {
  /** Gap-free, per tenant, starting at 1. */
  sequence: number;
  /**
   * The render snapshot; null for an event written before snapshots existed
   * (rendered from the current subjects). Left out by reads that never render.
   */
  snapshot?: RenderSnapshot | null;
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
