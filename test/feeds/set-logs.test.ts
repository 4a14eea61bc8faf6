import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { type Auth, client, fitCaseWithSubmission, servedJwks, TAGS, verifySet } from './pull-kit.js';

const CASE = randomUUID();
const SUBMISSION = randomUUID();
const FIT = 'https://schema.fitko.de/fit-connect/events/';

describe('SET logs (seed 002) and the JWKS', () => {
  let t: TestApp;
  let auth: Auth;
  let other: Auth;
  let api: ReturnType<typeof client>;
  before(async () => {
    t = await startTestApp({ TIDINGS_ISSUER: 'https://tidings.example' });
    ({ auth } = await t.tenant('Fit Authority'));
    ({ auth: other } = await t.tenant('Someone Else'));
    api = client(t, auth);
    await fitCaseWithSubmission(t, auth, CASE, SUBMISSION);
  });
  after(() => t.close());

  test("a submission's log: PS512 SETs with the seed's claims, verified against the served JWKS", async () => {
    const res = await api.get(`/v1/submissions/${SUBMISSION}/events`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { eventLog: string[]; offset: number; limit: number; totalCount: number };
    assert.deepEqual(
      { offset: body.offset, limit: body.limit, totalCount: body.totalCount },
      { offset: 0, limit: 100, totalCount: 3 },
    );
    const jwks = await servedJwks(t);
    const verified = await Promise.all(body.eventLog.map((jws) => verifySet(jws, jwks)));
    assert.deepEqual(
      verified.map((v) => Object.keys(v.claims.events as object)),
      [[`${FIT}create-submission`], [`${FIT}submit-submission`], [`${FIT}accept-submission`]],
    );
    for (const { header, claims } of verified) {
      assert.equal(header.alg, 'PS512');
      assert.equal(header.typ, 'secevent+jwt');
      assert.equal(claims.sub, `submission:${SUBMISSION}`);
      assert.equal(claims.txn, `case:${CASE}`);
      assert.equal(claims.iss, 'https://tidings.example');
      assert.equal(typeof claims.iat, 'number');
      assert.equal(Object.keys(claims.events as object).length, 1);
    }
    // $schema only where there is a payload (create-submission has none).
    assert.equal('$schema' in verified[0]!.claims, false);
    assert.deepEqual((verified[2]!.claims.events as Record<string, unknown>)[`${FIT}accept-submission`], TAGS);
    const rsa = jwks.keys.find((k) => k.kid === verified[0]!.header.kid);
    assert.equal(rsa?.kty, 'RSA');
    assert.equal(rsa?.alg, 'PS512');
  });

  test('SETs are signed once: the same bytes on every read, one stored row per event', async () => {
    const first = (await api.get(`/v1/subjects/${SUBMISSION}/events`)).json().eventLog as string[];
    const second = (await api.get(`/v1/subjects/${SUBMISSION}/events`)).json().eventLog as string[];
    assert.deepEqual(first, second);
    const store = t.runtime.store as unknown as { db: import('better-sqlite3').Database };
    const n = store.db.prepare('SELECT count(*) AS n FROM event_sets').get() as { n: number };
    assert.equal(n.n, 3);
  });

  test("a case's log holds its own and its submissions' events, in order; offset and limit page it", async () => {
    const all = (await api.get(`/v1/cases/${CASE}/events`)).json();
    assert.equal(all.totalCount, 4);
    const subs = all.eventLog.map((jws: string) => decodeJwt(jws).sub);
    assert.deepEqual(subs, [
      `case:${CASE}`,
      `submission:${SUBMISSION}`,
      `submission:${SUBMISSION}`,
      `submission:${SUBMISSION}`,
    ]);
    const page = (await api.get(`/v1/cases/${CASE}/events?offset=1&limit=2`)).json();
    assert.deepEqual(page.eventLog, all.eventLog.slice(1, 3));
    assert.deepEqual([page.offset, page.limit, page.totalCount], [1, 2, 4]);
    const beyond = (await api.get(`/v1/cases/${CASE}/events?offset=10`)).json();
    assert.deepEqual(beyond.eventLog, []);
  });

  test('a reply log and non-FIT subjects: replies are reply:<id>; other workflows sign with EdDSA', async () => {
    const reply = randomUUID();
    assert.equal(
      (await api.post('/v1/subjects', { workflow: 'fit-reply', id: reply, parentId: CASE })).statusCode,
      201,
    );
    const log = (await api.get(`/v1/replies/${reply}/events`)).json();
    const jwks = await servedJwks(t);
    const { claims } = await verifySet(log.eventLog[0], jwks);
    assert.equal(claims.sub, `reply:${reply}`);
    assert.equal(claims.txn, `case:${CASE}`);

    await api.post('/v1/subjects', { workflow: 'image-check', id: 'img-1', attributes: { ImageType: 'Gallery' } });
    const img = (await api.get('/v1/subjects/img-1/events')).json();
    const verified = await verifySet(img.eventLog[0], await servedJwks(t));
    assert.equal(verified.header.alg, 'EdDSA');
    assert.equal(verified.claims.sub, 'image-check:img-1');
  });

  test('404 for a subject of another workflow, an unknown id, or another tenant', async () => {
    assert.equal((await api.get(`/v1/cases/${SUBMISSION}/events`)).statusCode, 404);
    assert.equal((await api.get(`/v1/submissions/${CASE}/events`)).statusCode, 404);
    assert.equal((await api.get(`/v1/replies/${SUBMISSION}/events`)).statusCode, 404);
    assert.equal((await api.get('/v1/subjects/nope/events')).json().code, 'not_found');
    const foreign = client(t, other);
    for (const path of [`/v1/cases/${CASE}`, `/v1/submissions/${SUBMISSION}`, `/v1/subjects/${SUBMISSION}`]) {
      const res = await foreign.get(`${path}/events`);
      assert.equal(res.statusCode, 404, path);
      assert.equal(res.json().code, 'not_found');
    }
    assert.equal((await t.runtime.app.inject({ method: 'GET', url: `/v1/cases/${CASE}/events` })).statusCode, 401);
  });

  test('bad offset / limit values are 400 validation with a WrongFieldValue item', async () => {
    for (const [query, target] of [
      ['limit=501', 'limit'],
      ['limit=0', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=abc', 'offset'],
      ['limit=1.5', 'limit'],
    ] as const) {
      const res = await api.get(`/v1/cases/${CASE}/events?${query}`);
      assert.equal(res.statusCode, 400, query);
      const body = res.json();
      assert.equal(body.code, 'validation');
      assert.equal(body.errors[0].code, 'WrongFieldValue');
      assert.equal(body.errors[0].target, target);
    }
  });

  test('after a key rotation the new key is published at once and the old one keeps signing for the lead time', async () => {
    const before = (await api.get(`/v1/submissions/${SUBMISSION}/events`)).json().eventLog as string[];
    await t.runtime.pull.keys.rotate();
    const sub2 = randomUUID();
    await api.post('/v1/subjects', { workflow: 'fit-submission', id: sub2, parentId: CASE });
    const fresh = (await api.get(`/v1/submissions/${sub2}/events`)).json().eventLog as string[];
    const jwks = await servedJwks(t);
    const oldKid = (await verifySet(before[0]!, jwks)).header.kid;
    const freshKid = (await verifySet(fresh[0]!, jwks)).header.kid;
    assert.equal(freshKid, oldKid, 'a verifier with the JWKS from before the rotation still knows the signing kid');
    const newKid = (await t.runtime.pull.keys.activeKey('fit')).kid;
    assert.notEqual(newKid, oldKid);
    assert.ok(
      jwks.keys.some((k) => k.kid === newKid),
      'the next key is published before it signs',
    );
    assert.equal(jwks.keys.filter((k) => k.alg === 'PS512').length, 2);
  });

  test('erasure empties attributes and payloads, keeps a tombstone, and re-signs the SETs without the data', async () => {
    const res = await api.post(`/v1/subjects/${SUBMISSION}/erase`);
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().erasedAt);
    const subject = (await api.get(`/v1/subjects/${SUBMISSION}`)).json();
    assert.deepEqual(subject.attributes, {});
    assert.equal(subject.erasedAt, res.json().erasedAt, 'the subject shows when it was erased');
    const log = (await api.get(`/v1/submissions/${SUBMISSION}/events`)).json().eventLog as string[];
    const jwks = await servedJwks(t);
    for (const jws of log) {
      const { claims } = await verifySet(jws, jwks);
      assert.deepEqual(Object.values(claims.events as object)[0], {});
      assert.equal('$schema' in claims, false);
    }
    assert.equal((await client(t, other).post(`/v1/subjects/${SUBMISSION}/erase`)).statusCode, 404);
  });
});
