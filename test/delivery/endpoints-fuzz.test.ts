import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { matchEndpoints } from '../../src/delivery/match-endpoints.js';
import { instantOf } from '../../src/http/date-time.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { makeTestPki } from './test-pki.js';

/**
 * The endpoints API under arbitrary input, on both backends, with the SSRF
 * guard on: every answer is below 500, every refusal carries an error code
 * and changes nothing. The generators mix valid values, near misses and any
 * JSON, so both the schema and the checks behind it (URL guard, PEM parsing,
 * header rules) are reached. URLs are IP literals or `localhost`, so no test
 * depends on DNS.
 */
const backends = await testBackends();
after(() => dropBackends(backends));
const pki = makeTestPki();

const anyJson = fc.jsonValue({ maxDepth: 2 });
const text = fc.string({ maxLength: 12 });
const or = (...values: fc.Arbitrary<unknown>[]) => fc.oneof(...values, anyJson);

/** Values a user would send, one generator per field. */
const valid = {
  url: fc.constantFrom('https://93.184.216.34/hook', 'https://[2606:2800:220:1:248:1893:25c8:1946]/hook'),
  description: fc.option(text),
  eventTypes: fc.option(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 })),
  workflows: fc.option(fc.uniqueArray(fc.constantFrom('videoid-request', 'fit-case'), { minLength: 1, maxLength: 2 })),
  format: fc.constantFrom('native', 'vendor', 'set', 'uanataca', 'onespan', 'reestro', 'thales'),
  auth: fc.oneof(
    fc.record({ type: fc.constant('standard-webhooks'), algorithm: fc.constantFrom('hmac-sha256', 'ed25519') }),
    fc.record({
      type: fc.constant('header'),
      name: fc.constant('X-Api-Key'),
      value: fc.string({ minLength: 1, maxLength: 12 }),
    }),
    fc.constant({ type: 'mtls', cert: pki.clientCert, key: pki.clientKey }),
  ),
  tls: fc.option(fc.constant({ ca: pki.ca })),
  headers: fc.dictionary(fc.constantFrom('X-Tenant', 'X-Region'), fc.string({ maxLength: 12 }), { maxKeys: 2 }),
  ordering: fc.constantFrom('subject', 'none'),
  rateLimit: fc.option(fc.integer({ min: 1, max: 100_000 })),
  filter: fc.option(fc.constantFrom('data.status in ["A"]', 'subject.attributes.country == "ES" && !has(data.x)')),
  transform: fc.option(fc.constantFrom({ body: '{"t": type}' }, { headers: { 'X-Kind': 'type' } })),
  retrySchedule: fc.option(fc.constantFrom(['5s'], ['1m', '1h'])),
  enabled: fc.boolean(),
};

/** Near misses and anything at all, one generator per field (and an unknown one). */
const faulty = {
  url: or(
    fc.constantFrom(
      'http://93.184.216.34/plain',
      'https://127.0.0.1/loopback',
      'https://10.1.2.3/private',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/cgnat',
      'https://[::1]/v6-loopback',
      'https://[fe80::1]/link-local',
      'https://[::ffff:127.0.0.1]/mapped',
      'https://localhost/x',
      'https://user:pw@93.184.216.34/creds',
      'ftp://93.184.216.34/x',
      'not a url',
      '',
      `https://93.184.216.34/${'x'.repeat(2100)}`,
    ),
    text,
  ),
  description: or(fc.string({ minLength: 501, maxLength: 502 })),
  eventTypes: or(fc.constant([]), fc.constant(['a', 'a']), fc.constant([''])),
  workflows: or(fc.constant(['nope']), fc.constant([])),
  format: or(fc.constantFrom('Native', 'x', '')),
  auth: or(
    fc.record(
      {
        type: fc.constantFrom('standard-webhooks', 'header', 'mtls', 'basic'),
        algorithm: fc.constantFrom('hmac-sha256', 'ed25519', 'rsa'),
        name: fc.constantFrom('X-Api-Key', 'bad name', '', 'webhook-signature', 'Host'),
        value: text,
        cert: fc.constantFrom(
          pki.serverCert,
          'not a pem',
          '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        ),
        key: fc.constantFrom(
          pki.serverKey,
          'not a pem',
          '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
        ),
      },
      { requiredKeys: ['type'] },
    ),
  ),
  tls: or(fc.record({ ca: fc.constantFrom('garbage', `${pki.ca}\ntrailing`, pki.clientKey) })),
  headers: or(
    fc.dictionary(fc.constantFrom('Host', 'content-type', 'webhook-id', 'x-correlation-id', 'bad name', ''), text, {
      minKeys: 1,
      maxKeys: 2,
    }),
  ),
  ordering: or(fc.constantFrom('event', 'SUBJECT')),
  rateLimit: or(fc.constantFrom(0, -1, 100_001, 1.5)),
  filter: or(fc.constantFrom('data.x = 1', '(', `${'!'.repeat(100)}true`, 'x'.repeat(2100), 'data.x'), text),
  transform: or(
    fc.record({
      body: fc.constantFrom('{', '$$$(', '[1..', `${'('.repeat(3000)}1`),
      headers: fc.constantFrom({ 'webhook-id': '"x"' }, { 'x-a': ')' }, { 'bad name': '1' }),
    }),
  ),
  retrySchedule: or(fc.constantFrom(['5x'], [], ['31d'], ['-1s'], [''])),
  enabled: anyJson,
  unknown: anyJson,
};

type Field = keyof typeof faulty;

/** A valid body with up to two fields replaced by a fault, or any JSON at all (one in ten). */
function bodies(keys: readonly Field[], required: readonly Field[]) {
  const base = fc.record(
    Object.fromEntries(keys.filter((k) => k in valid).map((k) => [k, valid[k as keyof typeof valid]])),
    { requiredKeys: required as string[] },
  );
  const fault = fc.constantFrom(...keys).chain((key) => faulty[key].map((value) => [key, value] as const));
  const faulted = fc.tuple(base, fc.array(fault, { maxLength: 2 })).map(([body, faults]) => ({
    ...body,
    ...Object.fromEntries(faults.map(([k, v]) => [k === 'unknown' ? 'colour' : k, v])),
  }));
  return fc.oneof({ arbitrary: faulted, weight: 9 }, { arbitrary: anyJson, weight: 1 });
}

const all = Object.keys(faulty) as Field[];
const createBody = bodies(
  all.filter((k) => k !== 'enabled'),
  ['url'],
);
const updateBody = bodies(all, []);

test('a leap second reads as the first instant after :59.999; other times as Date.parse reads them', () => {
  assert.equal(instantOf('2016-12-31T23:59:60Z'), Date.parse('2017-01-01T00:00:00Z'));
  assert.equal(instantOf('2016-12-31T23:59:60.5Z'), Date.parse('2017-01-01T00:00:00Z'));
  assert.equal(instantOf('2016-12-31T20:59:60-03:00'), Date.parse('2017-01-01T00:00:00Z'));
  assert.equal(instantOf('2016-12-31T23:59:59.250Z'), Date.parse('2016-12-31T23:59:59.250Z'));
  assert.equal(instantOf('2016-12-31T23:59:61Z'), null);
  assert.equal(instantOf('not a time'), null);
});

for (const backend of backends) {
  describe(`endpoints API under arbitrary input (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: { authorization: string };
    let fixed: string;
    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
      t.runtime.app.inject({
        method,
        url,
        headers: { ...auth, 'content-type': 'application/json' },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });
    const listAll = async () => (await call('GET', '/v1/endpoints?limit=100')).body;
    const refusedWell = (res: { statusCode: number; body: string }) => {
      assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
      if (res.statusCode >= 400) assert.equal(typeof JSON.parse(res.body).code, 'string', res.body);
    };

    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_ALLOW_INSECURE_ENDPOINTS: '0' });
      ({ auth } = await t.tenant());
      const created = await call('POST', '/v1/endpoints', { url: 'https://93.184.216.34/fixed' });
      assert.equal(created.statusCode, 201, created.body);
      fixed = created.json().id;
    });
    after(() => t?.close());

    test('creating: never a 5xx; a refused body writes nothing; a created endpoint reads back and deletes', async () => {
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(createBody, async (body) => {
          const before = await listAll();
          const res = await call('POST', '/v1/endpoints', body);
          refusedWell(res);
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode === 201) {
            const id = res.json().id as string;
            assert.equal((await call('GET', `/v1/endpoints/${id}`)).statusCode, 200);
            const gone = await t.runtime.app.inject({ method: 'DELETE', url: `/v1/endpoints/${id}`, headers: auth });
            assert.equal(gone.statusCode, 204);
          } else {
            assert.equal(res.statusCode, 400, res.body);
            assert.equal(await listAll(), before, 'nothing was written');
          }
        }),
        { numRuns: 300 },
      );
      // the generators reach both sides: some bodies pass every check
      assert.ok((seen.get(201) ?? 0) >= 5, `created: ${JSON.stringify([...seen])}`);
    });

    test('updating: never a 5xx; a refused change leaves the endpoint as it was', async () => {
      let changed = 0;
      await fc.assert(
        fc.asyncProperty(updateBody, async (body) => {
          const before = (await call('GET', `/v1/endpoints/${fixed}`)).body;
          const res = await call('PATCH', `/v1/endpoints/${fixed}`, body);
          refusedWell(res);
          if (res.statusCode === 200) changed += 1;
          if (res.statusCode !== 200) {
            assert.equal(res.statusCode, 400, res.body);
            assert.equal((await call('GET', `/v1/endpoints/${fixed}`)).body, before, 'nothing was written');
          }
        }),
        { numRuns: 300 },
      );
      assert.ok(changed >= 5, `changed ${changed} times`);
    });

    test('paging, replay and rotation input: never a 5xx', async () => {
      const query = fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'eventId', 'deliveryId', 'x'), text, {
        maxKeys: 3,
      });
      const replay = fc.oneof(
        fc.record(
          {
            since: fc.oneof(
              fc.constantFrom(
                '2016-12-31T23:59:60Z',
                '0000-01-01T00:00:00Z',
                '9999-12-31T23:59:59Z',
                '2020-02-30T00:00:00Z',
              ),
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              text,
            ),
            failedOnly: or(fc.boolean()),
          },
          { requiredKeys: [] },
        ),
        anyJson,
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('', '/deliveries', '/attempts'),
          query,
          replay,
          or(fc.record({ gracePeriodSeconds: or(fc.integer({ min: -1, max: 10_000_000 })) }, { requiredKeys: [] })),
          async (path, params, replayBody, rotateBody) => {
            const qs = new URLSearchParams(params as Record<string, string>).toString();
            const base = path === '' ? '/v1/endpoints' : `/v1/endpoints/${fixed}${path}`;
            refusedWell(await call('GET', `${base}?${qs}`));
            refusedWell(await call('POST', `/v1/endpoints/${fixed}/replay`, replayBody));
            refusedWell(await call('POST', `/v1/endpoints/${fixed}/rotate-secret`, rotateBody));
          },
        ),
        { numRuns: 150 },
      );
    });

    test('replay since a leap second requeues what was created after it', async () => {
      const endpoint = await call('POST', '/v1/endpoints', { url: 'https://93.184.216.34/leap' });
      assert.equal(endpoint.statusCode, 201, endpoint.body);
      const subject = await call('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'leap-1' });
      assert.equal(subject.statusCode, 201, subject.body);
      const store = t.runtime.push.deliveries;
      while ((await store.fanOut(100, matchEndpoints, Date.now())) > 0);
      // "all" replays finished deliveries (pending ones are queued already): finish this one
      const request = { nowMs: Date.now(), limit: 100, leaseMs: 60_000, perEndpointCap: 8, minBatch: 1 };
      const [delivery] = (await store.lease(request)).filter((d) => d.endpointId === endpoint.json().id);
      assert.ok(delivery, 'the creation event of the subject was fanned out to the endpoint');
      const attempt = {
        tenantId: delivery.tenantId,
        endpointId: delivery.endpointId,
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        attempt: 1,
        startedAt: request.nowMs,
        outcome: 'succeeded' as const,
        httpStatus: 200,
        latencyMs: 1,
        responseExcerpt: '',
        errorClass: null,
        errorMessage: null,
      };
      const done = { status: 'succeeded' as const, lastError: null };
      assert.equal(await store.recordAttempt(attempt, delivery.leaseToken ?? '', done, request.nowMs), true);
      const replay = (since: string) =>
        call('POST', `/v1/endpoints/${endpoint.json().id}/replay`, { since, failedOnly: false });
      const earlier = await replay('2016-12-31T23:59:60Z');
      assert.equal(earlier.statusCode, 202, earlier.body);
      assert.equal(earlier.json().requeued, 1, earlier.body);
      const later = await replay('2999-12-31T23:59:60Z');
      assert.equal(later.statusCode, 202, later.body);
      assert.equal(later.json().requeued, 0);
    });
  });
}
