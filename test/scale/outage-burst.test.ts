import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { startTestApp } from '../helpers/test-runtime.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

const CLIENTS = 24;
const PER_CLIENT = 25;
const TERMINATIONS = 4;
/** A request that takes this long counts as a hang. */
const HANG_MS = 15_000;

describe('a PostgreSQL outage mid-burst loses no acknowledged event', { skip: pgdb.skip }, () => {
  test('every 201 is in the log exactly once, sequences have no gap, failures are clean 5xx', async () => {
    const t = await startTestApp({ DATABASE_URL: pgdb.url! });
    const admin = new pg.Client({ connectionString: pgdb.url! });
    admin.on('error', () => {}); // its queries fail by themselves if it is cut off
    await admin.connect();
    try {
      const tenant = await t.tenant();
      const post = (url: string, payload: object) =>
        t.runtime.app.inject({ method: 'POST', url, headers: tenant.auth, payload });
      for (let c = 0; c < CLIENTS; c++) {
        assert.equal((await post('/v1/subjects', { workflow: 'videoid-request', id: `burst-${c}` })).statusCode, 201);
      }
      const acknowledged: Array<{ id: string; sequence: number }> = [];
      const failures: Array<{ status: number; code: unknown }> = [];
      let done = false;

      const client = async (c: number) => {
        for (let i = 0; i < PER_CLIENT; i++) {
          const res = await Promise.race([
            post(`/v1/subjects/burst-${c}/events`, { type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE', data: { i } }),
            sleep(HANG_MS).then(() => assert.fail(`request hung for ${HANG_MS} ms`)),
          ]);
          if (res.statusCode === 201) acknowledged.push({ id: res.json().id, sequence: res.json().sequence });
          else failures.push({ status: res.statusCode, code: res.json().code });
        }
      };
      const terminator = async () => {
        for (let k = 0; k < TERMINATIONS && !done; k++) {
          await sleep(60);
          await admin.query({
            text: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            values: [new URL(pgdb.url!).pathname.slice(1)],
          });
        }
      };
      await Promise.all([
        Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c))).finally(() => {
          done = true;
        }),
        terminator(),
      ]);

      for (const f of failures) {
        assert.ok(f.status >= 500, `a failed request got ${f.status}`);
        assert.equal(typeof f.code, 'string', 'with an error body');
      }
      assert.ok(acknowledged.length > 0, 'some transitions got through');
      const log = await t.runtime.store.listEvents(tenant.id, { limit: 100_000 });
      const byId = new Map<string, number[]>();
      for (const e of log) byId.set(e.id, [...(byId.get(e.id) ?? []), e.sequence]);
      for (const a of acknowledged) assert.deepEqual(byId.get(a.id), [a.sequence], `event ${a.id} once, as answered`);
      assert.deepEqual(
        log.map((e) => e.sequence),
        log.map((_, i) => i + 1),
        'no sequence gap',
      );
      console.log(
        `  outage burst: ${acknowledged.length} acknowledged, ${failures.length} failed (${[...new Set(failures.map((f) => `${f.status} ${f.code}`))].join(', ')}), ${log.length - CLIENTS} transitions in the log`,
      );
    } finally {
      await admin.end();
      await t.close();
    }
  });
});
