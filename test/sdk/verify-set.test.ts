import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jwks, parseEvent, TidingsSdkError, verifySet, verifySetLog } from '@tidings/sdk';
import { TAGS } from '../feeds/pull-kit.js';
import { type LiveServer, startLiveServer, videoidRequest } from './sdk-kit.js';

interface EventLog {
  eventLog: string[];
}

describe('verifySet and verifySetLog against a live server', () => {
  let server: LiveServer;
  let jwksUrl: string;
  before(async () => {
    // No publish lead time: a new key signs at once, the case the SDK's refetch on an unknown kid is for
    // (servers publish a key an hour before it signs by default, so cached JWKS rarely meet it).
    server = await startLiveServer({ TIDINGS_KEY_PUBLISH_LEAD: '0s' });
    jwksUrl = `${server.url}/.well-known/jwks.json`;
    await server.call('POST', '/v1/subjects', { workflow: 'fit-case', id: 'case-1' });
    await server.call('POST', '/v1/subjects', { workflow: 'fit-submission', id: 'sub-1', parentId: 'case-1' });
    await server.call('POST', '/v1/subjects/sub-1/events', { type: 'submit-submission', data: TAGS });
    await videoidRequest(server, 'req-1');
    // Signing keys are made on first use: have both before any JWKS is fetched and cached.
    await server.call('GET', '/v1/subjects/req-1/events');
    await server.call('GET', '/v1/submissions/sub-1/events');
  });
  after(() => server.close());

  test('a FIT-Connect submission log: every SET is PS512 and verifies, claims as seed 002 has them', async () => {
    const { eventLog } = await server.call<EventLog>('GET', '/v1/submissions/sub-1/events');
    const sets = await verifySetLog(eventLog, jwksUrl, { issuer: server.app.config.issuer });
    assert.equal(sets.length, 2);
    assert.deepEqual(
      sets.map((s) => s.header.alg),
      ['PS512', 'PS512'],
    );
    assert.equal(sets[1]!.eventUri, 'https://schema.fitko.de/fit-connect/events/submit-submission');
    assert.deepEqual(sets[1]!.payload, TAGS);
    const claims = parseEvent('set', sets[1]!.claims);
    assert.equal(claims.sub, 'submission:sub-1');
    assert.equal(claims.txn, 'case:case-1');
  });

  test('an EdDSA-signed log of another workflow verifies from a JWKS object too', async () => {
    const { eventLog } = await server.call<EventLog>('GET', '/v1/subjects/req-1/events');
    const keys = await server.call<{ keys: [] }>('GET', '/.well-known/jwks.json');
    const sets = await verifySetLog(eventLog, keys);
    assert.deepEqual(
      sets.map((s) => s.header.alg),
      ['EdDSA', 'EdDSA'],
    );
  });

  test('one tampered SET makes the whole log untrusted, and says which one', async () => {
    const { eventLog } = await server.call<EventLog>('GET', '/v1/submissions/sub-1/events');
    const [h, p, s] = eventLog[1]!.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.sub = 'submission:someone-else';
    const forged = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
    await assert.rejects(verifySetLog([eventLog[0]!, forged], jwksUrl), (error: unknown) => {
      assert.ok(error instanceof TidingsSdkError);
      assert.equal(error.code, 'set_signature_invalid');
      assert.equal(error.path, 'eventLog[1]');
      return true;
    });
    await assert.rejects(verifySet('not.a.jwt', jwksUrl), { code: 'set_malformed' });
  });

  test('iss and iat are checked', async () => {
    const { eventLog } = await server.call<EventLog>('GET', '/v1/subjects/req-1/events');
    await assert.rejects(verifySet(eventLog[0]!, jwksUrl, { issuer: 'https://someone.else' }), {
      code: 'set_claim_invalid',
      path: 'iss',
    });
    await assert.rejects(verifySet(eventLog[0]!, jwksUrl, { currentDate: new Date(Date.now() - 3_600_000) }), {
      code: 'set_claim_invalid',
      path: 'iat',
    });
    await assert.rejects(verifySet(eventLog[0]!, jwksUrl, { audience: 'me' }), { code: 'set_claim_invalid' });
  });

  test('a SET signed by a key rotated in after the JWKS was cached verifies: the unknown kid refetches', async () => {
    const fetched: string[] = [];
    const counting: typeof fetch = (input, init) => {
      fetched.push(String(input));
      return fetch(input, init);
    };
    const keys = jwks(jwksUrl, { fetch: counting, cooldownMs: 0 });
    const { eventLog } = await server.call<EventLog>('GET', '/v1/subjects/req-1/events');
    await verifySet(eventLog[0]!, keys);
    await verifySet(eventLog[1]!, keys);
    assert.equal(fetched.length, 1, 'cached');
    await server.app.runtime.pull.keys.rotate(['default']);
    await videoidRequest(server, 'req-2');
    const fresh = await server.call<EventLog>('GET', '/v1/subjects/req-2/events');
    const verified = await verifySet(fresh.eventLog[0]!, keys);
    assert.notEqual(
      verified.header.kid,
      JSON.parse(Buffer.from(eventLog[0]!.split('.')[0]!, 'base64url').toString()).kid,
    );
    assert.equal(fetched.length, 2, 'fetched again for the new kid');
  });
});
