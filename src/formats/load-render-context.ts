import type { StoredEvent } from '../events/event.js';
import type { Store } from '../storage/store.js';
import type { Subject } from '../subjects/subject.js';
import type { RenderContext } from './render-context.js';
import { contextFromSnapshot, placeholderSubject } from './render-snapshot.js';

/**
 * What a renderer needs around one event (see `RenderContext`): the event's
 * render snapshot, stored with it at its commit, so a later transition of the
 * subject, its parent or its certificates never changes how it renders.
 * An event written before snapshots existed renders from the current subjects
 * with the event's own status and version (the old behaviour).
 */
export async function loadRenderContext(store: Store, event: StoredEvent, issuer: string): Promise<RenderContext> {
  if (event.snapshot) return contextFromSnapshot(event, event.snapshot, issuer);
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

export { placeholderSubject };
