import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { startReceiver } from '../delivery/receiver.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { Cluster, freePort, post } from '../scale/multi-process-kit.js';

/**
 * kill -9 of a worker process on PostgreSQL in the middle of a burst: one
 * `serve --role api` and two `serve --role worker` processes, endpoints
 * ordered per subject. After the kill every acknowledged (201) event reaches
 * the receiver at least once, and per subject the pushes never go backwards:
 * a redelivery only repeats the event the victim had in flight, it never
 * comes after a later event of the same subject.
 */
const SUBJECTS = 40;
const NOTES = 9;
const EVENTS = SUBJECTS * (NOTES + 1);

interface Pushed {
  id: string;
  subject: string;
  n: number;
}

const parse = (received: Array<{ headers: Record<string, unknown>; body: string }>): Pushed[] =>
  received.map((r) => {
    const body = JSON.parse(r.body) as { subject: string; data: { data?: { n?: number } } };
    return { id: String(r.headers['webhook-id']), subject: body.subject, n: body.data.data?.n ?? 0 };
  });

/** Opens SUBJECTS tickets in parallel and notes each NOTES times in order; returns the acknowledged events. */
async function burst(base: string, headers: Record<string, string>): Promise<Set<string>> {
  const acknowledged = new Set<string>();
  await Promise.all(
    Array.from({ length: SUBJECTS }, async (_, s) => {
      const id = `k-${s}`;
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

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

describe('kill -9 of a worker process during a burst (PostgreSQL, api + 2 workers)', { skip: pgdb.skip }, () => {
  test('every acknowledged event arrives at least once and per-subject order holds', async (t) => {
    const cluster = new Cluster(String(pgdb.url), await freePort());
    const receiver = await startReceiver((_req, res) =>
      setTimeout(() => res.writeHead(200).end(), 2 + Math.random() * 8),
    );
    const db = new pg.Client({ connectionString: String(pgdb.url) });
    await db.connect();
    try {
      await cluster.startApi();
      const headers = await cluster.tenantWithEndpoint(receiver.url, { ordering: 'subject' });
      const [victim, survivor] = [await cluster.startWorker(), await cluster.startWorker()];

      const sent = burst(cluster.base, headers);
      const deadline = Date.now() + 60_000;
      while (receiver.received.length < EVENTS / 4) {
        if (Date.now() > deadline) throw new Error(`only ${receiver.received.length} pushes before the kill`);
        await new Promise((r) => setTimeout(r, 20));
      }
      victim.process.kill('SIGKILL');
      await victim.exited;
      const pushedBeforeKill = receiver.received.length;
      const acknowledged = await sent;
      assert.equal(acknowledged.size, EVENTS, 'the api process was not touched: every transition acknowledged');
      assert.ok(survivor.process.exitCode === null, 'the survivor runs on');

      // The victim's leases expire after totalTimeoutMs + leaseMarginMs (45 s,
      // not settable from the environment). Once the survivor has pushed all
      // it can, the leases left are the victim's: expire them now, as time would.
      let last = -1;
      let idle = 0;
      let expired = 0;
      const allArrived = () => {
        const got = new Set(parse(receiver.received).map((p) => `${p.subject}#${p.n}`));
        return [...acknowledged].every((a) => got.has(a));
      };
      // Drained, not only arrived: a push the receiver has got is recorded by its worker a few ms later,
      // and one the victim had in flight stays pending until its lease expires (the early expiry below).
      const pending = async () =>
        Number((await db.query("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")).rows[0].n);
      const waitUntil = Date.now() + 90_000;
      while (!allArrived() || (await pending()) > 0) {
        if (Date.now() > waitUntil) break;
        idle = receiver.received.length === last ? idle + 1 : 0;
        last = receiver.received.length;
        if (idle >= 20) {
          const result = await db.query({
            text: `UPDATE deliveries SET lease_until = $1 WHERE status = 'pending' AND lease_until > $1`,
            values: [Date.now()],
          });
          expired += result.rowCount ?? 0;
          await db.query('NOTIFY tidings_outbox');
          idle = 0;
        }
        await new Promise((r) => setTimeout(r, 50));
      }

      const pushed = parse(receiver.received);
      const got = new Set(pushed.map((p) => `${p.subject}#${p.n}`));
      const missing = [...acknowledged].filter((a) => !got.has(a));
      t.diagnostic(
        `${acknowledged.size}/${EVENTS} acknowledged, ${pushedBeforeKill} pushed before kill -9, ` +
          `${expired} of the victim's leases expired early, ${pushed.length} pushes for ${got.size} events`,
      );
      assert.deepEqual(missing, [], 'every acknowledged event arrived at least once');
      for (let s = 0; s < SUBJECTS; s++) {
        const ns = pushed.filter((p) => p.subject === `k-${s}`).map((p) => p.n);
        for (let i = 1; i < ns.length; i++) {
          assert.ok(ns[i]! >= ns[i - 1]!, `k-${s} went backwards: ${ns.join(',')}`);
        }
        assert.deepEqual(
          [...new Set(ns)],
          Array.from({ length: NOTES + 1 }, (_, n) => n),
          `k-${s} complete`,
        );
      }
      const { rows } = await db.query<{ status: string; count: string }>(
        'SELECT status, count(*)::text AS count FROM deliveries GROUP BY status',
      );
      assert.deepEqual(rows, [{ status: 'succeeded', count: String(EVENTS) }], 'every delivery recorded succeeded');
      await cluster.stop(survivor);
    } finally {
      await db.end();
      await cluster.destroy();
      await receiver.close();
    }
  });
});
