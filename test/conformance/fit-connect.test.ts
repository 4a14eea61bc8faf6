/**
 * Seed 002, FIT-Connect event log ("Abruf von Ereignissen über Event Log"), as
 * a FIT-Connect integrator reads it: a sender's online service reads
 * `GET /v1/cases/{caseId}/events` (and, "seit Version 1.7.0",
 * `/v1/submissions/{id}/events` and `/v1/replies/{id}/events`), gets
 * `{eventLog: [<SET>...]}` and checks every SET as the vendor's
 * set-validation page asks, picking the key by issuer: the delivery service's
 * JWKS for its own events, the destination's key for what the receiving
 * system recorded. Only the base URL and the credentials change.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { keysByIssuer, verifySetLog } from '@tidings/sdk';
import {
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
} from 'jose';
import {
  dropBackends,
  fakeClock,
  startTestApp,
  type TestApp,
  type TestBackend,
  testBackends,
} from '../helpers/test-runtime.js';

const seed = JSON.parse(
  readFileSync(
    new URL('../../../test/conformance/fixtures/fit-connect-accept-submission.json', import.meta.url),
    'utf8',
  ),
) as { claims: { jti: string; iss: string; iat: number; sub: string; txn: string; event: string } };

const DESTINATION = seed.claims.iss;
const SUBMISSION = seed.claims.sub.slice('submission:'.length);
const CASE = seed.claims.txn.slice('case:'.length);
const REPLY = '7c1e2a4b-5d6f-4a8b-9c0d-1e2f3a4b5c6d';
const ISSUER = 'https://submission-api-testing.fit-connect.fitko.dev';
const EVENTS = 'https://schema.fitko.de/fit-connect/events/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The vendor's example authentication tags: the 5th segment of each part's JWE.
const TAGS = {
  authenticationTags: {
    metadata: 'XFBoMYUZodetZdvTiFvSkQ',
    data: '9hH0vgRfYgPnAHOd8stkvw',
    attachments: { '0b799ddd-6b8c-4a6c-9c9b-2c4a6b2b6a63': 'U0m_YmjN04DJvceFICbCVQ' },
  },
};

const backends: TestBackend[] = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`FIT-Connect event log, seed 002 (${backend.name})`, { skip: backend.skip }, () => {
    // "Er wurde am 04.06.2021 um 10:48:52 (Unixzeit 1622796532) aufgezeichnet": Europe/Berlin, 08:48:52Z.
    const clock = fakeClock('2021-06-04T08:40:00.000Z');
    let t: TestApp;
    let base: string;
    let auth: { authorization: string };

    /** What the integrator calls: the Tidings API over a real socket, with its API key. */
    async function get<T>(path: string, headers: Record<string, string> = auth): Promise<{ status: number; body: T }> {
      const res = await fetch(base + path, { headers: { accept: 'application/json', ...headers } });
      return { status: res.status, body: (await res.json()) as T };
    }
    async function post(path: string, body: object) {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 201, await res.text());
    }
    const eventLog = async (path: string) => {
      const res = await get<{ eventLog: string[]; offset: number; limit: number; totalCount: number }>(path);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };

    /**
     * The checks of FIT-Connect's "Prüfung eines Security Event Token", as
     * seed-formats.md lists them: header, claims, exactly one event, then the
     * key picked by issuer, its alg checked, the PS512 signature verified.
     */
    async function validateSet(jws: string, jwks: JSONWebKeySet) {
      assert.equal(jws.split('.').length, 3, 'a compact JWS');
      const header = decodeProtectedHeader(jws);
      assert.equal(header.typ, 'secevent+jwt');
      assert.equal(header.alg, 'PS512');
      assert.equal(typeof header.kid, 'string');
      const claims = JSON.parse(Buffer.from(jws.split('.')[1] as string, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      for (const claim of ['jti', 'iss', 'iat', 'sub', 'txn', 'events']) assert.ok(claim in claims, `${claim} present`);
      assert.match(String(claims.jti), UUID);
      assert.match(String(claims.sub), /^(submission|reply):[0-9a-f-]{36}$/);
      assert.match(String(claims.txn), /^case:[0-9a-f-]{36}$/);
      assert.ok(Number.isInteger(claims.iat));
      const events = claims.events as Record<string, unknown>;
      assert.equal(Object.keys(events).length, 1, 'exactly one event');
      assert.ok(Object.keys(events)[0]?.startsWith(EVENTS));
      // $schema only with a payload: "ohne Event-Payload darf kein $schema angegeben werden".
      const payload = Object.values(events)[0] as object;
      assert.equal('$schema' in claims, Object.keys(payload).length > 0);
      if (UUID.test(String(claims.iss))) {
        // Issued by a destination: GET /v1/destinations/{iss}/keys/{kid}, a single JWK.
        const key = await get<JWK>(`/v1/destinations/${claims.iss}/keys/${header.kid}`);
        assert.equal(key.status, 200, JSON.stringify(key.body));
        assert.equal(key.body.alg, 'PS512', "the JWK's alg is checked before verifying");
        assert.deepEqual(key.body.key_ops, ['verify']);
        await compactVerify(jws, await importJWK(key.body, 'PS512'));
      } else {
        assert.equal(claims.iss, ISSUER);
        await jwtVerify(jws, createLocalJWKSet(jwks), { typ: 'secevent+jwt', algorithms: ['PS512'] });
      }
      return { header, claims, event: Object.keys(events)[0] as string, payload };
    }

    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_ISSUER: ISSUER }, { clock: clock.now });
      await t.runtime.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.runtime.app.server.address() as AddressInfo).port}`;
      auth = (await t.tenant('Zustelldienst')).auth;
      // The sender's side: a case, a submission to the destination, sent with its authentication tags.
      await post('/v1/subjects', { workflow: 'fit-case', id: CASE });
      await post('/v1/subjects', {
        workflow: 'fit-submission',
        id: SUBMISSION,
        parentId: CASE,
        attributes: { destinationId: DESTINATION },
      });
      clock.advance(60_000);
      await post(`/v1/subjects/${SUBMISSION}/events`, { type: `${EVENTS}submit-submission`, data: TAGS });
      // The receiving system accepts it at the seed's instant.
      clock.set('2021-06-04T08:48:52.000Z');
      await post(`/v1/subjects/${SUBMISSION}/events`, { type: `${EVENTS}accept-submission`, data: TAGS });
      // And answers with a reply in the same case.
      clock.advance(60_000);
      await post('/v1/subjects', { workflow: 'fit-reply', id: REPLY, parentId: CASE });
      await post(`/v1/subjects/${REPLY}/events`, { type: 'submit-reply', data: TAGS });
    });
    after(() => t.close());

    test('"GET /v1/cases/{caseId}/events ... eine Liste mit allen Ereignissen eines Vorgangs", every SET checked', async () => {
      const jwks = (await get<JSONWebKeySet>('/.well-known/jwks.json', {})).body;
      const { eventLog: log } = await eventLog(`/v1/cases/${CASE}/events`);
      // "Die Authentizität und Integrität ... SOLLTE bei jedem Abruf geprüft werden."
      const sets = [];
      for (const jws of log) {
        // The case's own create-case is ours, not a FIT-Connect event (fit-case notes): skip it like an unknown URI.
        const claims = JSON.parse(Buffer.from(jws.split('.')[1] as string, 'base64url').toString());
        if (String(claims.sub).startsWith('case:')) continue;
        sets.push(await validateSet(jws, jwks));
      }
      assert.deepEqual(
        sets.map((s) => [s.claims.sub, s.event.slice(EVENTS.length)]),
        [
          [seed.claims.sub, 'create-submission'],
          [seed.claims.sub, 'submit-submission'],
          [seed.claims.sub, 'accept-submission'],
          [`reply:${REPLY}`, 'create-reply'],
          [`reply:${REPLY}`, 'submit-reply'],
        ],
      );
      assert.ok(
        sets.every((s) => s.claims.txn === seed.claims.txn),
        'all in the case',
      );
    });

    test("the seed's example SET, field by field: accept-submission issued by destination 40847c29-...", async () => {
      const jwks = (await get<JSONWebKeySet>('/.well-known/jwks.json', {})).body;
      const log = (await eventLog(`/v1/submissions/${SUBMISSION}/events`)).eventLog;
      const accept = await validateSet(log[2] as string, jwks);
      const { jti, ...rest } = accept.claims;
      assert.match(String(jti), UUID, '"jti (JWT ID): Er hat die eindeutige ID ..." (a UUID of ours)');
      assert.equal(
        rest.iss,
        seed.claims.iss,
        '"iss ... vom Empfänger des Zustellpunktes (Destination) ... ausgestellt"',
      );
      assert.equal(rest.iat, seed.claims.iat, '"am 04.06.2021 um 10:48:52 (Unixzeit 1622796532)"');
      assert.equal(rest.sub, seed.claims.sub, '"sub (Subject): Er betrifft die Einreichung 02bf1d9f-..."');
      assert.equal(rest.txn, seed.claims.txn, '"txn ... gehört zur Vorgangsreferenz (Case) 452b5ee6-..."');
      assert.equal(accept.event, seed.claims.event, '"events: Die Submission wurde akzeptiert (accept-submission)"');
      assert.deepEqual(accept.payload, TAGS);
      assert.match(String(rest.$schema), /^https:\/\/schema\.fitko\.de\/fit-connect\/set-payload\/.+\.schema\.json$/);
      // The delivery service's own events carry its URL as issuer and verify against its JWKS.
      const submit = await validateSet(log[1] as string, jwks);
      assert.equal(submit.claims.iss, ISSUER);
      assert.notEqual(submit.header.kid, accept.header.kid, "the destination's key is its own");
      assert.ok(!jwks.keys.some((k) => k.kid === accept.header.kid), 'and not in the delivery service JWKS');
    });

    test('"lässt sich ableiten, dass der aktuelle Status der Einreichung ... accepted ist"', async () => {
      const log = (await eventLog(`/v1/submissions/${SUBMISSION}/events`)).eventLog;
      const last = JSON.parse(Buffer.from((log.at(-1) as string).split('.')[1] as string, 'base64url').toString());
      const derived = Object.keys(last.events)[0]?.slice(EVENTS.length) === 'accept-submission' ? 'accepted' : '?';
      const subject = await get<{ status: string }>(`/v1/subjects/${SUBMISSION}`);
      assert.equal(derived, 'accepted');
      assert.equal(subject.body.status, derived);
    });

    test('"Seit Version 1.7.0 ... /v1/submissions/{id}/events bzw. /v1/replies/{replyId}/events": the same SETs, filtered', async () => {
      const caseLog = (await eventLog(`/v1/cases/${CASE}/events`)).eventLog;
      const submissionLog = (await eventLog(`/v1/submissions/${SUBMISSION}/events`)).eventLog;
      const replyLog = (await eventLog(`/v1/replies/${REPLY}/events`)).eventLog;
      assert.equal(submissionLog.length, 3);
      assert.equal(replyLog.length, 2);
      // "Die Struktur der gelieferten Ereignisse entspricht dabei exakt der des existierenden Endpunkts."
      for (const jws of [...submissionLog, ...replyLog]) assert.ok(caseLog.includes(jws), 'byte-identical SETs');
    });

    test('"Über die Queryparameter offset und limit ... (limit) beträgt 500 Events"', async () => {
      const all = await eventLog(`/v1/cases/${CASE}/events`);
      const page = await eventLog(`/v1/cases/${CASE}/events?offset=1&limit=2`);
      assert.deepEqual(page.eventLog, all.eventLog.slice(1, 3));
      assert.deepEqual([page.offset, page.limit, page.totalCount], [1, 2, all.eventLog.length]);
      assert.equal((await get(`/v1/cases/${CASE}/events?limit=500`)).status, 200);
      const tooMany = await get<{ code: string; errors: Array<{ code: string }> }>(
        `/v1/cases/${CASE}/events?limit=501`,
      );
      assert.equal(tooMany.status, 400);
      assert.equal(tooMany.body.code, 'validation');
    });

    test('an integrator using the Tidings SDK verifies the whole log with the key picked by issuer', async () => {
      const log = (await eventLog(`/v1/submissions/${SUBMISSION}/events`)).eventLog;
      const sets = await verifySetLog(log, keysByIssuer({ baseUrl: base, headers: auth }));
      assert.deepEqual(
        sets.map((s) => s.claims.iss),
        [ISSUER, ISSUER, DESTINATION],
      );
    });
  });
}
