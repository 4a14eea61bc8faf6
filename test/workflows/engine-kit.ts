import assert from 'node:assert/strict';
import type { ErrorCode } from '../../src/errors/error-codes.js';
import type { Result } from '../../src/errors/result.js';
import type { TidingsError } from '../../src/errors/tidings-error.js';
import type { Subject } from '../../src/subjects/subject.js';
import { BUILTIN_WORKFLOWS } from '../../src/workflows/builtin/index.js';
import { applyEvent, type Change, createSubject, type EngineContext } from '../../src/workflows/engine.js';
import { createWorkflowRegistry } from '../../src/workflows/workflow-registry.js';

/** Shared helpers for the built-in workflow tests: one registry, a fake clock, counter ids. */

export const registry = createWorkflowRegistry(BUILTIN_WORKFLOWS);
export const TENANT = 'tenant-1';
export const T0 = '2025-03-01T09:00:00.000Z';
export const DAY_MS = 86_400_000;

/** A deterministic context: the clock only moves when told, ids count up. */
export function fakeContext(start = T0): EngineContext & { advance(ms: number): void } {
  let subjects = 0;
  let events = 0;
  const ctx = {
    now: new Date(start),
    newSubjectId: () => `subject-${++subjects}`,
    newEventId: () => `event-${++events}`,
    advance(ms: number) {
      ctx.now = new Date(ctx.now.getTime() + ms);
    },
  };
  return ctx;
}

export function expectOk<T>(result: Result<T>, what = 'operation'): T {
  if (!result.ok) {
    const e = result.error;
    assert.fail(`${what} failed: ${e.code} ${e.message} ${JSON.stringify(e.errors)}`);
  }
  return result.value;
}

export function expectError(result: Result<unknown>, code: ErrorCode, what = 'operation'): TidingsError {
  assert.equal(result.ok, false, `${what} should fail with ${code}`);
  if (result.ok) throw new Error('unreachable');
  assert.equal(result.error.code, code, `${what}: ${result.error.message}`);
  return result.error;
}

/** The first subject a change writes: the one created or moved (spawned children follow it). */
export function mainSubject(change: Change): Subject {
  const first = change.subjects[0];
  assert.ok(first, 'change writes no subject');
  return first.subject;
}

/** Workflow → a creation input for a parent of the right kind, for children that require one. */
const PARENTS: Record<string, { workflow: string; to?: string; attributes?: Record<string, unknown> }> = {
  'videoid-certificate': { workflow: 'videoid-request' },
  'fit-submission': { workflow: 'fit-case' },
  'fit-reply': { workflow: 'fit-case' },
  'crypto-signature': { workflow: 'crypto-certificate-form' },
};

export function parentFor(workflow: string, ctx: EngineContext): Subject | null {
  const spec = PARENTS[workflow];
  if (!spec) return null;
  return mainSubject(expectOk(createSubject(registry, { tenantId: TENANT, parent: null, ...spec }, ctx), 'parent'));
}

export interface CreateSpec {
  to?: string;
  attributes?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

export function create(workflow: string, spec: CreateSpec = {}, ctx: EngineContext = fakeContext()): Subject {
  const parent = parentFor(workflow, ctx);
  const change = expectOk(createSubject(registry, { tenantId: TENANT, workflow, parent, ...spec }, ctx), workflow);
  return mainSubject(change);
}

/** Applies one event and returns the moved subject, failing the test on refusal. */
export function step(
  subject: Subject,
  type: string,
  extra: { to?: string; data?: Record<string, unknown> } = {},
  ctx: EngineContext = fakeContext(),
): Subject {
  return mainSubject(
    expectOk(applyEvent(registry, subject, { type, ...extra }, ctx), `${type} from ${subject.status}`),
  );
}

/** A subject of `workflow` placed directly in `status`, for tables of (state, event) pairs. */
export function subjectIn(workflow: string, status: string, attributes: Record<string, unknown> = {}): Subject {
  return {
    tenantId: TENANT,
    id: `${workflow}-in-${status}`,
    workflow,
    status,
    version: 3,
    parentId: null,
    attributes,
    createdAt: T0,
    updatedAt: T0,
    statusChangedAt: T0,
  };
}
