/**
 * Pre-fills a tenant's event log for the feed scenario, fast but real: every
 * change is built by the workflow engine (`createSubject` / `applyEvent`, the
 * same validation the API runs) and written through `store.commit`, many
 * subjects per commit. Rows are exactly those the API would have written
 * (subjects, events with gap-free sequences, outbox rows, timers).
 */
import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../src/events/event.js';
import { newEventId } from '../src/events/event-id.js';
import type { Store } from '../src/storage/store.js';
import type { Subject } from '../src/subjects/subject.js';
import { applyEvent, type Change, createSubject, type EventInput } from '../src/workflows/engine.js';
import type { WorkflowRegistry } from '../src/workflows/workflow-registry.js';

export interface SubjectPlan {
  workflow: string;
  id: string;
  parent?: Subject | null;
  attributes?: Record<string, unknown>;
  create?: { type?: string; to?: string; data?: Record<string, unknown> };
  /** The transitions after creation, in order. */
  events: EventInput[];
}

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw r.error instanceof Error ? r.error : new Error(JSON.stringify(r.error));
  return r.value;
}

/** One subject's whole history as one insert: the final subject row and all its events. */
function historyOf(registry: WorkflowRegistry, tenantId: string, plan: SubjectPlan): Change {
  const ctx = { now: new Date(), newSubjectId: randomUUID, newEventId };
  const first = unwrap(
    createSubject(
      registry,
      {
        tenantId,
        workflow: plan.workflow,
        id: plan.id,
        parent: plan.parent ?? null,
        ...(plan.attributes ? { attributes: plan.attributes } : {}),
        ...plan.create,
      },
      ctx,
    ),
  );
  const write = first.subjects[0];
  if (!write) throw new Error('createSubject wrote no subject');
  let subject = write.subject;
  let timer = write.timer;
  const events = [...first.events];
  for (const input of plan.events) {
    const next = unwrap(applyEvent(registry, subject, input, ctx));
    const w = next.subjects[0];
    if (!w) throw new Error('applyEvent wrote no subject');
    subject = w.subject;
    timer = w.timer;
    events.push(...next.events);
  }
  return { subjects: [{ subject, expectedVersion: null, timer }], events };
}

/**
 * Commits the plans `perCommit` subjects at a time, `inFlight` commits at once.
 * Within a commit the subjects' events are interleaved round robin, so a page
 * of the feed holds events of many different subjects (the busy-tenant case,
 * and the worst case for any per-page caching of subjects).
 */
export async function fillSubjects(
  store: Store,
  registry: WorkflowRegistry,
  tenantId: string,
  plans: readonly SubjectPlan[],
  opts: { perCommit?: number; inFlight?: number } = {},
): Promise<StoredEvent[]> {
  const perCommit = opts.perCommit ?? 100;
  const inFlight = opts.inFlight ?? 4;
  const changes: Change[] = [];
  for (let i = 0; i < plans.length; i += perCommit) {
    const histories = plans.slice(i, i + perCommit).map((p) => historyOf(registry, tenantId, p));
    const events = [];
    const longest = Math.max(...histories.map((h) => h.events.length));
    for (let k = 0; k < longest; k++) {
      for (const h of histories) {
        const e = h.events[k];
        if (e) events.push(e);
      }
    }
    changes.push({ subjects: histories.flatMap((h) => h.subjects), events });
  }
  const stored: StoredEvent[] = [];
  for (let i = 0; i < changes.length; i += inFlight) {
    const results = await Promise.all(changes.slice(i, i + inFlight).map((c) => store.commit(tenantId, c)));
    for (const r of results) {
      if (!r.ok) throw new Error(`fill commit refused: ${r.reason}`);
      stored.push(...r.events);
    }
  }
  return stored;
}
