import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RetentionJob } from '../../src/feeds/retention-job.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { pageWhileWriting } from './feed-paging.js';
import { client, fitCaseWithSubmission, imageChecks, servedJwks, verifySet } from './pull-kit.js';

const pgdb = await postgresTestDatabase();

describe('pull delivery on PostgreSQL', { skip: pgdb.skip }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ DATABASE_URL: pgdb.url ?? '' });
  });
  after(async () => {
    await t.close();
    await pgdb.drop();
  });

  test('the cursor feed pages 2,000 events with no gap or duplicate while writes continue', async () => {
    await pageWhileWriting(t, await t.tenant('Busy'), 2_000);
  });

  test('SET logs verify against the JWKS; signed once', async () => {
    const { auth } = await t.tenant('Fit');
    const caseId = randomUUID();
    const sub = randomUUID();
    await fitCaseWithSubmission(t, auth, caseId, sub);
    const api = client(t, auth);
    const log = (await api.get(`/v1/cases/${caseId}/events?limit=3`)).json();
    assert.equal(log.totalCount, 4);
    assert.equal(log.eventLog.length, 3);
    const jwks = await servedJwks(t);
    for (const jws of log.eventLog) assert.equal((await verifySet(jws, jwks)).header.alg, 'PS512');
    const again = (await api.get(`/v1/cases/${caseId}/events?limit=3`)).json();
    assert.deepEqual(again.eventLog, log.eventLog);
  });

  test('poll streams redeliver until acknowledged', async () => {
    const tenant = await t.tenant('Poller');
    const api = client(t, tenant.auth);
    const stream = (await api.post('/v1/streams', { name: 's', startAt: 'beginning' })).json() as { id: string };
    await imageChecks(t, tenant.id, 3, 'p');
    const poll = async (body: object) => (await api.post(`/v1/streams/${stream.id}/poll`, body)).json();
    const first = await poll({ maxEvents: 2, returnImmediately: true });
    assert.equal(Object.keys(first.sets).length, 2);
    assert.equal(first.moreAvailable, true);
    assert.deepEqual(
      Object.keys((await poll({ maxEvents: 2, returnImmediately: true })).sets),
      Object.keys(first.sets),
    );
    const rest = await poll({ returnImmediately: true, ack: Object.keys(first.sets) });
    assert.equal(Object.keys(rest.sets).length, 1);
    assert.equal(rest.moreAvailable, false);
  });

  test('erasure and retention', async () => {
    const tenant = await t.tenant('Forgetful');
    const api = client(t, tenant.auth);
    const caseId = randomUUID();
    const sub = randomUUID();
    await fitCaseWithSubmission(t, tenant.auth, caseId, sub);
    assert.equal((await api.post(`/v1/subjects/${sub}/erase`)).statusCode, 200);
    const jwks = await servedJwks(t);
    for (const jws of (await api.get(`/v1/submissions/${sub}/events`)).json().eventLog) {
      assert.deepEqual(Object.values((await verifySet(jws, jwks)).claims.events as object)[0], {});
    }
    const later = () => new Date(Date.now() + 91 * 86_400_000);
    const job = new RetentionJob({
      store: t.runtime.store,
      storage: t.runtime.pull.storage.feed,
      keys: t.runtime.pull.keys,
      clock: later,
      retentionDays: 90,
      batchSize: 2,
    });
    assert.ok((await job.runOnce()).events >= 4);
    assert.deepEqual((await api.get('/v1/events')).json(), { lastEventId: null, events: [] });
  });
});
