import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onespanTrigger, renderOnespan } from '../../src/formats/onespan.js';
import { assertGolden, context, event, subject } from './format-fixtures.js';

const TRANSACTION_ID = '0f8b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

describe('onespan format (seed 001)', () => {
  it('renders a created transaction in the published notification shape, with transaction_id and opaque_id', () => {
    const tx = subject({
      id: TRANSACTION_ID,
      workflow: 'idv-transaction',
      status: 'new',
      createdAt: '2020-01-17T00:08:31.118Z',
      attributes: { opaque_id: 'WorkflowExternalMitAtPwd=1234', language: 'english' },
    });
    const e = event(tx, { type: 'transaction-created', occurredAt: '2020-01-17T00:08:31.118Z' });
    assertGolden(renderOnespan(context(tx, e)), 'onespan-transaction-created.json');
  });

  it('maps statuses to the published triggers and names the others transaction_<status>', () => {
    assert.equal(onespanTrigger('new'), 'transaction_created');
    assert.equal(onespanTrigger('completed'), 'transaction_completed');
    assert.equal(onespanTrigger('expired'), 'transaction_expired');
    assert.equal(onespanTrigger('cancelled'), 'transaction_cancelled');
    assert.equal(onespanTrigger('error'), 'transaction_error');
    assert.equal(onespanTrigger('workflow_in_progress'), 'transaction_workflow_in_progress');
  });

  it('counts version from 0 and takes tenant_id from the credentials, never from the attributes [SEED 001]', () => {
    const tx = subject({
      id: TRANSACTION_ID,
      workflow: 'idv-transaction',
      status: 'new',
      attributes: { tenant_id: 'from-the-body' },
    });
    const rendered = renderOnespan(
      context(tx, event(tx, { type: 'transaction-created', occurredAt: '2020-01-17T00:08:31.118Z' })),
    );
    assert.equal(rendered.version, 0, 'seed 001: "Valeur par défaut : 0"');
    assert.equal(rendered.tenant_id, tx.tenantId);
  });

  it('leaves opaque_id out when the transaction has none, and copies session data from the event', () => {
    const tx = subject({ id: TRANSACTION_ID, workflow: 'idv-transaction', status: 'cancelled', version: 4 });
    const e = event(tx, {
      type: 'transaction-cancelled',
      from: 'workflow_in_progress',
      occurredAt: '2020-01-18T10:00:00Z',
      data: { session_id: 's-1', role: 'Borrower' },
    });
    assert.deepEqual(renderOnespan(context(tx, e)), {
      '@timestamp': '2020-01-18 10:00:00.000 +0000',
      type: 'notification',
      transaction_id: TRANSACTION_ID,
      session_id: 's-1',
      trigger: 'transaction_cancelled',
      status: 'cancelled',
      previous_status: 'workflow_in_progress',
      role: 'Borrower',
      tenant_id: tx.tenantId,
      created: '2025-01-01T00:00:00.000Z',
      status_changed: '2025-01-01T00:00:00.000Z',
      version: 3,
    });
  });
});
