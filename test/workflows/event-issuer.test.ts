/** The engine names an event's issuer when its transition says who issues it (pure, no I/O). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subject } from '../../src/subjects/subject.js';
import { applyEvent, createSubject } from '../../src/workflows/engine.js';
import { expectOk, fakeContext, registry, TENANT } from './engine-kit.js';

const DESTINATION = '40847C29-06AA-40E2-BF28-C29884C694C4';
const TAGS = { authenticationTags: { metadata: 'bWV0YQ' } };

function submitted(attributes: Record<string, unknown>): Subject {
  const ctx = fakeContext();
  const fitCase = expectOk(createSubject(registry, { tenantId: TENANT, workflow: 'fit-case', parent: null }, ctx));
  const parent = fitCase.subjects[0]?.subject as Subject;
  const created = expectOk(
    createSubject(registry, { tenantId: TENANT, workflow: 'fit-submission', parent, attributes }, ctx),
  );
  const submit = applyEvent(
    registry,
    created.subjects[0]?.subject as Subject,
    { type: 'submit-submission', data: TAGS },
    ctx,
  );
  return expectOk(submit).subjects[0]?.subject as Subject;
}

test("accept-submission and reject-submission are issued by the submission's destination, lower case", () => {
  const subject = submitted({ destinationId: DESTINATION });
  for (const type of ['accept-submission', 'reject-submission']) {
    const [event] = expectOk(applyEvent(registry, subject, { type, data: TAGS }, fakeContext())).events;
    assert.equal(event?.issuer, DESTINATION.toLowerCase());
  }
});

test('the delivery service issues its own events and what a timer records', () => {
  const subject = submitted({ destinationId: DESTINATION });
  const notify = expectOk(applyEvent(registry, subject, { type: 'notify-submission', data: TAGS }, fakeContext()));
  assert.equal(notify.events[0]?.issuer, undefined);
  const timer = applyEvent(registry, subject, { type: 'reject-submission', recordedBy: 'service' }, fakeContext());
  assert.equal(expectOk(timer).events[0]?.issuer, undefined);
  const created = submitted({});
  const accept = expectOk(applyEvent(registry, created, { type: 'accept-submission', data: TAGS }, fakeContext()));
  assert.equal(accept.events[0]?.issuer, undefined, 'no destination named: the service');
});
