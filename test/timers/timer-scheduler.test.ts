import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeClock, startTestApp, type TestApp } from '../helpers/test-runtime.js';

const DAY = 86_400_000;

describe('timers fire through the transition path at the right instant', () => {
  const clock = fakeClock('2026-03-01T08:00:00.000Z');
  let t: TestApp;
  let auth: { authorization: string };
  before(async () => {
    t = await startTestApp({}, { clock: clock.now });
    auth = (await t.tenant()).auth;
  });
  after(() => t.close());
  const post = (url: string, payload: object) => t.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
  const status = async (id: string) =>
    (await t.runtime.app.inject({ url: `/v1/subjects/${id}`, headers: auth })).json().status;

  test('FIT-Connect: 14 days in submitted → reject-submission, not a millisecond earlier', async () => {
    await post('/v1/subjects', { workflow: 'fit-case', id: 'case-t' });
    await post('/v1/subjects', { workflow: 'fit-submission', id: 'sub-t', parentId: 'case-t' });
    const tags = { authenticationTags: { metadata: 'a', data: 'b', attachments: {} } };
    assert.equal((await post('/v1/subjects/sub-t/events', { type: 'submit-submission', data: tags })).statusCode, 201);
    clock.advance(14 * DAY - 1);
    assert.equal(await t.runtime.timers.runOnce(), 0);
    assert.equal(await status('sub-t'), 'submitted');
    clock.advance(1);
    assert.equal(await t.runtime.timers.runOnce(), 1);
    assert.equal(await status('sub-t'), 'rejected');
    assert.equal(await t.runtime.timers.runOnce(), 0, 'fires once');
  });

  test('a transition before the deadline disarms the timer', async () => {
    await post('/v1/subjects', { workflow: 'fit-submission', id: 'sub-u', parentId: 'case-t' });
    const tags = { authenticationTags: { metadata: 'a', data: 'b', attachments: {} } };
    await post('/v1/subjects/sub-u/events', { type: 'submit-submission', data: tags });
    clock.advance(DAY);
    assert.equal((await post('/v1/subjects/sub-u/events', { type: 'accept-submission', data: tags })).statusCode, 201);
    clock.advance(20 * DAY);
    assert.equal(await t.runtime.timers.runOnce(), 0);
    assert.equal(await status('sub-u'), 'accepted');
  });

  test('OneSpan: expiry_timestamp expires the transaction', async () => {
    const expiry = new Date(clock.now().getTime() + 2 * DAY).toISOString();
    const res = await post('/v1/subjects', {
      workflow: 'idv-transaction',
      id: 'tx-exp',
      attributes: {
        brand_id: '3f2b8c1e-8a57-4d5e-9d3c-0f1e2d3c4b5a',
        workflow_id: '9d2b8c1e-8a57-4d5e-9d3c-0f1e2d3c4b5a',
        expiry_timestamp: expiry,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    clock.advance(2 * DAY - 1000);
    assert.equal(await t.runtime.timers.runOnce(), 0);
    clock.advance(1000);
    assert.equal(await t.runtime.timers.runOnce(), 1);
    assert.equal(await status('tx-exp'), 'expired');
  });
});

describe('timer scheduler when the database is away', () => {
  test('a failed run is logged and the next interval runs again; nothing is left unhandled', async () => {
    const { TimerScheduler } = await import('../../src/timers/timer-scheduler.js');
    let calls = 0;
    const logged: string[] = [];
    const store = {
      dueTimers: async () => {
        calls += 1;
        throw new Error('connection terminated');
      },
    };
    const scheduler = new TimerScheduler({
      store: store as never,
      subjects: {} as never,
      clock: () => new Date(),
      logger: { error: (_obj: unknown, msg: string) => logged.push(msg), warn: () => {} } as never,
    });
    scheduler.start(10);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await scheduler.stop();
    assert.ok(calls >= 2, `ran ${calls} times`);
    assert.ok(logged.length >= 2 && logged.every((m) => m === 'timer run failed'));
  });
});
