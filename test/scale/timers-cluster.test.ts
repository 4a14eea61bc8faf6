import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { fakeClock, startTestApp } from '../helpers/test-runtime.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

const DAY = 86_400_000;
const SUBJECTS = 30;
const TAGS = { authenticationTags: { metadata: 'a', data: 'b', attachments: {} } };

describe('timers fire once cluster-wide', { skip: pgdb.skip }, () => {
  test('two processes running the timer job at once commit each due timer exactly once', async () => {
    const clock = fakeClock('2026-03-01T08:00:00.000Z');
    const env = { DATABASE_URL: pgdb.url! };
    const a = await startTestApp(env, { clock: clock.now });
    const b = await startTestApp(env, { clock: clock.now });
    try {
      const tenant = await a.tenant();
      const post = (url: string, payload: object) =>
        a.runtime.app.inject({ method: 'POST', url, headers: tenant.auth, payload });
      assert.equal((await post('/v1/subjects', { workflow: 'fit-case', id: 'case' })).statusCode, 201);
      for (let i = 0; i < SUBJECTS; i++) {
        await post('/v1/subjects', { workflow: 'fit-submission', id: `sub-${i}`, parentId: 'case' });
        const res = await post(`/v1/subjects/sub-${i}/events`, { type: 'submit-submission', data: TAGS });
        assert.equal(res.statusCode, 201, res.body);
      }
      clock.advance(14 * DAY);

      const fired = await Promise.all([a.runtime.timers.runOnce(), b.runtime.timers.runOnce()]);
      assert.equal(fired[0] + fired[1], SUBJECTS, `fired ${fired.join(' + ')}`);
      for (let i = 0; i < SUBJECTS; i++) {
        const log = await a.runtime.store.listEvents(tenant.id, { subjectId: `sub-${i}`, limit: 100 });
        assert.deepEqual(log.map((e) => e.type).slice(1), ['submit-submission', 'reject-submission']);
        assert.equal(log.filter((e) => e.type === 'reject-submission').length, 1, `sub-${i} rejected once`);
      }
      assert.deepEqual(await a.runtime.store.dueTimers(clock.now().toISOString(), 100), [], 'no timer left');
      assert.deepEqual(await Promise.all([a.runtime.timers.runOnce(), b.runtime.timers.runOnce()]), [0, 0]);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
