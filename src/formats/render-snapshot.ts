import type { NewEvent, RenderSnapshot, StoredEvent } from '../events/event.js';
import type { Subject } from '../subjects/subject.js';
import type { Change } from '../workflows/engine.js';
import type { RenderContext } from './render-context.js';

export type { RenderSnapshot } from '../events/event.js';

/** The workflow whose subjects a Uanataca envelope lists as `certificates` (seed 000). */
export const LISTED_CHILD_WORKFLOW = 'videoid-certificate';
/** Uanataca envelopes list at most this many certificates. */
export const CHILDREN_LIMIT = 500;

/**
 * Whose children an event's rendering lists, or null: a videoid request lists
 * its own certificates, a certificate those of its request (itself included).
 * No other workflow's format reads children.
 */
export function childrenOwner(event: Pick<NewEvent, 'workflow' | 'subjectId' | 'parentId'>): string | null {
  if (event.workflow === 'videoid-request') return event.subjectId;
  if (event.workflow === LISTED_CHILD_WORKFLOW) return event.parentId;
  return null;
}

/** A subject with a fixed set of keys, so a snapshot reads back equal to what was written. */
export function snapshotSubject(s: Subject): Subject {
  return {
    tenantId: s.tenantId,
    id: s.id,
    workflow: s.workflow,
    status: s.status,
    version: s.version,
    parentId: s.parentId,
    attributes: s.attributes,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    statusChangedAt: s.statusChangedAt,
    erasedAt: s.erasedAt ?? null,
  };
}

/** A subject deleted since (retention) still renders from what its event recorded. */
export function placeholderSubject(event: NewEvent): Subject {
  return {
    tenantId: event.tenantId,
    id: event.subjectId,
    workflow: event.workflow,
    status: event.to,
    version: event.subjectVersion,
    parentId: event.parentId,
    attributes: {},
    createdAt: event.occurredAt,
    updatedAt: event.occurredAt,
    statusChangedAt: event.occurredAt,
    erasedAt: null,
  };
}

/**
 * What every format renders an event from, taken from `subjects` (by id) and
 * `children` (by owner id, oldest first). The store calls it inside the
 * commit's transaction with the state the commit leaves, so the snapshot is
 * the world as it was at the event's commit; the subject's status and version
 * are the event's own.
 */
export function snapshotOf(
  event: NewEvent,
  subjects: ReadonlyMap<string, Subject>,
  children: ReadonlyMap<string, readonly Subject[]>,
): RenderSnapshot {
  const found = subjects.get(event.subjectId);
  const subject = snapshotSubject({
    ...(found ?? placeholderSubject(event)),
    status: event.to,
    version: event.subjectVersion,
  });
  const parentId = subject.parentId ?? event.parentId;
  const parent = parentId ? subjects.get(parentId) : undefined;
  const owner = childrenOwner(event);
  const listed = owner !== null && (owner === subject.id || parent) ? (children.get(owner) ?? []) : [];
  return {
    subject,
    parent: parent ? snapshotSubject(parent) : null,
    children: listed.slice(0, CHILDREN_LIMIT).map(snapshotSubject),
    ...(event.issuer !== undefined ? { issuer: event.issuer } : {}),
  };
}

/** The render context of a stored event from its snapshot. */
export function contextFromSnapshot(event: StoredEvent, snapshot: RenderSnapshot, issuer: string): RenderContext {
  return {
    event,
    subject: snapshot.subject,
    parent: snapshot.parent,
    children: snapshot.children,
    issuer,
    ...(snapshot.issuer !== undefined ? { eventIssuer: snapshot.issuer } : {}),
  };
}

/**
 * The snapshots with the erased subject's personal data dropped (attributes
 * `{}`, `erasedAt` set) wherever it appears: as the subject, the parent or a
 * listed child. Everything else stays as it was at the event.
 */
export function eraseFromSnapshot(snapshot: RenderSnapshot, subjectId: string, erasedAt: string): RenderSnapshot {
  const scrub = (s: Subject): Subject =>
    s.id === subjectId ? { ...s, attributes: {}, erasedAt: s.erasedAt ?? erasedAt } : s;
  return {
    subject: scrub(snapshot.subject),
    parent: snapshot.parent ? scrub(snapshot.parent) : null,
    children: snapshot.children.map(scrub),
    ...(snapshot.issuer !== undefined ? { issuer: snapshot.issuer } : {}),
  };
}

/** What a change's snapshots need from the database beyond the subjects the change writes. */
export interface SnapshotReads {
  /** Parents not written by the change. */
  subjectIds: string[];
  /** Whose listed children to read (after the change's own writes). */
  owners: string[];
  /**
   * Owners to lock first (a certificate's request the change does not write):
   * every write to a videoid request or its certificates then holds the
   * request's row lock to its commit, so a family's snapshots follow commit order.
   */
  lockIds: string[];
}

export function snapshotReads(change: Change): SnapshotReads {
  const written = new Set(change.subjects.map((w) => w.subject.id));
  const subjectIds = new Set<string>();
  const owners = new Set<string>();
  const lockIds = new Set<string>();
  for (const e of change.events) {
    if (e.parentId && !written.has(e.parentId)) subjectIds.add(e.parentId);
    const owner = childrenOwner(e);
    if (owner === null) continue;
    owners.add(owner);
    if (!written.has(owner)) lockIds.add(owner);
  }
  return { subjectIds: [...subjectIds], owners: [...owners], lockIds: [...lockIds].sort() };
}

/** The snapshots of a change's events, from its own subjects plus what `snapshotReads` asked for. */
export function snapshotsOf(
  change: Change,
  read: ReadonlyMap<string, Subject>,
  children: ReadonlyMap<string, readonly Subject[]>,
): RenderSnapshot[] {
  const subjects = new Map(read);
  for (const w of change.subjects) subjects.set(w.subject.id, w.subject);
  return change.events.map((e) => snapshotOf(e, subjects, children));
}
