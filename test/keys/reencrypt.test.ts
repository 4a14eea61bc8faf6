import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { keys } from '../../src/cli/commands.js';
import { loadConfig } from '../../src/config/config.js';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { ADMIN_TOKEN, dropBackends, startTestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * Issue 14, item 9: stored secrets are sealed as row-bound JWE under a list of
 * keys; `tidings keys reencrypt` moves every one of them to the newest key,
 * after which the older key can leave the list.
 */
const A = randomBytes(32).toString('hex');
const B = randomBytes(32).toString('hex');

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`tidings keys reencrypt (${backend.name})`, { skip: backend.skip }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tidings-reencrypt-'));
    after(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = (keysEnv: Record<string, string>) => ({
      TIDINGS_DATA_DIR: dataDir,
      TIDINGS_ADMIN_TOKEN: ADMIN_TOKEN,
      ...backend.env,
      ...keysEnv,
    });

    /** Every stored sealed value: endpoint secrets and tokens, signing and destination keys' private halves. */
    async function storedValues(): Promise<string[]> {
      const sql = `SELECT secret AS v FROM endpoints UNION ALL SELECT private_key AS v FROM signing_keys
        UNION ALL SELECT private_key AS v FROM destination_keys UNION ALL SELECT access_token AS v FROM endpoint_tokens`;
      if (backend.name === 'sqlite') {
        const app = await startTestApp(env({}), {}, dataDir);
        try {
          return ((app.runtime.store as SqliteStore).db.prepare(sql).all() as Array<{ v: string }>).map((r) => r.v);
        } finally {
          await app.runtime.close();
        }
      }
      const client = new pg.Client({ connectionString: backend.env.DATABASE_URL });
      await client.connect();
      try {
        return (await client.query<{ v: string }>(sql)).rows.map((r) => r.v);
      } finally {
        await client.end();
      }
    }
    const kidsOf = (values: string[]) =>
      values.map((v) => (v.startsWith('jwe:') ? decodeProtectedHeader(v.slice(4)).kid : v.slice(0, 10)));

    test('secrets sealed under the old single key move to the newest key; a second run changes nothing', async () => {
      // Written under the single TIDINGS_KEY_ENCRYPTION_KEY (the key `default`).
      const first = await startTestApp(env({ TIDINGS_KEY_ENCRYPTION_KEY: A }), {}, dataDir);
      const { auth, id: tenantId } = await first.tenant();
      const created = await first.runtime.app.inject({
        method: 'POST',
        url: '/v1/endpoints',
        headers: auth,
        payload: { url: 'https://receiver.example/hook' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { id: endpointId, secret } = created.json() as { id: string; secret: string };
      await first.runtime.pull.keys.ensureKeys();
      // A FIT-Connect destination's key and an OAuth 2.0 token workers share: sealed too, and re-encrypted.
      const destinationKey = await first.runtime.pull.destinationKeys.signingKey(tenantId, 'dest-1');
      await first.runtime.push.deliveries.saveToken({
        endpointId,
        version: 1,
        accessToken: 'access-token-1',
        expiresAt: Date.now() + 3_600_000,
      });
      await first.runtime.close();
      const before = await storedValues();
      assert.equal(before.length, 5);
      assert.deepEqual(kidsOf(before), ['default', 'default', 'default', 'default', 'default']);

      const rotated = loadConfig(env({ TIDINGS_KEY_ENCRYPTION_KEYS: `b:${B},default:${A}` }));
      const run = await keys(rotated, ['reencrypt', '--json']);
      assert.equal(run.code, 0, run.out);
      assert.deepEqual(JSON.parse(run.out), {
        keyId: 'b',
        signingKeys: { reencrypted: 2, unchanged: 0 },
        destinationKeys: { reencrypted: 1, unchanged: 0 },
        endpointSecrets: { reencrypted: 1, unchanged: 0 },
        endpointTokens: { reencrypted: 1, unchanged: 0 },
      });
      assert.deepEqual(kidsOf(await storedValues()), ['b', 'b', 'b', 'b', 'b']);
      const again = await keys(rotated, ['reencrypt', '--json']);
      assert.deepEqual(JSON.parse(again.out), {
        keyId: 'b',
        signingKeys: { reencrypted: 0, unchanged: 2 },
        destinationKeys: { reencrypted: 0, unchanged: 1 },
        endpointSecrets: { reencrypted: 0, unchanged: 1 },
        endpointTokens: { reencrypted: 0, unchanged: 1 },
      });

      // The old key can go: everything opens with the newest alone.
      const last = await startTestApp(env({ TIDINGS_KEY_ENCRYPTION_KEYS: `b:${B}` }), {}, dataDir);
      try {
        const revealed = await last.runtime.app.inject({
          method: 'POST',
          url: `/v1/endpoints/${endpointId}/reveal-secret`,
          headers: auth,
        });
        assert.equal(revealed.statusCode, 200, revealed.body);
        assert.equal((revealed.json() as { secret: string }).secret, secret);
        const token = await last.runtime.push.deliveries.readToken(endpointId);
        assert.equal(token?.accessToken, 'access-token-1', 'the shared token opens with the newest key alone');
        const jwks = await last.runtime.pull.destinationKeys.jwks(tenantId, 'dest-1');
        assert.equal(jwks.keys[0]?.kid, destinationKey.kid);
        await last.runtime.pull.destinationKeys.privateKey(tenantId, destinationKey.kid);
        await last.runtime.app.inject({
          method: 'POST',
          url: '/v1/subjects',
          headers: auth,
          payload: { workflow: 'fit-case', id: 'c-1' },
        });
        const log = await last.runtime.app.inject({ method: 'GET', url: '/v1/cases/c-1/events', headers: auth });
        assert.equal(log.statusCode, 200, log.body);
        assert.equal((log.json() as { eventLog: string[] }).eventLog.length, 1, 'a SET signed with a re-encrypted key');
      } finally {
        await last.runtime.close();
      }
    });

    test('without a key to re-encrypt under, the command says what to set and exits 1', async () => {
      const run = await keys(loadConfig(env({})), ['reencrypt']);
      assert.equal(run.code, 1);
      assert.match(run.out, /TIDINGS_KEY_ENCRYPTION_KEYS/);
    });
  });
}
