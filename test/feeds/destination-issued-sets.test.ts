/**
 * Seed 002: "iss (Issuer): Er wurde vom Empfänger des Zustellpunktes
 * (Destination) 40847c29-06aa-40e2-bf28-c29884c694c4 ausgestellt." Events the
 * receiving system records are issued by its destination: `iss` is the
 * destination id and the SET is signed with the destination's own key,
 * published at /v1/destinations/{id}/keys/{kid} (seed-formats.md, "Pick the key
 * by issuer"). TIDINGS_ISSUER stays the issuer of the delivery service's events.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { keysByIssuer, TidingsSdkError, verifySetLog } from '@tidings/sdk';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import {
  dropBackends,
  fakeClock,
  startTestApp,
  type TestApp,
  type TestBackend,
  testBackends,
} from '../helpers/test-runtime.js';
import { client, servedJwks, TAGS } from './pull-kit.js';

const DESTINATION = '40847c29-06aa-40e2-bf28-c29884c694c4';
const DAY = 86_400_000;
const ACCEPT = 'https://schema.fitko.de/fit-connect/events/accept-submission';

const backends: TestBackend[] = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`destination-issued SETs (${backend.name})`, { skip: backend.skip }, () => {
    const clock = fakeClock('2026-03-01T08:00:00.000Z');
    let t: TestApp;
    let api: ReturnType<typeof client>;
    let tenant: { id: string; apiKey: string; auth: { authorization: string } };
    let url: string;
    const ok = (res: { statusCode: number; body: string }) => assert.equal(res.statusCode, 201, res.body);
    const log = async (id: string) => (await api.get(`/v1/submissions/${id}/events`)).json().eventLog as string[];

    async function submitted(caseId: string, id: string, attributes: Record<string, unknown>) {
      ok(await api.post('/v1/subjects', { workflow: 'fit-case', id: caseId }));
      ok(await api.post('/v1/subjects', { workflow: 'fit-submission', id, parentId: caseId, attributes }));
      ok(await api.post(`/v1/subjects/${id}/events`, { type: 'submit-submission', data: TAGS }));
    }

    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_ISSUER: 'https://zustelldienst.example' }, { clock: clock.now });
      tenant = await t.tenant();
      api = client(t, tenant.auth);
      await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(t.runtime.app.server.address() as AddressInfo).port}`;
      await submitted('case-a', 'sub-a', { destinationId: DESTINATION.toUpperCase() });
      ok(await api.post('/v1/subjects/sub-a/events', { type: ACCEPT, data: TAGS }));
    });
    after(() => t.close());

    test("accept-submission: iss is the destination id, signed with the destination's key, not the JWKS's", async () => {
      const [created, submit, accept] = await log('sub-a');
      for (const jws of [created, submit]) assert.equal(decodeJwt(jws as string).iss, 'https://zustelldienst.example');
      const claims = decodeJwt(accept as string);
      assert.equal(claims.iss, DESTINATION, 'the destination id, lower case whatever the attribute spelled');
      const { kid, alg } = decodeProtectedHeader(accept as string);
      assert.equal(alg, 'PS512');
      const jwks = await servedJwks(t);
      assert.ok(!jwks.keys.some((k) => k.kid === kid), "a destination's key is not the delivery service's");

      const res = await api.get(`/v1/destinations/${DESTINATION}/keys/${kid}`);
      assert.equal(res.statusCode, 200, res.body);
      const jwk = res.json() as JWK;
      assert.deepEqual([jwk.kty, jwk.alg, jwk.kid, jwk.use, jwk.key_ops], ['RSA', 'PS512', kid, 'sig', ['verify']]);
      assert.equal(Buffer.from(String(jwk.n), 'base64url').length * 8, 4096);
      assert.equal(jwk.d, undefined, 'no private member is served');
      await compactVerify(accept as string, await importJWK(jwk, 'PS512'));
      const list = await api.get(`/v1/destinations/${DESTINATION.toUpperCase()}/keys`);
      assert.deepEqual(list.json(), { keys: [jwk] });
    });

    test('the SDK picks the key by issuer: the whole log verifies, each SET against its own issuer', async () => {
      const keys = keysByIssuer({ baseUrl: url, headers: tenant.auth });
      const sets = await verifySetLog(await log('sub-a'), keys);
      assert.deepEqual(
        sets.map((s) => s.claims.iss),
        ['https://zustelldienst.example', 'https://zustelldienst.example', DESTINATION],
      );
      assert.equal(sets[2]?.eventUri, ACCEPT);
      // Without the tenant's key the destination's key is not readable: the SET cannot be verified.
      const anonymous = keysByIssuer({ baseUrl: url });
      await assert.rejects(verifySetLog(await log('sub-a'), anonymous), TidingsSdkError);
    });

    test('a SET claiming a destination but signed by another key fails verification', async () => {
      await submitted('case-b', 'sub-b', { destinationId: '0b799ddd-6b8c-4a6c-9c9b-2c4a6b2b6a63' });
      ok(await api.post('/v1/subjects/sub-b/events', { type: 'reject-submission', data: {} }));
      const [, , rejectB] = await log('sub-b');
      assert.equal(decodeJwt(rejectB as string).iss, '0b799ddd-6b8c-4a6c-9c9b-2c4a6b2b6a63');
      const [, , acceptA] = await log('sub-a');
      // sub-a's SET with sub-b's destination key id: the kid is not one of DESTINATION's keys.
      const [h, p, s] = (acceptA as string).split('.');
      const header = { ...decodeProtectedHeader(acceptA as string), kid: decodeProtectedHeader(rejectB as string).kid };
      const forged = [Buffer.from(JSON.stringify(header)).toString('base64url'), p, s].join('.');
      assert.notEqual(forged.split('.')[0], h);
      await assert.rejects(
        verifySetLog([forged], keysByIssuer({ baseUrl: url, headers: tenant.auth })),
        (e: TidingsSdkError) => e.code === 'set_signature_invalid',
      );
    });

    test('the 14-day auto-reject is the delivery service own event: issued by TIDINGS_ISSUER', async () => {
      await submitted('case-c', 'sub-c', { destinationId: DESTINATION });
      clock.advance(14 * DAY);
      assert.equal(await t.runtime.timers.runOnce(), 1);
      const [, , reject] = await log('sub-c');
      const claims = decodeJwt(reject as string);
      assert.equal(
        Object.keys(claims.events as object)[0],
        'https://schema.fitko.de/fit-connect/events/reject-submission',
      );
      assert.equal(claims.iss, 'https://zustelldienst.example');
    });

    test('a submission naming no destination: its accept is issued by the service', async () => {
      await submitted('case-d', 'sub-d', {});
      ok(await api.post('/v1/subjects/sub-d/events', { type: 'accept-submission', data: TAGS }));
      const [, , accept] = await log('sub-d');
      assert.equal(decodeJwt(accept as string).iss, 'https://zustelldienst.example');
    });

    test('destination keys are the tenant’s own; bad ids are 400, unknown ones 404', async () => {
      const other = await t.tenant('Other Trust Services');
      const { kid } = decodeProtectedHeader((await log('sub-a'))[2] as string);
      const theirs = client(t, other.auth);
      assert.equal((await theirs.get(`/v1/destinations/${DESTINATION}/keys/${kid}`)).statusCode, 404);
      assert.equal((await theirs.get(`/v1/destinations/${DESTINATION}/keys`)).statusCode, 404);
      const bad = await api.get('/v1/destinations/not-a-uuid/keys');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'validation');
      assert.equal((await api.get(`/v1/destinations/${DESTINATION}/keys/nope`)).statusCode, 404);
      assert.equal((await t.runtime.app.inject({ url: `/v1/destinations/${DESTINATION}/keys` })).statusCode, 401);
    });

    test('destinationId is a UUID and cannot change', async () => {
      const bad = await api.post('/v1/subjects', {
        workflow: 'fit-submission',
        parentId: 'case-a',
        attributes: { destinationId: 'somewhere' },
      });
      assert.equal(bad.statusCode, 400, bad.body);
      const patch = await t.runtime.app.inject({
        method: 'PATCH',
        url: '/v1/subjects/sub-a',
        headers: tenant.auth,
        payload: { attributes: { destinationId: '0b799ddd-6b8c-4a6c-9c9b-2c4a6b2b6a63' } },
      });
      assert.equal(patch.statusCode >= 400 && patch.statusCode < 500, true, patch.body);
    });
  });
}

describe('a destination-issued SET pushed to a format: set endpoint (sqlite)', () => {
  let t: TestApp;
  let receiver: Receiver;
  before(async () => {
    t = await startTestApp({ TIDINGS_ISSUER: 'https://zustelldienst.example' });
    t.runtime.startWorkers();
    receiver = await startReceiver();
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  test('the push carries the same SET the log serves: iss the destination, its key', async () => {
    const tenant = await t.tenant();
    const api = client(t, tenant.auth);
    const created = await api.post('/v1/endpoints', {
      url: receiver.url,
      format: 'set',
      eventTypes: ['accept-submission'],
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal((await api.post('/v1/subjects', { workflow: 'fit-case', id: 'case-p' })).statusCode, 201);
    const sub = {
      workflow: 'fit-submission',
      id: 'sub-p',
      parentId: 'case-p',
      attributes: { destinationId: DESTINATION },
    };
    assert.equal((await api.post('/v1/subjects', sub)).statusCode, 201);
    assert.equal(
      (await api.post('/v1/subjects/sub-p/events', { type: 'submit-submission', data: TAGS })).statusCode,
      201,
    );
    assert.equal(
      (await api.post('/v1/subjects/sub-p/events', { type: 'accept-submission', data: TAGS })).statusCode,
      201,
    );
    const [push] = await receiver.waitFor(1, 60_000);
    assert.equal(push?.headers['content-type'], 'application/secevent+jwt');
    const jws = String(push?.body);
    assert.equal(decodeJwt(jws).iss, DESTINATION);
    const { kid } = decodeProtectedHeader(jws);
    const key = await api.get(`/v1/destinations/${DESTINATION}/keys/${kid}`);
    assert.equal(key.statusCode, 200, key.body);
    await compactVerify(jws, await importJWK(key.json() as JWK, 'PS512'));
    const log = (await api.get('/v1/submissions/sub-p/events')).json().eventLog as string[];
    assert.equal(decodeProtectedHeader(log[2] as string).kid, kid, 'one destination key for pushes and logs');
  });
});
