import type { Subject } from '../subjects/subject.js';
import { parseDuration } from './duration.js';
import type { TimerDefinition, WorkflowDefinition } from './workflow-definition.js';

const DAY_MS = 86_400_000;

/** A timer armed for one subject: at `dueAt`, apply `fire` if the subject is still at `version`. */
export interface ArmedTimer {
  name: string;
  dueAt: string;
  fire: string;
  to?: string;
  data?: Record<string, unknown>;
}

/** The largest instant a JavaScript Date holds; a later one would make `toISOString` throw. */
const MAX_DATE_MS = 8.64e15;

/** Only an instant a Date can hold arms a timer: schemas bound these numbers, this keeps custom workflows safe too. */
function representable(at: number): number | null {
  return Number.isFinite(at) && Math.abs(at) <= MAX_DATE_MS ? at : null;
}

function dueAtFor(timer: TimerDefinition, subject: Subject): number | null {
  const at = rawDueAt(timer, subject);
  return at === null ? null : representable(at);
}

function rawDueAt(timer: TimerDefinition, subject: Subject): number | null {
  if (timer.atAttribute) {
    const raw = subject.attributes[timer.atAttribute];
    const at = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
    if (Number.isFinite(at)) return at;
  }
  if (timer.daysAttribute) {
    const days = subject.attributes[timer.daysAttribute];
    if (typeof days === 'number' && Number.isFinite(days) && days >= 0) {
      return Date.parse(subject.createdAt) + days * DAY_MS;
    }
  }
  if (timer.after) {
    const ms = parseDuration(timer.after);
    if (ms !== null) return Date.parse(subject.statusChangedAt) + ms;
  }
  return null;
}

/**
 * The earliest timer of the workflow that is armed for the subject in its
 * current state, or `null`. Pure: the scheduler stores the answer beside the
 * subject in the same transaction and fires it when the clock passes `dueAt`.
 */
export function planTimer(def: WorkflowDefinition, subject: Subject): ArmedTimer | null {
  let best: ArmedTimer | null = null;
  let bestAt = Number.POSITIVE_INFINITY;
  for (const timer of def.timers ?? []) {
    if (!timer.states.includes(subject.status)) continue;
    const at = dueAtFor(timer, subject);
    if (at === null || at >= bestAt) continue;
    bestAt = at;
    best = {
      name: timer.name,
      dueAt: new Date(at).toISOString(),
      fire: timer.fire,
      ...(timer.to ? { to: timer.to } : {}),
      ...(timer.data ? { data: timer.data } : {}),
    };
  }
  return best;
}
