import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIT_EVENT_URI_BASE } from '../../src/workflows/builtin/fit-connect-schemas.js';
import { applyEvent, createSubject } from '../../src/workflows/engine.js';
import { planTimer } from '../../src/workflows/timer-plan.js';
import {
  create,
  DAY_MS,
  expectError,
  expectOk,
  fakeContext,
  mainSubject,
  parentFor,
  registry,
  step,
  T0,
  TENANT,
} from './engine-kit.js';

const URI = 'https://schema.fitko.de/fit-connect/events/';
const TAGS = {
  authenticationTags: {
    metadata: 'XFBoMYUZodetZdvTiFvSkQ',
    data: 'UCGiqJxhBI3IFVdPalHHvA',
    attachments: { '0b9f5c53-3c1a-4b5e-9d6a-2f1e0f7c1a11': 'rT99rwrBTbTI7IJM8fU3Eg' },
  },
};

const def = () => {
  const d = registry.get('fit-submission')?.definition;
  assert.ok(d);
  return d;
};

describe('FIT-Connect event URIs are the same event types', () => {
  test('the base is the documented one', () => {
    assert.equal(FIT_EVENT_URI_BASE, URI);
  });

  test('create, submit and accept by full URI record the short names', () => {
    const ctx = fakeContext();
    const parent = parentFor('fit-submission', ctx);
    const created = expectOk(
      createSubject(
        registry,
        { tenantId: TENANT, workflow: 'fit-submission', parent, type: `${URI}create-submission` },
        ctx,
      ),
    );
    assert.equal(created.events[0]?.type, 'create-submission');
    const submitted = expectOk(
      applyEvent(registry, mainSubject(created), { type: `${URI}submit-submission`, data: TAGS }, ctx),
    );
    assert.equal(submitted.events[0]?.type, 'submit-submission');
    const accepted = expectOk(
      applyEvent(registry, mainSubject(submitted), { type: `${URI}accept-submission`, data: TAGS }, ctx),
    );
    assert.deepEqual([accepted.events[0]?.type, mainSubject(accepted).status], ['accept-submission', 'accepted']);
  });

  test('a URI is still subject to the transition rules', () => {
    const sub = create('fit-submission');
    expectError(
      applyEvent(registry, sub, { type: `${URI}accept-submission`, data: TAGS }, fakeContext()),
      'invalid_transition',
    );
  });

  test('reply events accept their URIs too', () => {
    const reply = create('fit-reply');
    assert.equal(step(reply, `${URI}submit-reply`).status, 'submitted');
  });

  test('an unknown URI under the base is not an event type', () => {
    const sub = create('fit-submission');
    expectError(applyEvent(registry, sub, { type: `${URI}teleport-submission` }, fakeContext()), 'validation');
  });
});

describe('FIT-Connect payloads', () => {
  const submitted = () => step(create('fit-submission'), 'submit-submission', { data: TAGS });

  test('submit-submission requires authenticationTags with a metadata tag', () => {
    const sub = create('fit-submission');
    for (const data of [{}, { authenticationTags: {} }, { authenticationTags: { metadata: 'a.b' } }]) {
      expectError(applyEvent(registry, sub, { type: 'submit-submission', data }, fakeContext()), 'validation');
    }
  });

  test('attachment tags are keyed by attachment UUID', () => {
    const sub = create('fit-submission');
    const data = { authenticationTags: { metadata: 'abc', attachments: { 'not-a-uuid': 'abc' } } };
    expectError(applyEvent(registry, sub, { type: 'submit-submission', data }, fakeContext()), 'validation');
  });

  test('accept-submission requires authenticationTags and may carry problems', () => {
    expectError(applyEvent(registry, submitted(), { type: 'accept-submission' }, fakeContext()), 'validation');
    const data = { ...TAGS, problems: [{ type: 'urn:x', title: 'Minor', instance: 'data' }] };
    assert.equal(step(submitted(), 'accept-submission', { data }).status, 'accepted');
  });

  test('reject-submission takes problems, both parts optional ([MEM])', () => {
    assert.equal(step(submitted(), 'reject-submission').status, 'rejected');
    const bad = { problems: 'broken' };
    expectError(
      applyEvent(registry, submitted(), { type: 'reject-submission', data: bad }, fakeContext()),
      'validation',
    );
  });

  test('notify-submission keeps the status and the status change time', () => {
    const ctx = fakeContext();
    const sub = step(create('fit-submission', {}, ctx), 'submit-submission', { data: TAGS }, ctx);
    ctx.advance(DAY_MS);
    const notified = step(sub, 'notify-submission', { data: TAGS }, ctx);
    assert.equal(notified.status, 'submitted');
    assert.equal(notified.statusChangedAt, sub.statusChangedAt);
    assert.equal(notified.version, sub.version + 1);
  });

  test('a submission needs a fit-case parent', () => {
    const result = createSubject(
      registry,
      { tenantId: TENANT, workflow: 'fit-submission', parent: null },
      fakeContext(),
    );
    expectError(result, 'validation');
  });
});

describe('fit-submission auto-reject timer', () => {
  test('due exactly 14 days after entering submitted, with a timeout problem', () => {
    const ctx = fakeContext(T0);
    const sub = create('fit-submission', {}, ctx);
    assert.equal(planTimer(def(), sub), null, 'no timer while incomplete');
    ctx.advance(2 * 3_600_000);
    const change = expectOk(applyEvent(registry, sub, { type: 'submit-submission', data: TAGS }, ctx));
    const timer = change.subjects[0]?.timer;
    assert.ok(timer);
    assert.equal(mainSubject(change).statusChangedAt, '2025-03-01T11:00:00.000Z');
    assert.equal(timer.dueAt, '2025-03-15T11:00:00.000Z');
    assert.equal(timer.fire, 'reject-submission');
    const problems = timer.data?.problems as Array<Record<string, unknown>>;
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.instance, 'submission');
    assert.match(String(problems[0]?.detail), /14 days/);
  });

  test('notify-submission does not restart the 14 days', () => {
    const ctx = fakeContext(T0);
    const sub = step(create('fit-submission', {}, ctx), 'submit-submission', { data: TAGS }, ctx);
    ctx.advance(10 * DAY_MS);
    const change = expectOk(applyEvent(registry, sub, { type: 'notify-submission', data: TAGS }, ctx));
    assert.equal(change.subjects[0]?.timer?.dueAt, '2025-03-15T09:00:00.000Z');
  });

  test('disarmed once forwarded or accepted', () => {
    const ctx = fakeContext(T0);
    const sub = step(create('fit-submission', {}, ctx), 'submit-submission', { data: TAGS }, ctx);
    const forwarded = expectOk(applyEvent(registry, sub, { type: 'forward-submission' }, ctx));
    assert.equal(forwarded.subjects[0]?.timer, null);
    const accepted = expectOk(applyEvent(registry, sub, { type: 'accept-submission', data: TAGS }, ctx));
    assert.equal(accepted.subjects[0]?.timer, null);
  });

  test('the timer event passes the reject-submission schema and rejects the submission', () => {
    const ctx = fakeContext(T0);
    const sub = step(create('fit-submission', {}, ctx), 'submit-submission', { data: TAGS }, ctx);
    const timer = planTimer(def(), sub);
    assert.ok(timer);
    ctx.now = new Date(timer.dueAt);
    const change = expectOk(applyEvent(registry, sub, { type: timer.fire, data: timer.data ?? {} }, ctx));
    assert.equal(mainSubject(change).status, 'rejected');
    assert.deepEqual(change.events[0]?.data, timer.data);
    assert.equal(change.events[0]?.occurredAt, '2025-03-15T09:00:00.000Z');
  });
});
