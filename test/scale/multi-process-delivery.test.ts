import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { startReceiver } from '../delivery/receiver.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { attemptsOf, Cluster, freePort, post } from './multi-process-kit.js';

/**
 * The scale-out promise with real processes: one `serve --role api`
 * and two `serve --role worker` children (`dist/src/cli/main.js`) on one fresh
 * PostgreSQL database, pushing to a loopback receiver. Workers wake on
 * LISTEN/NOTIFY (`src/storage/postgres/outbox-notifier.ts`). Throughput with
 * 1 vs 2 workers is measured by `multi-process-measure.ts`, not asserted here
 * (timings on a shared 2-core machine are too noisy for an assertion).
 */

const SUBJECTS = 40;
const NOTES = 5;
const EVENTS = SUBJECTS * (NOTES + 1);

interface Pushed {
  id: string;
  subject: string;
  n: number;
}

function parse(received: Array<{ headers: Record<string, unknown>; body: string }>): Pushed[] {
  return received.map((r) => {
    const body = JSON.parse(r.body) as { subject: string; data: { data?: { n?: number } } };
    return { id: String(r.headers['webhook-id']), subject: body.subject, n: body.data.data?.n ?? 0 };
  });
}

/** Opens SUBJECTS tickets in parallel and notes each NOTES times in order; returns the acknowledged (201) events. */
async function burst(base: string, headers: Record<string, string>, prefix: string): Promise<Set<string>> {
  const acknowledged = new Set<string>();
  await Promise.all(
    Array.from({ length: SUBJECTS }, async (_, s) => {
      const id = `${prefix}-${s}`;
      if ((await post(base, headers, '/v1/subjects', { workflow: 'ticket', id })) !== 201) return;
      acknowledged.add(`${id}#0`);
      for (let n = 1; n <= NOTES; n++) {
        const status = await post(base, headers, `/v1/subjects/${id}/events`, { type: 'ticket-noted', data: { n } });
        if (status !== 201) return;
        acknowledged.add(`${id}#${n}`);
      }
    }),
  );
  return acknowledged;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const happyDb = await postgresTestDatabase();
const killDb = await postgresTestDatabase();
after(() => Promise.all([happyDb.drop(), killDb.drop()]));

describe('multi-process delivery: one api and two worker processes on one database', { skip: happyDb.skip }, () => {
  test('every event is pushed exactly once, in per-subject order, and both workers push', async (t) => {
    const cluster = new Cluster(String(happyDb.url), await freePort());
    const receiver = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end(), Math.random() * 5));
    try {
      await cluster.startApi();
      const headers = await cluster.tenantWithEndpoint(receiver.url, { ordering: 'subject' });
      const workers = [await cluster.startWorker(), await cluster.startWorker()];

      const acknowledged = await burst(cluster.base, headers, 'mp');
      assert.equal(acknowledged.size, EVENTS, 'every transition acknowledged');
      await receiver.waitFor(EVENTS, 30_000);
      await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
      for (const w of workers) await cluster.stop(w);

      const pushed = parse(receiver.received);
      assert.equal(pushed.length, EVENTS, 'no duplicate pushes');
      assert.equal(new Set(pushed.map((p) => p.id)).size, EVENTS, 'one push per webhook-id');
      assert.deepEqual(new Set(pushed.map((p) => `${p.subject}#${p.n}`)), acknowledged);
      for (let s = 0; s < SUBJECTS; s++) {
        const ns = pushed.filter((p) => p.subject === `mp-${s}`).map((p) => p.n);
        assert.deepEqual(ns, [0, 1, 2, 3, 4, 5], `mp-${s} in order`);
      }
      const perWorker = workers.map((w) => attemptsOf(w).succeeded ?? 0);
      t.diagnostic(`pushes per worker: ${perWorker.join(' + ')}`);
      assert.equal(perWorker[0]! + perWorker[1]!, EVENTS, 'the workers account for every push');
      assert.ok(
        perWorker.every((n) => n > 0),
        `both workers pushed (${perWorker.join(' + ')})`,
      );
    } finally {
      await cluster.destroy();
      await receiver.close();
    }
  });

  test('kill -9 of one worker mid-burst: every acknowledged event still arrives at least once', async (t) => {
    const cluster = new Cluster(String(killDb.url), await freePort());
    const receiver = await startReceiver((_req, res) =>
      setTimeout(() => res.writeHead(200).end(), 2 + Math.random() * 8),
    );
    const db = new pg.Client({ connectionString: String(killDb.url) });
    await db.connect();
    try {
      await cluster.startApi();
      const headers = await cluster.tenantWithEndpoint(receiver.url, { ordering: 'subject' });
      const [victim, survivor] = [await cluster.startWorker(), await cluster.startWorker()];

      const sent = burst(cluster.base, headers, 'kill');
      await until(() => receiver.received.length >= EVENTS / 4, 30_000, 'pushes to flow');
      victim.process.kill('SIGKILL');
      await victim.exited;
      const pushedBeforeKill = receiver.received.length;
      const acknowledged = await sent;

      // The victim's leases would expire after totalTimeoutMs + leaseMarginMs
      // (45 s, not settable from the environment). Once the survivor has
      // nothing else to do, expire them now, as time would: they are the only
      // leases left, so this stands in for the wait without changing what is tested.
      let last = -1;
      let still = 0;
      let expired = 0;
      await until(
        async () => {
          const got = new Set(parse(receiver.received).map((p) => `${p.subject}#${p.n}`));
          if ([...acknowledged].every((a) => got.has(a))) return true;
          still = receiver.received.length === last ? still + 1 : 0;
          last = receiver.received.length;
          if (still >= 20) {
            const result = await db.query({
              text: `UPDATE deliveries SET lease_until = $1 WHERE status = 'pending' AND lease_until > $1`,
              values: [Date.now()],
            });
            expired += result.rowCount ?? 0;
            await db.query('NOTIFY tidings_outbox');
            still = 0;
          }
          return false;
        },
        40_000,
        'every acknowledged event',
      );
      const pushed = parse(receiver.received);
      t.diagnostic(
        `${acknowledged.size}/${EVENTS} acknowledged, ${pushedBeforeKill} pushed before kill -9, ` +
          `${expired} of the victim's leases expired early, ` +
          `${pushed.length} pushes for ${new Set(pushed.map((p) => p.id)).size} events`,
      );
      assert.equal(acknowledged.size, EVENTS, 'the api process was not touched: every transition acknowledged');
      await cluster.stop(survivor);
    } finally {
      await db.end();
      await cluster.destroy();
      await receiver.close();
    }
  });
});
