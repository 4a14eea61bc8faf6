import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Subject } from '../../src/subjects/subject.js';
import { planTimer } from '../../src/workflows/timer-plan.js';
import type { WorkflowDefinition } from '../../src/workflows/workflow-definition.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`numbers that become times are bounded: 400, not 500 (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: Record<string, string>;
    before(async () => {
      t = await startTestApp(backend.env);
      auth = (await t.tenant()).auth;
    });
    after(() => t.close());

    for (const expiry_period of [100_000_000, 36_501, Number.MAX_SAFE_INTEGER]) {
      test(`create with expiry_period ${expiry_period} → 400 validation`, async () => {
        const res = await t.runtime.app.inject({
          method: 'POST',
          url: '/v1/subjects',
          headers: auth,
          payload: { workflow: 'idv-transaction', attributes: { expiry_period } },
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().code, 'validation');
      });
    }

    test('PATCH with expiry_period 100000000 → 400 validation, the subject unchanged', async () => {
      const created = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'idv-transaction', id: 'tx-1', attributes: { expiry_period: 10 } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const res = await t.runtime.app.inject({
        method: 'PATCH',
        url: '/v1/subjects/tx-1',
        headers: auth,
        payload: { attributes: { expiry_period: 100_000_000 } },
      });
      assert.equal(res.statusCode, 400, res.body);
      const now = await t.runtime.app.inject({ method: 'GET', url: '/v1/subjects/tx-1', headers: auth });
      assert.equal(now.json().attributes.expiry_period, 10);
    });

    test('the largest accepted expiry_period (36,500 days) arms a timer', async () => {
      const res = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: auth,
        payload: { workflow: 'idv-transaction', attributes: { expiry_period: 36_500 } },
      });
      assert.equal(res.statusCode, 201, res.body);
    });
  });
}

describe('a custom workflow timer with an unrepresentable time arms nothing instead of throwing', () => {
  const def = {
    name: 'custom',
    timers: [
      { name: 'days', states: ['OPEN'], daysAttribute: 'days', fire: 'EXPIRE' },
      { name: 'after', states: ['OPEN'], after: '99999999999d', fire: 'EXPIRE' },
    ],
  } as unknown as WorkflowDefinition;
  const subject = {
    status: 'OPEN',
    createdAt: '2026-01-01T00:00:00.000Z',
    statusChangedAt: '2026-01-01T00:00:00.000Z',
    attributes: { days: 1e12 },
  } as unknown as Subject;
  test('planTimer returns null', () => assert.equal(planTimer(def, subject), null));
});
