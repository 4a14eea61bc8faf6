import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEvent, createSubject, updateAttributes } from '../../src/workflows/engine.js';
import { planTimer } from '../../src/workflows/timer-plan.js';
import {
  create,
  DAY_MS,
  expectError,
  expectOk,
  fakeContext,
  mainSubject,
  registry,
  step,
  T0,
  TENANT,
} from './engine-kit.js';

const ATTRIBUTES = {
  brand_id: '3f1c2a0e-8a8b-4a54-9c1f-5d2b7c3e4f22',
  workflow_id: '0b9f5c53-3c1a-4b5e-9d6a-2f1e0f7c1a11',
  opaque_id: 'loan-4711',
  tenant_id: 'acme-bank_1',
  language: 'english',
  disable_notifications: false,
  configuration: {
    consent: { type: 'explicit' },
    redirects: [{ id: 'done', url: 'https://example.com/?t={{transactionId}}&o={{opaqueId}}' }],
  },
  users: [{ role: 'Borrower', first_name: 'Ada', address: { country_code: 'GB' } }],
  documents: [{ id: 'loan_agreement-1', title: 'Loan agreement', version: 1 }],
  tokens: [{ role: 'Borrower', token: 'abc', accessUrl: 'https://idv.example.com/brand/#/esign/tx?access_token=abc' }],
};

const def = () => {
  const d = registry.get('idv-transaction')?.definition;
  assert.ok(d);
  return d;
};

describe('idv-transaction attributes', () => {
  test('the OneSpan transaction model is accepted', () => {
    assert.equal(create('idv-transaction', { attributes: ATTRIBUTES }).status, 'new');
  });

  const refused: Array<[string, Record<string, unknown>]> = [
    ['brand_id not a UUID', { brand_id: 'brand-1' }],
    ['disable_notifications as the string "true" (the seed example mistake)', { disable_notifications: 'true' }],
    ['expiry_period not an integer', { expiry_period: 2.5 }],
    ['expiry_timestamp without milliseconds', { expiry_timestamp: '2025-03-31T00:00:00Z' }],
    ['tenant_id with a space', { tenant_id: 'acme bank' }],
    ['a redirect without url', { configuration: { redirects: [{ id: 'x' }] } }],
    ['country code UK instead of GB', { users: [{ address: { country_code: 'UK' } }] }],
    ['a document id with a slash', { documents: [{ id: 'a/b' }] }],
    ['a token without role', { tokens: [{ token: 'x' }] }],
    ['an unknown top-level field', { disable_notification: true }],
    ['status, which is the subject status', { status: 'completed' }],
  ];
  for (const [what, attributes] of refused) {
    test(`refuses ${what}`, () => {
      const result = createSubject(
        registry,
        { tenantId: TENANT, workflow: 'idv-transaction', parent: null, attributes },
        fakeContext(),
      );
      expectError(result, 'validation');
    });
  }
});

describe('idv-transaction immutable attributes', () => {
  const OTHER: Record<string, string> = {
    brand_id: '9d7e6f50-1111-4c2d-8e3f-aaaaaaaaaaaa',
    workflow_id: '9d7e6f50-2222-4c2d-8e3f-bbbbbbbbbbbb',
    opaque_id: 'loan-4712',
    tenant_id: 'other-bank',
  };
  for (const [field, value] of Object.entries(OTHER)) {
    test(`${field} cannot change after creation`, () => {
      const ctx = fakeContext();
      const tx = create('idv-transaction', { attributes: ATTRIBUTES }, ctx);
      const e = expectError(updateAttributes(registry, tx, { [field]: value }, ctx), 'validation');
      assert.deepEqual(
        e.errors.map((i) => i.target),
        [`attributes.${field}`],
      );
      expectError(updateAttributes(registry, tx, { [field]: null }, ctx), 'validation');
    });
  }

  test('an immutable attribute absent at creation cannot be added later', () => {
    const ctx = fakeContext();
    const tx = create('idv-transaction', {}, ctx);
    expectError(updateAttributes(registry, tx, { opaque_id: 'late' }, ctx), 'validation');
  });

  test('repeating the same value and changing mutable attributes is fine', () => {
    const ctx = fakeContext();
    const tx = create('idv-transaction', { attributes: ATTRIBUTES }, ctx);
    const change = expectOk(
      updateAttributes(
        registry,
        tx,
        { brand_id: ATTRIBUTES.brand_id, language: 'french', disable_recording: true },
        ctx,
      ),
    );
    const next = mainSubject(change);
    assert.equal(next.attributes.language, 'french');
    assert.equal(next.version, tx.version + 1);
    assert.equal(change.events.length, 0);
  });
});

describe('idv-transaction expiry timer', () => {
  test('due at expiry_timestamp when given', () => {
    const ctx = fakeContext(T0);
    const created = expectOk(
      createSubject(
        registry,
        {
          tenantId: TENANT,
          workflow: 'idv-transaction',
          parent: null,
          attributes: { expiry_timestamp: '2025-03-31T12:00:00.000Z', expiry_period: 3 },
        },
        ctx,
      ),
    );
    assert.deepEqual(created.subjects[0]?.timer, {
      name: 'expiry',
      dueAt: '2025-03-31T12:00:00.000Z',
      fire: 'expire',
      data: { reason: 'expiry' },
    });
  });

  test('due at createdAt + expiry_period days otherwise, unchanged by later transitions', () => {
    const ctx = fakeContext(T0);
    const tx = create('idv-transaction', { attributes: { expiry_period: 30 } }, ctx);
    const due = new Date(Date.parse(T0) + 30 * DAY_MS).toISOString();
    assert.equal(due, '2025-03-31T09:00:00.000Z');
    assert.equal(planTimer(def(), tx)?.dueAt, due);
    ctx.advance(5 * DAY_MS);
    const started = expectOk(applyEvent(registry, tx, { type: 'workflow-started' }, ctx));
    assert.equal(started.subjects[0]?.timer?.dueAt, due);
  });

  test('no expiry attributes: no timer', () => {
    assert.equal(planTimer(def(), create('idv-transaction')), null);
  });

  test('disarmed once completed, and in every terminal state', () => {
    const ctx = fakeContext(T0);
    let tx = create('idv-transaction', { attributes: { expiry_period: 30 } }, ctx);
    tx = step(tx, 'post-processing-started', {}, ctx);
    const completed = expectOk(applyEvent(registry, tx, { type: 'transaction-completed' }, ctx));
    assert.equal(completed.subjects[0]?.timer, null);
    for (const status of def().terminalStates) assert.equal(planTimer(def(), { ...tx, status }), null, status);
  });

  test('firing the timer event expires the transaction', () => {
    const ctx = fakeContext(T0);
    const tx = create('idv-transaction', { attributes: { expiry_period: 1 } }, ctx);
    const timer = planTimer(def(), tx);
    assert.ok(timer);
    ctx.now = new Date(timer.dueAt);
    const expired = expectOk(applyEvent(registry, tx, { type: timer.fire, data: timer.data ?? {} }, ctx));
    assert.equal(mainSubject(expired).status, 'expired');
    assert.equal(mainSubject(expired).statusChangedAt, '2025-03-02T09:00:00.000Z');
  });
});
