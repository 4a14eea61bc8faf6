import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { ADMIN_TOKEN, dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

type Case = {
  name: string;
  status: number;
  code: string;
  target?: string;
  req: (auth: Record<string, string>) => InjectOptions;
};

const json = { 'content-type': 'application/json' };
const post =
  (url: string, payload: unknown, extra: Record<string, string> = {}) =>
  (auth: Record<string, string>) =>
    ({
      method: 'POST',
      url,
      headers: { ...auth, ...json, ...extra },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    }) as InjectOptions;
const get = (url: string) => (auth: Record<string, string>) => ({ method: 'GET', url, headers: auth }) as InjectOptions;

const CASES: Case[] = [
  {
    name: 'malformed JSON',
    status: 400,
    code: 'validation',
    target: 'body',
    req: post('/v1/subjects', '{"workflow": "fit-case",'),
  },
  { name: 'JSON array instead of object', status: 400, code: 'validation', req: post('/v1/subjects', '[]') },
  { name: 'JSON string body', status: 400, code: 'validation', req: post('/v1/subjects', '"fit-case"') },
  { name: 'JSON null body', status: 400, code: 'validation', req: post('/v1/subjects', 'null') },
  { name: 'empty body with JSON content type', status: 400, code: 'validation', req: post('/v1/subjects', '') },
  { name: 'missing workflow', status: 400, code: 'validation', target: 'workflow', req: post('/v1/subjects', {}) },
  {
    name: 'workflow of the wrong type',
    status: 400,
    code: 'validation',
    target: 'workflow',
    req: post('/v1/subjects', { workflow: 42 }),
  },
  {
    name: 'unknown workflow',
    status: 400,
    code: 'validation',
    target: 'workflow',
    req: post('/v1/subjects', { workflow: 'nope' }),
  },
  {
    name: 'unknown top-level field',
    status: 400,
    code: 'validation',
    target: 'colour',
    req: post('/v1/subjects', { workflow: 'fit-case', colour: 'red' }),
  },
  {
    name: 'attributes not an object',
    status: 400,
    code: 'validation',
    target: 'attributes',
    req: post('/v1/subjects', { workflow: 'fit-case', attributes: [1] }),
  },
  {
    name: 'id with a slash',
    status: 400,
    code: 'validation',
    target: 'id',
    req: post('/v1/subjects', { workflow: 'fit-case', id: 'a/b' }),
  },
  {
    name: 'id too long',
    status: 400,
    code: 'validation',
    target: 'id',
    req: post('/v1/subjects', { workflow: 'fit-case', id: 'x'.repeat(129) }),
  },
  {
    name: 'id empty',
    status: 400,
    code: 'validation',
    target: 'id',
    req: post('/v1/subjects', { workflow: 'fit-case', id: '' }),
  },
  {
    name: 'parent that does not exist',
    status: 400,
    code: 'validation',
    target: 'parentId',
    req: post('/v1/subjects', { workflow: 'fit-submission', parentId: 'ghost' }),
  },
  {
    name: 'parent of the wrong workflow',
    status: 400,
    code: 'validation',
    target: 'parentId',
    req: post('/v1/subjects', { workflow: 'fit-submission', parentId: 'req-x' }),
  },
  {
    name: 'initial `to` that is no state',
    status: 400,
    code: 'validation',
    target: 'to',
    req: post('/v1/subjects', { workflow: 'videoid-request', to: 'NOWHERE' }),
  },
  {
    name: 'initial `to` that is a state but not initial',
    status: 409,
    code: 'invalid_transition',
    req: post('/v1/subjects', { workflow: 'videoid-request', to: 'ISSUED' }),
  },
  {
    name: 'image-check attributes failing the schema',
    status: 400,
    code: 'validation',
    req: post('/v1/subjects', { workflow: 'image-check', attributes: { ImageType: 'Poster' } }),
  },
  {
    name: 'idv brand_id that is not a UUID',
    status: 400,
    code: 'validation',
    target: 'attributes.brand_id',
    req: post('/v1/subjects', { workflow: 'idv-transaction', attributes: { brand_id: 'not-a-uuid' } }),
  },
  {
    name: 'subject id that already exists',
    status: 409,
    code: 'conflict',
    target: 'id',
    req: post('/v1/subjects', { workflow: 'videoid-request', id: 'req-x' }),
  },
  {
    name: 'event without type',
    status: 400,
    code: 'validation',
    target: 'type',
    req: post('/v1/subjects/req-x/events', {}),
  },
  {
    name: 'event type of another workflow',
    status: 400,
    code: 'validation',
    target: 'type',
    req: post('/v1/subjects/req-x/events', { type: 'submit-submission' }),
  },
  {
    name: 'event type not allowed in the current state',
    status: 409,
    code: 'invalid_transition',
    req: post('/v1/subjects/req-x/events', { type: 'REQUEST_ENROLLED' }),
  },
  {
    name: 'expectedVersion as a string',
    status: 400,
    code: 'validation',
    target: 'expectedVersion',
    req: post('/v1/subjects/req-x/events', { type: 'REQUEST_CANCELED', expectedVersion: '1' }),
  },
  {
    name: 'expectedVersion zero',
    status: 400,
    code: 'validation',
    target: 'expectedVersion',
    req: post('/v1/subjects/req-x/events', { type: 'REQUEST_CANCELED', expectedVersion: 0 }),
  },
  {
    name: 'stale expectedVersion',
    status: 409,
    code: 'version_conflict',
    req: post('/v1/subjects/req-x/events', { type: 'REQUEST_CANCELED', expectedVersion: 99 }),
  },
  {
    name: 'data not an object',
    status: 400,
    code: 'validation',
    target: 'data',
    req: post('/v1/subjects/req-x/events', { type: 'REQUEST_CANCELED', data: 'x' }),
  },
  {
    name: 'certificates not an array',
    status: 400,
    code: 'validation',
    req: post('/v1/subjects/req-e/events', { type: 'REQUEST_ENROLLED', data: { certificates: 'many' } }),
  },
  {
    name: 'event on a subject that does not exist',
    status: 404,
    code: 'not_found',
    req: post('/v1/subjects/ghost/events', { type: 'REQUEST_CANCELED' }),
  },
  {
    name: 'event on a malformed subject id',
    status: 400,
    code: 'validation',
    req: post('/v1/subjects/%20bad/events', { type: 'REQUEST_CANCELED' }),
  },
  {
    name: 'Idempotency-Key too long',
    status: 400,
    code: 'validation',
    req: post('/v1/subjects', { workflow: 'fit-case' }, { 'idempotency-key': 'k'.repeat(300) }),
  },
  {
    name: 'body over the size limit',
    status: 413,
    code: 'payload_too_large',
    req: post('/v1/subjects', { workflow: 'fit-case', attributes: { blob: 'x'.repeat(1_100_000) } }),
  },
  {
    name: 'text/plain body',
    status: 415,
    code: 'unsupported_media_type',
    req: (auth) => ({
      method: 'POST',
      url: '/v1/subjects',
      headers: { ...auth, 'content-type': 'text/plain' },
      payload: 'workflow=fit-case',
    }),
  },
  {
    name: 'list limit above 500',
    status: 400,
    code: 'validation',
    target: 'limit',
    req: get('/v1/subjects?limit=501'),
  },
  {
    name: 'list limit not a number',
    status: 400,
    code: 'validation',
    target: 'limit',
    req: get('/v1/subjects?limit=ten'),
  },
  {
    name: 'list with an unknown query parameter',
    status: 400,
    code: 'validation',
    req: get('/v1/subjects?colour=red'),
  },
  {
    name: 'list with a forged cursor',
    status: 400,
    code: 'validation',
    target: 'cursor',
    req: get('/v1/subjects?cursor=bm90LWEtY3Vyc29y'),
  },
  { name: 'unknown route', status: 404, code: 'not_found', req: get('/v1/nothing-here') },
  {
    name: 'a method the route does not have',
    status: 404,
    code: 'not_found',
    req: (auth) => ({ method: 'DELETE', url: '/v1/workflows', headers: auth }),
  },
  {
    name: 'PATCH without attributes',
    status: 400,
    code: 'validation',
    req: (auth) => ({ method: 'PATCH', url: '/v1/subjects/req-x', headers: { ...auth, ...json }, payload: '{}' }),
  },
  {
    name: 'api key with an unknown scope',
    status: 400,
    code: 'validation',
    req: post('/v1/api-keys', { name: 'k', scopes: ['root'] }),
  },
  {
    name: 'revoking a malformed key id',
    status: 400,
    code: 'validation',
    req: (auth) => ({ method: 'DELETE', url: '/v1/api-keys/xyz', headers: auth }),
  },
  {
    name: 'tenant name empty (admin)',
    status: 400,
    code: 'validation',
    target: 'name',
    req: () => post('/v1/tenants', { name: '' })({ authorization: `Bearer ${ADMIN_TOKEN}` }),
  },
];

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`bad input: a clear 4xx in the error body, and nothing written (${backend.name})`, {
    skip: backend.skip,
  }, () => {
    let t: TestApp;
    let tenant: Awaited<ReturnType<TestApp['tenant']>>;
    before(async () => {
      t = await startTestApp(backend.env);
      tenant = await t.tenant();
      for (const payload of [
        { workflow: 'videoid-request', id: 'req-x' },
        { workflow: 'videoid-request', id: 'req-e' },
      ]) {
        await t.runtime.app.inject({ method: 'POST', url: '/v1/subjects', headers: tenant.auth, payload });
      }
      for (const type of ['VIDEOID_UPDATED', 'REQUEST_APPROVED']) {
        await t.runtime.app.inject({
          method: 'POST',
          url: '/v1/subjects/req-e/events',
          headers: tenant.auth,
          payload: { type, ...(type === 'VIDEOID_UPDATED' ? { to: 'VIDEOREVIEW' } : {}) },
        });
      }
    });
    after(() => t.close());

    /** Every row of every table a request could write. */
    async function snapshot() {
      const store = t.runtime.store;
      const tenants = await store.listTenants();
      const subjects = await store.listSubjects(tenant.id, { limit: 10_000 });
      const events = await store.listEvents(tenant.id, { limit: 10_000 });
      return JSON.stringify({
        tenants,
        subjects,
        events,
        keys: await store.listApiKeys(tenant.id),
        outbox: await store.countOutbox(),
      });
    }

    test(`the table has at least 30 cases (${CASES.length})`, () => assert.ok(CASES.length >= 30));

    for (const c of CASES) {
      test(`${c.name} → ${c.status} ${c.code}`, async () => {
        const before = await snapshot();
        const res = await t.runtime.app.inject(c.req(tenant.auth));
        assert.equal(res.statusCode, c.status, res.body);
        const body = res.json();
        assert.deepEqual(Object.keys(body).sort(), ['code', 'errors', 'message', 'target']);
        assert.equal(body.code, c.code);
        assert.ok(Array.isArray(body.errors));
        if (c.code === 'validation') assert.ok(body.errors.length > 0, 'validation errors name the field');
        if (c.target) {
          const targets = [body.target, ...body.errors.map((e: { target: string }) => e.target)];
          assert.ok(targets.includes(c.target), `target ${c.target} in ${res.body}`);
        }
        assert.ok(!res.body.includes(tenant.apiKey), 'no secret in the message');
        assert.equal(await snapshot(), before, 'nothing was written');
      });
    }

    test('fuzzed request bodies never produce a 5xx', async () => {
      const value = fc.jsonValue({ maxDepth: 3 });
      const body = fc.oneof(
        fc.record(
          {
            workflow: fc.oneof(
              fc.constantFrom('videoid-request', 'fit-submission', 'image-check', 'idv-transaction'),
              fc.string(),
            ),
            id: fc.option(fc.string()),
            parentId: fc.option(fc.string()),
            attributes: fc.option(fc.dictionary(fc.string(), value)),
            to: fc.option(fc.string()),
            data: fc.option(value),
          },
          { requiredKeys: [] },
        ),
        value,
      );
      const eventBody = fc.record(
        {
          type: fc.oneof(fc.constantFrom('VIDEOID_UPDATED', 'REQUEST_CANCELED', 'REQUEST_ENROLLED'), fc.string()),
          to: fc.option(fc.string()),
          data: fc.option(value),
          expectedVersion: fc.option(fc.oneof(fc.integer(), fc.string())),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(fc.boolean(), body, eventBody, async (toEvents, subjectBody, evt) => {
          const res = await t.runtime.app.inject({
            method: 'POST',
            url: toEvents ? '/v1/subjects/req-x/events' : '/v1/subjects',
            headers: { ...tenant.auth, ...json },
            payload: JSON.stringify(toEvents ? evt : subjectBody),
          });
          assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
          if (res.statusCode >= 400) assert.ok(typeof res.json().code === 'string');
        }),
        { numRuns: 300 },
      );
    });
  });
}
