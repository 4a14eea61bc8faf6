import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeClock, startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { type Auth, client, imageChecks } from './pull-kit.js';

const DAY = 86_400_000;

describe('retention', () => {
  const clock = fakeClock('2026-01-01T00:00:00.000Z');
  let t: TestApp;
  let tenant: { id: string; auth: Auth };
  let api: ReturnType<typeof client>;
  before(async () => {
    t = await startTestApp({}, { clock: clock.now });
    tenant = await t.tenant('Keeper');
    api = client(t, tenant.auth);
  });
  after(() => t.close());

  test('deletes events older than 90 days in bounded batches, with their SETs; newer ones stay', async () => {
    await imageChecks(t, tenant.id, 25, 'old');
    const oldPage = (await api.get('/v1/events?count=100&format=native')).json();
    await api.get('/v1/subjects/old-0/events'); // signs and stores one SET
    clock.advance(60 * DAY);
    await imageChecks(t, tenant.id, 5, 'new');
    clock.advance(31 * DAY); // the old ones are now 91 days old, the new ones 31

    const job = t.runtime.pull.retention;
    const run = await job.runOnce();
    assert.equal(run.events, 25);

    const left = (await api.get('/v1/events?count=100&format=native')).json();
    assert.equal(left.events.length, 5);
    assert.ok(left.events.every((e: { subject: string }) => e.subject.startsWith('new-')));
    const db = (t.runtime.store as unknown as { db: import('better-sqlite3').Database }).db;
    assert.equal((db.prepare('SELECT count(*) AS n FROM event_sets').get() as { n: number }).n, 0);

    // A cursor whose event is gone is a clear 400, not an empty page.
    const res = await api.get(`/v1/events?afterEventId=${oldPage.events[3].id}`);
    assert.equal(res.statusCode, 400);
    assert.match(res.json().errors[0].message, /past retention/);
    assert.deepEqual(await job.runOnce(), {
      events: 0,
      sets: 0,
      idempotencyRecords: 0,
      setErrors: 0,
      deliveries: 0,
      attempts: 0,
      byTenant: new Map(),
    });
  });

  test('a cursor older than the window is refused before the job has deleted it', async () => {
    const other = await t.tenant('Late');
    await imageChecks(t, other.id, 2, 'late');
    const api2 = client(t, other.auth);
    const page = (await api2.get('/v1/events?format=native')).json();
    clock.advance(90 * DAY + 1);
    const res = await api2.get(`/v1/events?afterEventId=${page.events[0].id}`);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().errors[0].target, 'afterEventId');
  });

  test('works in batches: a small batch size still deletes everything expired', async () => {
    const { RetentionJob } = await import('../../src/feeds/retention-job.js');
    const other = await t.tenant('Batches');
    await imageChecks(t, other.id, 23, 'b');
    clock.advance(91 * DAY);
    const job = new RetentionJob({
      store: t.runtime.store,
      storage: t.runtime.pull.storage.feed,
      keys: t.runtime.pull.keys,
      clock: clock.now,
      retentionDays: 90,
      batchSize: 5,
    });
    const run = await job.runOnce();
    assert.ok(run.events >= 23);
    assert.deepEqual((await client(t, other.auth).get('/v1/events')).json(), { lastEventId: null, events: [] });
  });

  test('Idempotency-Key answers are kept a day, then the key may be used afresh', async () => {
    const post = () =>
      t.runtime.app.inject({
        method: 'POST',
        url: '/v1/subjects',
        headers: { ...tenant.auth, 'idempotency-key': 'daily-import-42' },
        payload: { workflow: 'fit-case' },
      });
    const first = await post();
    clock.advance(23 * 3_600_000);
    await t.runtime.pull.retention.runOnce();
    assert.deepEqual((await post()).json(), first.json(), 'replayed within the day');
    clock.advance(2 * 3_600_000);
    assert.ok((await t.runtime.pull.retention.runOnce()).idempotencyRecords >= 1);
    const fresh = await post();
    assert.equal(fresh.statusCode, 201);
    assert.notEqual(fresh.json().id, first.json().id, 'a new subject, not a replay');
  });
});
