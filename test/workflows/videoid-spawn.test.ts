import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEvent, createSubject, updateAttributes } from '../../src/workflows/engine.js';
import { create, expectError, expectOk, fakeContext, registry, step, T0, TENANT } from './engine-kit.js';

/** The seed's REQUEST_ENROLLED envelope lists the issued certificates; each becomes a child subject. */
const CERTIFICATES = [
  { status: 'VALID', serial_number: '7A3F01', valid_from: '20250715 08:36:33', valid_to: '20270715 08:36:33' },
  { serial_number: '7A3F02', valid_from: '20250715 08:36:33', valid_to: '20270715 08:36:33' },
];

function enrollReady(ctx = fakeContext()) {
  let request = create('videoid-request', {}, ctx);
  request = step(request, 'VIDEOID_UPDATED', {}, ctx);
  return step(request, 'REQUEST_APPROVED', {}, ctx);
}

describe('REQUEST_ENROLLED spawns videoid-certificate children', () => {
  test('one child per certificate, in VALID, in the same change as the request', () => {
    const ctx = fakeContext();
    const request = enrollReady(ctx);
    const change = expectOk(
      applyEvent(registry, request, { type: 'REQUEST_ENROLLED', data: { certificates: CERTIFICATES } }, ctx),
    );
    assert.equal(change.subjects.length, 3);
    assert.equal(change.events.length, 3);
    const [parent, ...children] = change.subjects;
    assert.equal(parent?.subject.status, 'ISSUED');
    assert.equal(parent?.expectedVersion, request.version);
    assert.deepEqual(
      children.map((w) => [w.subject.workflow, w.subject.status, w.subject.parentId, w.expectedVersion]),
      [
        ['videoid-certificate', 'VALID', request.id, null],
        ['videoid-certificate', 'VALID', request.id, null],
      ],
    );
    assert.deepEqual(
      children.map((w) => w.subject.attributes.serial_number),
      ['7A3F01', '7A3F02'],
    );
    assert.deepEqual(
      change.events.map((e) => [e.type, e.from, e.to, e.parentId]),
      [
        ['REQUEST_ENROLLED', 'ENROLLREADY', 'ISSUED', null],
        ['CERTIFICATE_ISSUED', null, 'VALID', request.id],
        ['CERTIFICATE_ISSUED', null, 'VALID', request.id],
      ],
    );
  });

  test('no certificates in the data: the request is issued without children', () => {
    const ctx = fakeContext();
    const change = expectOk(applyEvent(registry, enrollReady(ctx), { type: 'REQUEST_ENROLLED' }, ctx));
    assert.equal(change.subjects.length, 1);
    assert.equal(change.events.length, 1);
  });

  test('a certificate without serial_number refuses the whole event, naming the item', () => {
    const ctx = fakeContext();
    const result = applyEvent(
      registry,
      enrollReady(ctx),
      { type: 'REQUEST_ENROLLED', data: { certificates: [CERTIFICATES[0], { valid_to: '20270715 08:36:33' }] } },
      ctx,
    );
    const e = expectError(result, 'validation');
    assert.ok(e.errors.some((i) => i.target.startsWith('data.certificates.1.') && i.target.endsWith('serial_number')));
  });

  test('certificate times must use the seed format YYYYMMDD HH:MM:SS', () => {
    const ctx = fakeContext();
    const bad = [{ serial_number: '1', valid_from: '2025-07-15T08:36:33Z' }];
    const result = applyEvent(
      registry,
      enrollReady(ctx),
      { type: 'REQUEST_ENROLLED', data: { certificates: bad } },
      ctx,
    );
    expectError(result, 'validation');
  });

  test('certificates must be an array of objects', () => {
    const ctx = fakeContext();
    const result = applyEvent(
      registry,
      enrollReady(ctx),
      { type: 'REQUEST_ENROLLED', data: { certificates: 'x' } },
      ctx,
    );
    expectError(result, 'validation');
  });

  test('a certificate needs a videoid-request parent', () => {
    const ctx = fakeContext();
    const base = { tenantId: TENANT, workflow: 'videoid-certificate', attributes: { serial_number: '1' } };
    const orphan = expectError(createSubject(registry, { ...base, parent: null }, ctx), 'validation');
    assert.equal(orphan.errors[0]?.target, 'parentId');
    const caseParent = create('fit-case', {}, ctx);
    expectError(createSubject(registry, { ...base, parent: caseParent }, ctx), 'validation');
  });

  test('serial_number is immutable on the certificate', () => {
    const ctx = fakeContext(T0);
    const cert = create('videoid-certificate', { attributes: { serial_number: 'A1' } }, ctx);
    expectError(updateAttributes(registry, cert, { serial_number: 'B2' }, ctx), 'validation');
    expectOk(updateAttributes(registry, cert, { valid_to: '20300101 00:00:00' }, ctx));
  });
});

describe('REQUEST_CREATED picks VideoID or paperless', () => {
  test('VIDEOPENDING by default, CREATED with to', () => {
    assert.equal(create('videoid-request').status, 'VIDEOPENDING');
    assert.equal(create('videoid-request', { to: 'CREATED' }).status, 'CREATED');
  });

  test('a to that REQUEST_CREATED cannot reach is an invalid transition', () => {
    const result = createSubject(
      registry,
      { tenantId: TENANT, workflow: 'videoid-request', parent: null, to: 'ISSUED' },
      fakeContext(),
    );
    expectError(result, 'invalid_transition');
  });

  test('VIDEOID_UPDATED goes to VIDEOREVIEW unless to asks for VIDEOINCOMPLETE', () => {
    const pending = create('videoid-request');
    assert.equal(step(pending, 'VIDEOID_UPDATED').status, 'VIDEOREVIEW');
    assert.equal(step(pending, 'VIDEOID_UPDATED', { to: 'VIDEOINCOMPLETE' }).status, 'VIDEOINCOMPLETE');
    const result = applyEvent(registry, pending, { type: 'VIDEOID_UPDATED', to: 'ISSUED' }, fakeContext());
    expectError(result, 'invalid_transition');
  });
});
