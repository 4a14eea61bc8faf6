import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RetentionJob } from '../../src/feeds/retention-job.js';
import { dropBackends, fakeClock, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { eventually, FAST_DISPATCH, registry } from './delivery-kit.js';
import { type Receiver, startReceiver } from './receiver.js';

/**
 * Regression (issue 14, item 7): deliveries and attempts were never pruned,
 * only events. Retention now deletes finished deliveries older than the
 * window with their attempts, in bounded batches; pending ones stay. Erasing
 * a subject removes what receivers answered to its pushes.
 */
const DAY = 86_400_000;

interface Attempt {
  eventId: string;
  responseExcerpt: string | null;
  errorMessage: string | null;
}

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`retention and erasure of deliveries (${backend.name})`, { skip: backend.skip }, () => {
    const clock = fakeClock('2026-01-01T00:00:00.000Z');
    let t: TestApp;
    let auth: { authorization: string };
    let echo: Receiver;
    let failing: Receiver;
    let echoId: string;
    let failingId: string;
    const get = (url: string) => t.runtime.app.inject({ method: 'GET', url, headers: auth });
    const post = async (url: string, payload: object) => {
      const res = await t.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
      assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
      return res.json() as Record<string, unknown>;
    };
    const deliveries = async (endpointId: string) => {
      const res = await get(`/v1/endpoints/${endpointId}/deliveries?limit=100`);
      return (res.json() as { deliveries: Array<{ eventId: string; status: string; attempts: number }> }).deliveries;
    };
    const attempts = async (endpointId: string) => {
      const res = await get(`/v1/endpoints/${endpointId}/attempts?limit=100`);
      return (res.json() as { attempts: Attempt[] }).attempts;
    };
    /** Creates a ticket and waits until the echo endpoint has it and the failing one has tried it. */
    const ticket = async (id: string, echoed: number, tried: number) => {
      await post('/v1/subjects', { workflow: 'ticket', id });
      await eventually(
        async () => (await deliveries(echoId)).filter((d) => d.status === 'succeeded').length === echoed,
      );
      await eventually(async () => (await attempts(failingId)).length >= tried);
    };

    before(async () => {
      // Retries an hour apart: the failing endpoint's deliveries stay pending while the clock is still,
      // and it is not disabled for failing long either.
      t = await startTestApp(
        { ...backend.env, TIDINGS_RETRY_SCHEDULE: '1h,1h,1h,1h,1h,1h,1h,1h', TIDINGS_DISABLE_AFTER: '365d' },
        { registry, delivery: FAST_DISPATCH, clock: clock.now },
      );
      ({ auth } = await t.tenant());
      echo = await startReceiver((req, res) => res.writeHead(200).end(`received ${req.body}`));
      failing = await startReceiver((_req, res) => res.writeHead(500).end('down'));
      echoId = String((await post('/v1/endpoints', { url: echo.url, format: 'native' })).id);
      failingId = String((await post('/v1/endpoints', { url: failing.url, format: 'native' })).id);
      t.runtime.startWorkers();
    });
    after(async () => {
      await t?.close();
      await echo?.close();
      await failing?.close();
    });

    test("erasing a subject removes the response excerpts of its attempts, and no one else's", async () => {
      await ticket('keep-1', 1, 1);
      await ticket('erase-1', 2, 2);
      const before = await attempts(echoId);
      assert.ok(before.every((a) => a.responseExcerpt?.includes('received')));
      const erased = (
        await t.runtime.store.listEvents((await t.runtime.store.listTenants()).at(-1)?.id ?? '', { limit: 10 })
      )
        .filter((e) => e.subjectId === 'erase-1')
        .map((e) => e.id);
      assert.equal(erased.length, 1);

      await post('/v1/subjects/erase-1/erase', {});
      const after = await attempts(echoId);
      const forErased = after.filter((a) => erased.includes(a.eventId));
      assert.equal(forErased.length, 1);
      assert.ok(forErased.every((a) => a.responseExcerpt === null));
      const others = after.filter((a) => !erased.includes(a.eventId));
      assert.ok(others.length >= 1 && others.every((a) => a.responseExcerpt?.includes('keep-1')));
      const failed = (await attempts(failingId)).filter((a) => erased.includes(a.eventId));
      assert.ok(failed.length >= 1 && failed.every((a) => a.responseExcerpt === null));
    });

    test('prunes finished deliveries older than the window with their attempts, in batches; pending ones stay', async () => {
      clock.advance(60 * DAY);
      await ticket('new-1', 3, 3);
      // What is pending now stays so: no dispatcher moves a delivery while retention runs.
      await t.runtime.push.dispatcher.stop();
      clock.advance(31 * DAY); // keep-1 and erase-1 are 91 days old, new-1 31
      const failingBefore = (await attempts(failingId)).length;

      const job = new RetentionJob({
        store: t.runtime.store,
        storage: t.runtime.pull.storage.feed,
        deliveries: t.runtime.push.deliveries,
        keys: t.runtime.pull.keys,
        clock: clock.now,
        retentionDays: 90,
        batchSize: 1,
      });
      const run = await job.runOnce();
      assert.equal(run.deliveries, 2);
      assert.equal(run.attempts, 2);

      const left = await deliveries(echoId);
      assert.equal(left.length, 1);
      assert.equal(left[0]?.status, 'succeeded');
      assert.equal((await attempts(echoId)).length, 1);
      // The failing endpoint's deliveries are still being tried: all three stay, with their attempts.
      const pending = await deliveries(failingId);
      assert.equal(pending.length, 3);
      assert.ok(
        pending.every((d) => d.status === 'pending'),
        JSON.stringify(pending),
      );
      assert.ok((await attempts(failingId)).length >= failingBefore);

      const again = await job.runOnce();
      assert.equal(again.deliveries, 0);
      assert.equal(again.attempts, 0);
    });
  });
}
