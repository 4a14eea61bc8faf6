import type { StoredEvent } from '../events/event.js';
import type { Store } from '../storage/store.js';
import type { Subject } from '../subjects/subject.js';
import type { RenderContext } from './render-context.js';

/**
 * Loads what a renderer needs around one event (see `RenderContext`): the
 * subject, its parent, and the certificates a Uanataca envelope lists. The
 * subject's status and version are those right after the event, so a later
 * transition does not change how an earlier event renders; attributes are
 * the current ones (an erased subject renders without personal data).
 */
export async function loadRenderContext(store: Store, event: StoredEvent, issuer: string): Promise<RenderContext> {
  const current = await store.getSubject(event.tenantId, event.subjectId);
  const subject: Subject = {
    ...(current ?? placeholderSubject(event)),
    status: event.to,
    version: event.subjectVersion,
  };
  const parentId = subject.parentId ?? event.parentId;
  const parent = parentId ? await store.getSubject(event.tenantId, parentId) : null;
  let children: Subject[] = [];
  if (event.workflow === 'videoid-request') {
    children = await store.listSubjects(event.tenantId, {
      parentId: subject.id,
      workflow: 'videoid-certificate',
      limit: 500,
    });
  } else if (event.workflow === 'videoid-certificate' && parent) {
    children = await store.listSubjects(event.tenantId, {
      parentId: parent.id,
      workflow: 'videoid-certificate',
      limit: 500,
    });
  }
  return { event, subject, parent, children, issuer };
}

/** A subject deleted since (retention) still renders from what its event recorded. */
export function placeholderSubject(event: StoredEvent): Subject {
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
  };
}
