/**
 * A FIT-Connect destination's signing key can be replaced
 * (`POST /v1/destinations/{id}/keys/rotate`): the SETs it issues next are
 * signed with the new key, the SETs it issued before keep verifying against
 * the old one (still served by kid), and every process signs with the new key
 * once its short cache has passed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keysByIssuer, verifySetLog } from '@tidings/sdk';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { openPullStorage } from '../../src/feeds/open-pull-storage.js';
import { DestinationKeys } from '../../src/keys/destination-keys.js';
import { dropBackends, startTestApp, type TestApp, type TestBackend, testBackends } from '../helpers/test-runtime.js';
import { client, TAGS } from './pull-kit.js';

const DESTINATION = '40847c29-06aa-40e2-bf28-c29884c694c4';
const ACCEPT = 'https://schema.fitko.de/fit-connect/events/accept-submission';

const backends: TestBackend[] = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`destination key rotation (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let api: ReturnType<typeof client>;
    let tenant: { id: string; apiKey: string; auth: { authorization: string } };
    const ok = (res: { statusCode: number; body: string }, status = 201) =>
      assert.equal(res.statusCode, status, res.body);
    const log = async (id: string) => (await api.get(`/v1/submissions/${id}/events`)).json().eventLog as string[];
    const kidOf = (jws: string | undefined) => decodeProtectedHeader(jws as string).kid;

    async function accepted(n: number): Promise<string> {
      ok(await api.post('/v1/subjects', { workflow: 'fit-case', id: `case-${n}` }));
      const attributes = { destinationId: DESTINATION };
      ok(
        await api.post('/v1/subjects', {
          workflow: 'fit-submission',
          id: `sub-${n}`,
          parentId: `case-${n}`,
          attributes,
        }),
      );
      ok(await api.post(`/v1/subjects/sub-${n}/events`, { type: 'submit-submission', data: TAGS }));
      ok(await api.post(`/v1/subjects/sub-${n}/events`, { type: ACCEPT, data: TAGS }));
      return (await log(`sub-${n}`))[2] as string;
    }

    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_ISSUER: 'https://zustelldienst.example' });
      await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
      tenant = await t.tenant();
      api = client(t, tenant.auth);
    });
    after(() => t.close());

    test('the next SET is signed with the new key; the old SET still verifies; both keys are served', async () => {
      const first = await accepted(1);
      const oldKid = kidOf(first);
      const rotated = await api.post(`/v1/destinations/${DESTINATION.toUpperCase()}/keys/rotate`);
      ok(rotated, 200);
      const body = rotated.json();
      assert.equal(body.previousKid, oldKid);
      assert.notEqual(body.kid, oldKid);
      assert.ok(!Number.isNaN(Date.parse(body.rotatedAt)));

      const second = await accepted(2);
      assert.equal(kidOf(second), body.kid, 'signed with the new key at once');
      assert.equal(decodeJwt(second).iss, DESTINATION);
      assert.equal(kidOf((await log('sub-1'))[2]), oldKid, 'a SET already issued is what it was');

      const jwks = (await api.get(`/v1/destinations/${DESTINATION}/keys`)).json() as { keys: Array<{ kid: string }> };
      assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [oldKid, body.kid].sort());
      ok(await api.get(`/v1/destinations/${DESTINATION}/keys/${oldKid}`), 200);

      const origin = `http://127.0.0.1:${(t.runtime.app.server.address() as { port: number }).port}`;
      const keys = keysByIssuer({ baseUrl: origin, headers: tenant.auth });
      for (const id of ['sub-1', 'sub-2']) {
        const sets = await verifySetLog(await log(id), keys);
        assert.equal(sets[2]?.claims.iss, DESTINATION, id);
      }
    });

    test('a destination that never issued a SET gets its first key; another tenant is untouched', async () => {
      const fresh = '0b799ddd-6b8c-4a6c-9c9b-2c4a6b2b6a63';
      const first = await api.post(`/v1/destinations/${fresh}/keys/rotate`);
      ok(first, 200);
      assert.equal(first.json().previousKid, null);
      const other = client(t, (await t.tenant('Other')).auth);
      assert.equal((await other.get(`/v1/destinations/${fresh}/keys`)).statusCode, 404, "not the other tenant's key");
    });

    test('rotating needs the manage scope; a bad id is 400; no key is 401', async () => {
      const made = await api.post('/v1/api-keys', { name: 'reader', scopes: ['read', 'write'] });
      ok(made);
      const limited = client(t, { authorization: `Bearer ${made.json().apiKey}` });
      const before = (await api.get(`/v1/destinations/${DESTINATION}/keys`)).json().keys.length;
      const refused = await limited.post(`/v1/destinations/${DESTINATION}/keys/rotate`);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().code, 'forbidden');
      const bad = await api.post('/v1/destinations/not-a-uuid/keys/rotate');
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json().code, 'validation');
      const anonymous = await t.runtime.app.inject({
        method: 'POST',
        url: `/v1/destinations/${DESTINATION}/keys/rotate`,
      });
      assert.equal(anonymous.statusCode, 401);
      assert.equal((await api.get(`/v1/destinations/${DESTINATION}/keys`)).json().keys.length, before, 'nothing made');
    });

    test('concurrent rotations leave one active key, and every key they report is served', async () => {
      const results = await Promise.all([1, 2, 3].map(() => api.post(`/v1/destinations/${DESTINATION}/keys/rotate`)));
      for (const r of results) ok(r, 200);
      const served = (await api.get(`/v1/destinations/${DESTINATION}/keys`))
        .json()
        .keys.map((k: { kid: string }) => k.kid);
      for (const r of results) assert.ok(served.includes(r.json().kid), 'a reported key is stored');
      const storage = openPullStorage(t.runtime.store).destinationKeys;
      const active = (await storage.listKeys(tenant.id, DESTINATION)).filter((k) => k.rotatedAt === null);
      assert.equal(active.length, 1);
    });

    test('another process signs with the new key once its cache has passed', async () => {
      const storage = openPullStorage(t.runtime.store).destinationKeys;
      let now = Date.now();
      const clock = () => new Date(now);
      const signer = new DestinationKeys({ storage, clock, cacheMs: 5_000 });
      const operator = new DestinationKeys({ storage, clock });
      const before = await signer.signingKey(tenant.id, DESTINATION);
      const rotation = await operator.rotate(tenant.id, DESTINATION);
      assert.equal(rotation.previousKid, before.kid);
      assert.equal((await signer.signingKey(tenant.id, DESTINATION)).kid, before.kid, 'within the cache time');
      now += 5_000;
      assert.equal((await signer.signingKey(tenant.id, DESTINATION)).kid, rotation.kid, 'after it');
    });
  });
}
