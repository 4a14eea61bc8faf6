import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { registry } from './delivery-kit.js';

/**
 * The OAuth 2.0 tokens workers share (`TokenStore`, part of the delivery
 * store), called directly on both backends: one claim at a time, a lapsed
 * claim taken over, a released one free again, the token sealed at rest and
 * deleted with its endpoint.
 */
const backends = await testBackends();
after(() => dropBackends(backends));

const KEK = 'b2'.repeat(32);
const NOW = Date.parse('2030-01-01T00:00:00Z');

for (const backend of backends) {
  describe(`shared OAuth 2.0 tokens (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let auth: { authorization: string };
    let endpointId = '';
    const store = () => app.runtime.push.deliveries;

    /** The token column as stored, bypassing the sealing wrapper. */
    async function rawToken(): Promise<string | undefined> {
      const sql = 'SELECT access_token FROM endpoint_tokens';
      if (backend.name === 'sqlite') {
        const db = new Database(join(app.dataDir, 'tidings.sqlite'), { readonly: true });
        try {
          return (db.prepare(sql).get() as { access_token: string } | undefined)?.access_token;
        } finally {
          db.close();
        }
      }
      const client = new pg.Client({ connectionString: backend.env.DATABASE_URL });
      await client.connect();
      try {
        return (await client.query<{ access_token: string }>(sql)).rows[0]?.access_token;
      } finally {
        await client.end();
      }
    }

    before(async () => {
      app = await startTestApp({ ...backend.env, TIDINGS_KEY_ENCRYPTION_KEY: KEK }, { registry });
      ({ auth } = await app.tenant());
      const res = await app.runtime.app.inject({
        method: 'POST',
        url: '/v1/endpoints',
        headers: auth,
        payload: {
          url: 'http://127.0.0.1:9/hook',
          auth: { type: 'oauth2', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's' },
        },
      });
      assert.equal(res.statusCode, 201, res.body);
      endpointId = (res.json() as { id: string }).id;
    });
    after(() => app.close());

    test('one claim at a time; a lapsed claim is taken over; a released one is free at once', async () => {
      assert.equal(await store().readToken(endpointId), null);
      assert.equal(await store().claimTokenFetch(endpointId, NOW, NOW + 1_000), true, 'the first claim');
      assert.equal(await store().claimTokenFetch(endpointId, NOW + 1, NOW + 1_001), false, 'held by the first');
      assert.equal(await store().claimTokenFetch(endpointId, NOW + 1_000, NOW + 2_000), true, 'the first lapsed');
      await store().releaseTokenFetch(endpointId);
      assert.equal(await store().claimTokenFetch(endpointId, NOW + 1_001, NOW + 3_000), true, 'released: free');
      assert.equal(await store().readToken(endpointId), null, 'a claim is no token');
    });

    test('a saved token ends the claim, reads back in clear, is sealed at rest and goes with its endpoint', async () => {
      await store().saveToken({ endpointId, version: 7, accessToken: 'tok-secret-1', expiresAt: NOW + 3_600_000 });
      assert.deepEqual(await store().readToken(endpointId), {
        endpointId,
        version: 7,
        accessToken: 'tok-secret-1',
        expiresAt: NOW + 3_600_000,
      });
      const raw = String(await rawToken());
      // Sealed as JWE bound to its row, like the endpoint's secrets (`src/keys/secret-sealer.ts`).
      assert.match(raw, /^jwe:/);
      assert.equal(decodeProtectedHeader(raw.slice(4)).row, `endpoint_tokens/${endpointId}/access_token`);
      assert.ok(!raw.includes('tok-secret-1'));
      assert.equal(await store().claimTokenFetch(endpointId, NOW + 2, NOW + 1_000), true, 'saving ended the claim');
      await store().saveToken({ endpointId, version: 8, accessToken: 'tok-secret-2', expiresAt: NOW + 60_000 });
      assert.equal((await store().readToken(endpointId))?.accessToken, 'tok-secret-2', 'replaced');

      const del = await app.runtime.app.inject({ method: 'DELETE', url: `/v1/endpoints/${endpointId}`, headers: auth });
      assert.ok(del.statusCode < 300, del.body);
      assert.equal(await store().readToken(endpointId), null);
      assert.equal(await rawToken(), undefined, 'no row left behind');
    });
  });
}
