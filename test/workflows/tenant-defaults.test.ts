import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitSubmission } from '../../src/workflows/builtin/fit-submission.js';
import { idvTransaction } from '../../src/workflows/builtin/idv-transaction.js';
import { withTenantDefaults } from '../../src/workflows/tenant-defaults.js';

test('idv-transaction: expiry_period from the tenant when neither expiry field is given', () => {
  assert.deepEqual(withTenantDefaults(idvTransaction, { a: 1 }, undefined), { a: 1, expiry_period: 30 });
  assert.deepEqual(withTenantDefaults(idvTransaction, {}, { defaultExpiryPeriodDays: 3 }), { expiry_period: 3 });
  const at = { expiry_timestamp: '2026-01-01T00:00:00.000Z' };
  assert.deepEqual(withTenantDefaults(idvTransaction, at, { defaultExpiryPeriodDays: 3 }), at);
  assert.deepEqual(withTenantDefaults(idvTransaction, { expiry_period: 0 }, undefined), { expiry_period: 0 });
});

test('a workflow without tenant defaults keeps the attributes object as given', () => {
  const attributes = { destinationId: '40847c29-06aa-40e2-bf28-c29884c694c4' };
  assert.equal(withTenantDefaults(fitSubmission, attributes, { defaultExpiryPeriodDays: 3 }), attributes);
});
