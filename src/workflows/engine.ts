import { err, ok, type Result } from '../errors/result.js';
import { type ErrorItem, TidingsError, validationError } from '../errors/tidings-error.js';
import type { NewEvent } from '../events/event.js';
import type { Subject } from '../subjects/subject.js';
import { schemaErrorItems } from './schema-errors.js';
import { type ArmedTimer, planTimer } from './timer-plan.js';
import type { CompiledTransition, CompiledWorkflow, WorkflowRegistry } from './workflow-registry.js';

/** One subject row to write: an insert when `expectedVersion` is null, else a compare-and-set update. */
export interface SubjectWrite {
  subject: Subject;
  expectedVersion: number | null;
  /** The timer armed after this write (replaces any earlier one), or null. */
  timer: ArmedTimer | null;
}

/** Everything one accepted request changes; the store commits it in one transaction. */
export interface Change {
  subjects: SubjectWrite[];
  events: NewEvent[];
}

/** Time and id sources, injected so the engine stays pure and testable. */
export interface EngineContext {
  now: Date;
  newSubjectId: () => string;
  newEventId: () => string;
}

export interface CreateInput {
  tenantId: string;
  workflow: string;
  id?: string;
  parent: Subject | null;
  attributes?: Record<string, unknown>;
  to?: string;
  type?: string;
  data?: Record<string, unknown>;
}

export interface EventInput {
  type: string;
  to?: string;
  data?: Record<string, unknown>;
  /**
   * `service` when the service itself records the event (a timer): it is then
   * issued by the service even where the transition names another issuer.
   * Not part of the HTTP body.
   */
  recordedBy?: 'service';
}

const invalidTransition = (message: string, errors: ErrorItem[] = []) =>
  new TidingsError('invalid_transition', message, { target: 'type', errors });

function normaliseType(wf: CompiledWorkflow, type: string): string {
  const base = wf.definition.eventUriBase;
  return base && type.startsWith(base) ? type.slice(base.length) : type;
}

/**
 * Picks the transition to apply among `candidates` (already filtered by type and
 * from-state): the requested `to` narrows them, then the first whose `when`
 * conditions hold wins, and its data schema is checked.
 */
function choose(
  wf: CompiledWorkflow,
  candidates: CompiledTransition[],
  input: EventInput,
  attributes: Record<string, unknown>,
  statusText: string,
): Result<CompiledTransition> {
  let options = candidates;
  if (input.to !== undefined) {
    if (!wf.definition.states.includes(input.to)) {
      return err(validationError([{ field: 'to', message: `to must be a state of ${wf.definition.name}` }]));
    }
    options = options.filter((t) => t.to === input.to);
    if (options.length === 0) {
      const targets = [...new Set(candidates.map((t) => t.to))].join(', ');
      return err(invalidTransition(`${input.type} ${statusText} leads to ${targets}, not ${input.to}`));
    }
  }
  const data = input.data ?? {};
  const failures: ErrorItem[] = [];
  for (const t of options) {
    const unmet = [
      ...schemaErrorItems('attributes', t.checkWhenAttributes(attributes)),
      ...schemaErrorItems('data', t.checkWhenData(data)),
    ];
    if (unmet.length > 0) {
      failures.push(...unmet.map((u) => ({ ...u, code: 'ConditionNotMet', message: `to ${t.to}: ${u.message}` })));
      continue;
    }
    const bad = schemaErrorItems('data', t.checkData(data));
    if (bad.length > 0) return err(validationError(bad, `data does not match the schema of ${t.type}`));
    return ok(t);
  }
  return err(invalidTransition(`${input.type} ${statusText}: its conditions are not met`, failures));
}

/**
 * The issuer of an event's SET when it is not the service: the subject's
 * `issuedBy` attribute (a FIT-Connect destination id), unless the service
 * records the event itself (a timer: the 14-day auto-reject is the delivery
 * service's own, seed-formats.md).
 */
function issuerOf(t: CompiledTransition, subject: Subject, input: EventInput): string | undefined {
  if (!t.issuedBy || input.recordedBy === 'service') return undefined;
  const value = subject.attributes[t.issuedBy.attribute];
  // Lower case: FIT-Connect compares UUIDs case-insensitively; one spelling keeps one key per destination.
  return typeof value === 'string' && value.length > 0 ? value.toLowerCase() : undefined;
}

function eventOf(
  ctx: EngineContext,
  subject: Subject,
  type: string,
  from: string | null,
  data: Record<string, unknown>,
  issuer?: string,
): NewEvent {
  return {
    id: ctx.newEventId(),
    tenantId: subject.tenantId,
    subjectId: subject.id,
    workflow: subject.workflow,
    type,
    from,
    to: subject.status,
    occurredAt: subject.updatedAt,
    data,
    subjectVersion: subject.version,
    parentId: subject.parentId,
    ...(issuer !== undefined ? { issuer } : {}),
  };
}

/** Creates the children a transition's `spawn` asks for, appending them to `change`. */
function spawnChildren(
  registry: WorkflowRegistry,
  t: CompiledTransition,
  parent: Subject,
  data: Record<string, unknown>,
  ctx: EngineContext,
  change: Change,
): Result<null> {
  if (!t.spawn) return ok(null);
  const items = data[t.spawn.field];
  if (items === undefined) return ok(null);
  if (!Array.isArray(items)) {
    return err(
      validationError([{ field: `data.${t.spawn.field}`, message: `data.${t.spawn.field} must be an array` }]),
    );
  }
  for (const [i, item] of items.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return err(validationError([{ field: `data.${t.spawn.field}.${i}`, message: 'must be an object' }]));
    }
    const child = createSubject(
      registry,
      { tenantId: parent.tenantId, workflow: t.spawn.workflow, parent, attributes: item, type: t.spawn.type },
      ctx,
    );
    if (!child.ok) {
      const e = child.error;
      const errors = e.errors.map((x) => ({ ...x, target: `data.${t.spawn?.field}.${i}.${x.target}` }));
      return err(new TidingsError(e.code, e.message, { target: e.target, errors }));
    }
    change.subjects.push(...child.value.subjects);
    change.events.push(...child.value.events);
  }
  return ok(null);
}

/** Validates a creation request and returns the subject and its creating event (plus spawned children). */
export function createSubject(registry: WorkflowRegistry, input: CreateInput, ctx: EngineContext): Result<Change> {
  const wf = registry.get(input.workflow);
  if (!wf) return err(validationError([{ field: 'workflow', message: `unknown workflow ${input.workflow}` }]));
  const def = wf.definition;
  if (def.parent?.required && !input.parent) {
    return err(
      validationError([
        { field: 'parentId', message: `a ${def.name} needs a parent (${def.parent.workflows.join(' or ')})` },
      ]),
    );
  }
  if (input.parent && !def.parent?.workflows.includes(input.parent.workflow)) {
    const allowed = def.parent ? def.parent.workflows.join(' or ') : 'no parent';
    return err(validationError([{ field: 'parentId', message: `the parent of a ${def.name} must be ${allowed}` }]));
  }
  const attributes = input.attributes ?? {};
  const badAttributes = schemaErrorItems('attributes', wf.checkAttributes(attributes));
  if (badAttributes.length > 0) return err(validationError(badAttributes));

  let candidates = wf.initial;
  if (input.type !== undefined) {
    const type = normaliseType(wf, input.type);
    candidates = candidates.filter((t) => t.type === type);
    if (candidates.length === 0) {
      return err(validationError([{ field: 'type', message: `${input.type} does not create a ${def.name}` }]));
    }
  }
  const chosen = choose(wf, candidates, { type: candidates[0]?.type ?? '', ...input }, attributes, 'on creation');
  if (!chosen.ok) return chosen;
  const t = chosen.value;
  const at = ctx.now.toISOString();
  const subject: Subject = {
    tenantId: input.tenantId,
    id: input.id ?? ctx.newSubjectId(),
    workflow: def.name,
    status: t.to,
    version: 1,
    parentId: input.parent?.id ?? null,
    attributes,
    createdAt: at,
    updatedAt: at,
    statusChangedAt: at,
  };
  const data = input.data ?? {};
  const change: Change = {
    subjects: [{ subject, expectedVersion: null, timer: planTimer(def, subject) }],
    events: [eventOf(ctx, subject, t.type, null, data)],
  };
  const spawned = spawnChildren(registry, t, subject, data, ctx, change);
  return spawned.ok ? ok(change) : spawned;
}

/** Validates one requested transition of an existing subject. */
export function applyEvent(
  registry: WorkflowRegistry,
  subject: Subject,
  input: EventInput,
  ctx: EngineContext,
): Result<Change> {
  const wf = registry.get(subject.workflow);
  if (!wf) return err(new TidingsError('internal', `workflow ${subject.workflow} is no longer configured`));
  const def = wf.definition;
  const type = normaliseType(wf, input.type);
  if (!wf.eventTypes.has(type)) {
    return err(validationError([{ field: 'type', message: `${input.type} is not an event type of ${def.name}` }]));
  }
  const ofType = wf.transitions.filter((t) => t.type === type);
  const candidates = ofType.filter((t) => t.from.includes(subject.status));
  if (candidates.length === 0) {
    const terminal = def.terminalStates.includes(subject.status) ? ` (${subject.status} is terminal)` : '';
    const from = [...new Set(ofType.flatMap((t) => t.from))];
    const allowed = from.length > 0 ? `; allowed from ${from.join(', ')}` : ' (it only creates subjects)';
    return err(invalidTransition(`${type} is not allowed in status ${subject.status}${terminal}${allowed}`));
  }
  const chosen = choose(wf, candidates, { ...input, type }, subject.attributes, `from ${subject.status}`);
  if (!chosen.ok) return chosen;
  const t = chosen.value;
  const at = ctx.now.toISOString();
  const next: Subject = {
    ...subject,
    status: t.to,
    version: subject.version + 1,
    updatedAt: at,
    statusChangedAt: t.to === subject.status ? subject.statusChangedAt : at,
  };
  const data = input.data ?? {};
  const change: Change = {
    subjects: [{ subject: next, expectedVersion: subject.version, timer: planTimer(def, next) }],
    events: [eventOf(ctx, next, t.type, subject.status, data, issuerOf(t, next, input))],
  };
  const spawned = spawnChildren(registry, t, next, data, ctx, change);
  return spawned.ok ? ok(change) : spawned;
}

/**
 * Merges top-level attributes (a `null` value removes one), refusing changes to
 * immutable attributes. Records no event: attributes are not a transition.
 */
export function updateAttributes(
  registry: WorkflowRegistry,
  subject: Subject,
  patch: Record<string, unknown>,
  ctx: EngineContext,
): Result<Change> {
  const wf = registry.get(subject.workflow);
  if (!wf) return err(new TidingsError('internal', `workflow ${subject.workflow} is no longer configured`));
  const immutable = new Set(wf.definition.immutableAttributes ?? []);
  const refused = Object.keys(patch).filter(
    (k) => immutable.has(k) && JSON.stringify(patch[k]) !== JSON.stringify(subject.attributes[k]),
  );
  if (refused.length > 0) {
    return err(
      validationError(
        refused.map((k) => ({ field: `attributes.${k}`, message: `attributes.${k} is immutable after creation` })),
      ),
    );
  }
  const attributes: Record<string, unknown> = { ...subject.attributes };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete attributes[k];
    else attributes[k] = v;
  }
  const bad = schemaErrorItems('attributes', wf.checkAttributes(attributes));
  if (bad.length > 0) return err(validationError(bad));
  const next: Subject = { ...subject, attributes, version: subject.version + 1, updatedAt: ctx.now.toISOString() };
  return ok({
    subjects: [{ subject: next, expectedVersion: subject.version, timer: planTimer(wf.definition, next) }],
    events: [],
  });
}
