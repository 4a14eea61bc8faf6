import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { startReceiver } from '../delivery/receiver.js';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { attemptsOf, Cluster, freePort, post } from './multi-process-kit.js';

/**
 * Issue 18: an OAuth 2.0 token is shared across worker processes. Two real
 * `serve --role worker` children on one PostgreSQL database push to a
 * receiver that takes only the bearers a real token endpoint issued; the
 * token endpoint counts its requests. Each worker fetching its own token
 * would make two requests per window; sharing makes one.
 */

const KEK = 'a1'.repeat(32);

/** A client-credentials token endpoint on loopback that issues `tok-1`, `tok-2`, ... and counts the requests. */
async function startTokenServer() {
  const issued: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // a little latency, as a real authorization server has: workers starting together overlap
      setTimeout(() => {
        const token = `tok-${issued.length + 1}`;
        issued.push(token);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
      }, 100);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/token`, issued, close: () => new Promise((r) => server.close(r)) };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SUBJECTS = 60;

/** Opens SUBJECTS tickets in parallel (one event each). */
async function openTickets(base: string, headers: Record<string, string>, prefix: string): Promise<void> {
  const statuses = await Promise.all(
    Array.from({ length: SUBJECTS }, (_, s) =>
      post(base, headers, '/v1/subjects', { workflow: 'ticket', id: `${prefix}-${s}` }),
    ),
  );
  assert.ok(
    statuses.every((s) => s === 201),
    'every ticket acknowledged',
  );
}

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

describe('OAuth 2.0 token shared by worker processes (PostgreSQL)', { skip: pgdb.skip }, () => {
  test('two workers make one token request per token, also when the receiver refuses it; stored sealed', async (t) => {
    const tokens = await startTokenServer();
    const valid = new Set<string>();
    let accepted = 0;
    const receiver = await startReceiver((req, res) => {
      const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const ok = valid.has(bearer);
      if (ok) accepted++;
      setTimeout(() => res.writeHead(ok ? 204 : 401).end(), Math.random() * 5);
    });
    const cluster = new Cluster(String(pgdb.url), await freePort(), { TIDINGS_KEY_ENCRYPTION_KEY: KEK });
    const db = new pg.Client({ connectionString: String(pgdb.url) });
    await db.connect();
    try {
      await cluster.startApi();
      const headers = await cluster.tenantWithEndpoint(receiver.url, {
        ordering: 'none',
        auth: { type: 'oauth2', tokenUrl: tokens.url, clientId: 'client-1', clientSecret: 's3cret' },
      });
      const workers = [await cluster.startWorker(), await cluster.startWorker()];

      valid.add('tok-1');
      await openTickets(cluster.base, headers, 'first');
      await until(() => accepted >= SUBJECTS, 60_000, 'the first burst');
      assert.deepEqual(tokens.issued, ['tok-1'], 'one token request for both workers');

      // the receiver rolls its keys: tok-1 is refused; both workers meet the 401, one fetches tok-2
      valid.clear();
      valid.add('tok-2');
      await openTickets(cluster.base, headers, 'second');
      await until(() => accepted >= 2 * SUBJECTS, 60_000, 'the second burst');
      assert.deepEqual(tokens.issued, ['tok-1', 'tok-2'], 'one more token request after the 401, not one per worker');

      const { rows } = await db.query<{ access_token: string }>('SELECT access_token FROM endpoint_tokens');
      assert.equal(rows.length, 1);
      assert.match(rows[0]!.access_token, /^jwe:/, 'the shared token is sealed at rest (JWE, bound to its row)');
      assert.ok(!rows[0]!.access_token.includes('tok-'));

      for (const w of workers) await cluster.stop(w);
      const perWorker = workers.map((w) => attemptsOf(w).succeeded ?? 0);
      t.diagnostic(`pushes per worker: ${perWorker.join(' + ')}; token requests: ${tokens.issued.length}`);
      assert.equal(perWorker[0]! + perWorker[1]!, 2 * SUBJECTS, 'the workers account for every push');
      assert.ok(
        perWorker.every((n) => n > 0),
        `both workers pushed (${perWorker.join(' + ')})`,
      );
    } finally {
      await db.end();
      await cluster.destroy();
      await receiver.close();
      await tokens.close();
    }
  });
});
