/** Builders for renderer inputs and a reader for the golden files under test/fixtures/formats/. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent } from '../../src/events/event.js';
import type { RenderContext } from '../../src/formats/render-context.js';
import type { Subject } from '../../src/subjects/subject.js';

export const TENANT = '9d4c3b2a-1f0e-4d8c-b7a6-958473625140';

export function subject(fields: Partial<Subject> & Pick<Subject, 'id' | 'workflow' | 'status'>): Subject {
  const createdAt = fields.createdAt ?? '2025-01-01T00:00:00.000Z';
  return {
    tenantId: TENANT,
    version: 1,
    parentId: null,
    attributes: {},
    createdAt,
    updatedAt: createdAt,
    statusChangedAt: createdAt,
    ...fields,
  };
}

/** The event that moved `s` into its current status. */
export function event(
  s: Subject,
  fields: Partial<StoredEvent> & Pick<StoredEvent, 'type' | 'occurredAt'>,
): StoredEvent {
  return {
    id: '01981050-5a18-7c3e-9a4f-2b6d8e0c1f37',
    sequence: 1,
    tenantId: s.tenantId,
    subjectId: s.id,
    workflow: s.workflow,
    from: null,
    to: s.status,
    data: {},
    subjectVersion: s.version,
    parentId: s.parentId,
    ...fields,
  };
}

export function context(
  s: Subject,
  e: StoredEvent,
  more: Partial<Omit<RenderContext, 'event' | 'subject'>> = {},
): RenderContext {
  return { event: e, subject: s, parent: null, children: [], issuer: 'https://tidings.example', ...more };
}

/** Tests run from dist/test/..., fixtures stay in the source tree: read them from the repo root. */
export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/formats', name), 'utf8'));
}

/**
 * The rendering equals the golden file in values AND key order: the JSON texts
 * are compared, as a receiver would see them.
 */
export function assertGolden(actual: unknown, fixture: string): void {
  const expected = readFixture(fixture);
  assert.deepStrictEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}
