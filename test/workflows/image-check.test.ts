import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEvent, createSubject, updateAttributes } from '../../src/workflows/engine.js';
import { create, expectError, expectOk, fakeContext, registry, step, TENANT } from './engine-kit.js';

const submit = (attributes: Record<string, unknown>, to?: string) =>
  createSubject(
    registry,
    { tenantId: TENANT, workflow: 'image-check', parent: null, attributes, ...(to ? { to } : {}) },
    fakeContext(),
  );

describe('image-submitted routes on ImageType', () => {
  test('a Gallery image is accepted at once', () => {
    const change = expectOk(submit({ ImageType: 'Gallery', Orientation: 'Horizontal' }));
    assert.equal(change.subjects[0]?.subject.status, 'Accepted');
    assert.deepEqual([change.events[0]?.type, change.events[0]?.to], ['image-submitted', 'Accepted']);
  });

  test('a Custom image waits in Pending', () => {
    assert.equal(expectOk(submit({ ImageType: 'Custom' })).subjects[0]?.subject.status, 'Pending');
  });

  test('a Custom image cannot be created as Accepted, nor a Gallery image as Pending', () => {
    const custom = expectError(submit({ ImageType: 'Custom' }, 'Accepted'), 'invalid_transition');
    assert.ok(custom.errors.some((e) => e.code === 'ConditionNotMet' && e.target === 'attributes.ImageType'));
    expectError(submit({ ImageType: 'Gallery' }, 'Pending'), 'invalid_transition');
  });

  test('ImageType is required and closed; Orientation is closed; DataCapture is an object', () => {
    expectError(submit({}), 'validation');
    expectError(submit({ ImageType: 'Uploaded' }), 'validation');
    expectError(submit({ ImageType: 'Custom', Orientation: 'Diagonal' }), 'validation');
    expectError(submit({ ImageType: 'Custom', DataCapture: 'name=Ada' }), 'validation');
    expectError(submit({ ImageType: 'Custom', SubmissionTimeStamp: '2025-03-01' }), 'validation');
    expectOk(submit({ ImageType: 'Custom', DataCapture: { name: 'Ada' }, SubmissionTimeStamp: '20250301090000' }));
  });

  test('ImageType cannot change after routing', () => {
    const ctx = fakeContext();
    const image = create('image-check', { attributes: { ImageType: 'Custom' } }, ctx);
    expectError(updateAttributes(registry, image, { ImageType: 'Gallery' }, ctx), 'validation');
  });
});

describe('RejectionCode rules', () => {
  const pending = () => create('image-check', { attributes: { ImageType: 'Custom' } });
  const reject = (data?: Record<string, unknown>) =>
    applyEvent(registry, pending(), { type: 'image-rejected', ...(data ? { data } : {}) }, fakeContext());

  test('a rejection with a configured code is accepted', () => {
    assert.equal(step(pending(), 'image-rejected', { data: { RejectionCode: '17' } }).status, 'Rejected');
  });

  test('a rejection needs a code that is not empty and not "00"', () => {
    for (const data of [undefined, {}, { RejectionCode: '' }, { RejectionCode: '00' }, { RejectionCode: 17 }]) {
      const e = expectError(reject(data), 'validation', JSON.stringify(data));
      assert.ok(e.errors.some((i) => i.target.startsWith('data')));
    }
  });

  test('an acceptance carries "00" or no code', () => {
    assert.equal(step(pending(), 'image-accepted').status, 'Accepted');
    assert.equal(step(pending(), 'image-accepted', { data: { RejectionCode: '00' } }).status, 'Accepted');
    const result = applyEvent(
      registry,
      pending(),
      { type: 'image-accepted', data: { RejectionCode: '05' } },
      fakeContext(),
    );
    expectError(result, 'validation');
  });

  test('a Gallery image is never Pending, so it cannot be rejected', () => {
    const gallery = create('image-check', { attributes: { ImageType: 'Gallery' } });
    const result = applyEvent(
      registry,
      gallery,
      { type: 'image-rejected', data: { RejectionCode: '17' } },
      fakeContext(),
    );
    expectError(result, 'invalid_transition');
  });
});
