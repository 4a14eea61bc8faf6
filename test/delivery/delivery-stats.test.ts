import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { firstAttemptIdSince, statsSeries, statsTotals } from '../../src/delivery/delivery-stats.js';
import type { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { startReceiver } from './receiver.js';

describe('delivery stats, pure parts', () => {
  test('statsSeries zero-fills every bucket and ignores groups outside the window', () => {
    const series = statsSeries(
      [
        { bucket: 0, outcome: 'succeeded', count: 3, totalLatencyMs: 30, maxLatencyMs: 20 },
        { bucket: 0, outcome: 'failed', count: 1, totalLatencyMs: 50, maxLatencyMs: 50 },
        { bucket: 2, outcome: 'failed', count: 2, totalLatencyMs: 10, maxLatencyMs: 6 },
        { bucket: 3, outcome: 'failed', count: 9, totalLatencyMs: 9, maxLatencyMs: 9 },
      ],
      Date.parse('2026-01-01T00:00:00Z'),
      60_000,
      3,
    );
    assert.deepEqual(series, [
      {
        start: '2026-01-01T00:00:00.000Z',
        attempts: { succeeded: 3, failed: 1 },
        meanLatencyMs: 20,
        maxLatencyMs: 50,
      },
      {
        start: '2026-01-01T00:01:00.000Z',
        attempts: { succeeded: 0, failed: 0 },
        meanLatencyMs: null,
        maxLatencyMs: null,
      },
      { start: '2026-01-01T00:02:00.000Z', attempts: { succeeded: 0, failed: 2 }, meanLatencyMs: 5, maxLatencyMs: 6 },
    ]);
    assert.deepEqual(statsTotals([]), {
      attempts: { succeeded: 0, failed: 0 },
      meanLatencyMs: null,
      maxLatencyMs: null,
    });
  });

  test('firstAttemptIdSince finds the first id at or after a time across gaps in the ids', async () => {
    // ids with gaps; startedAt grows with the id.
    const rows = [1, 2, 5, 6, 9, 20, 21].map((id) => ({ id, startedAt: id * 100 }));
    const probe = async (id: number) => rows.find((r) => r.id >= id) ?? null;
    const bounds = { min: 1, max: 21 };
    // For every time: the ids at or after the answer are exactly the rows started at or after that time.
    for (let since = 0; since <= 2200; since += 50) {
      const first = await firstAttemptIdSince(since, bounds, probe);
      const want = rows.filter((r) => r.startedAt >= since).map((r) => r.id);
      const got = first === null ? [] : rows.filter((r) => r.id >= first).map((r) => r.id);
      assert.deepEqual(got, want, `since ${since}`);
    }
    assert.equal(await firstAttemptIdSince(2101, bounds, probe), null);
    assert.equal(await firstAttemptIdSince(0, null, probe), null);
  });
});

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`GET /v1/stats/deliveries (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let a: Awaited<ReturnType<TestApp['tenant']>>;
    let b: Awaited<ReturnType<TestApp['tenant']>>;
    const ok = startReceiver();
    const failing = startReceiver((_req, res) => res.writeHead(500).end('no'));
    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_RETRY_SCHEDULE: '1h' });
      t.runtime.startWorkers();
      a = await t.tenant('A');
      b = await t.tenant('B');
    });
    after(async () => {
      await t.close();
      await (await ok).close();
      await (await failing).close();
    });
    const stats = async (auth: Record<string, string>, query = '') => {
      const res = await t.runtime.app.inject({ method: 'GET', url: `/v1/stats/deliveries${query}`, headers: auth });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };

    test('counts real attempts by outcome in the current bucket, and the tenant queue', async () => {
      const inject = (url: string, payload: object, auth = a.auth) =>
        t.runtime.app.inject({ method: 'POST', url, headers: auth, payload });
      await inject('/v1/endpoints', { url: (await ok).url, workflows: ['image-check'] });
      await inject('/v1/endpoints', { url: (await failing).url, workflows: ['image-check'] });
      for (const id of ['i1', 'i2'])
        await inject('/v1/subjects', { workflow: 'image-check', id, attributes: { ImageType: 'Custom' } });
      await (await ok).waitFor(2);
      await (await failing).waitFor(2);
      let body = await stats(a.auth);
      // Until the four attempts and their deliveries' new states are recorded (a loaded machine may lag).
      const settled = (b: typeof body) =>
        b.totals.attempts.failed + b.totals.attempts.succeeded >= 4 && b.queue.pending <= 2;
      for (let i = 0; i < 200 && !settled(body); i++) {
        await new Promise((r) => setTimeout(r, 50));
        body = await stats(a.auth);
      }
      assert.deepEqual(body.totals.attempts, { succeeded: 2, failed: 2 });
      assert.equal(body.buckets.length, 60);
      assert.equal(body.bucketSeconds, 60);
      const summed = body.buckets.reduce(
        (s: { succeeded: number; failed: number }, x: { attempts: { succeeded: number; failed: number } }) => ({
          succeeded: s.succeeded + x.attempts.succeeded,
          failed: s.failed + x.attempts.failed,
        }),
        { succeeded: 0, failed: 0 },
      );
      assert.deepEqual(summed, body.totals.attempts);
      assert.deepEqual(body.buckets.at(-1).attempts, { succeeded: 2, failed: 2 });
      assert.ok(Date.parse(body.to) > Date.now() - 1000 && Date.parse(body.from) === Date.parse(body.to) - 3_600_000);
      assert.ok(body.totals.maxLatencyMs >= body.totals.meanLatencyMs);
      // The failed deliveries wait an hour for their retry: two pending, the oldest a few seconds old.
      assert.equal(body.queue.pending, 2);
      assert.ok(body.queue.oldestPendingAgeSeconds >= 0 && body.queue.oldestPendingAgeSeconds < 120);
      const other = await stats(b.auth);
      assert.deepEqual(other.totals.attempts, { succeeded: 0, failed: 0 });
      assert.equal(other.queue.pending, 0);
      assert.equal(other.queue.oldestPendingAt, null);
    });

    test('the window holds only its attempts: older ones and other tenants are left out', async () => {
      // Attempts written straight into the table at chosen times, around a window of 10 minutes.
      const now = Date.now();
      const bucket = 60_000;
      const to = (Math.floor(now / bucket) + 1) * bucket;
      const from = to - 10 * bucket;
      const rows: Array<[string, number, string, number]> = [
        [a.id, from - 1, 'succeeded', 1], // just before the window
        [a.id, from, 'succeeded', 10], // first bucket
        [a.id, from + 5 * bucket + 1, 'failed', 30], // bucket 5
        [b.id, from + 5 * bucket, 'failed', 99], // another tenant
      ];
      for (const [tenant, startedAt, outcome, latency] of rows) {
        const values = [tenant, 'ep_x', 'dl_x', 'ev_x', 1, startedAt, outcome, latency];
        const sql = `INSERT INTO delivery_attempts (tenant_id, endpoint_id, delivery_id, event_id, attempt, started_at, outcome, latency_ms)`;
        if (t.runtime.store.kind === 'sqlite')
          (t.runtime.store as SqliteStore).db.prepare(`${sql} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(...values);
        else
          await (t.runtime.store as PostgresStore).pool.query(`${sql} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, values);
      }
      const body = await stats(a.auth, '?windowMinutes=10&bucketSeconds=60');
      assert.equal(body.from, new Date(from).toISOString());
      assert.equal(body.buckets.length, 10);
      assert.deepEqual(body.buckets[0].attempts, { succeeded: 1, failed: 0 });
      assert.equal(body.buckets[0].meanLatencyMs, 10);
      assert.deepEqual(body.buckets[5].attempts, { succeeded: 0, failed: 1 });
      assert.equal(body.buckets[5].maxLatencyMs, 30);
      // The 4 real attempts of the first test fall in the last bucket.
      assert.deepEqual(body.totals.attempts, { succeeded: 3, failed: 3 });
    });

    test('a bad window is 400 validation', async () => {
      for (const q of ['?windowMinutes=0', '?bucketSeconds=1', '?windowMinutes=abc', '?other=1']) {
        const res = await t.runtime.app.inject({ method: 'GET', url: `/v1/stats/deliveries${q}`, headers: a.auth });
        assert.equal(res.statusCode, 400, q);
        assert.equal(res.json().code, 'validation');
      }
    });
  });
}
