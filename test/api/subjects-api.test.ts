import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`subjects and transitions over HTTP (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: { authorization: string };
    let tenantId: string;
    before(async () => {
      t = await startTestApp(backend.env);
      const tenant = await t.tenant();
      auth = tenant.auth;
      tenantId = tenant.id;
    });
    after(() => t.close());

    const inject = (
      method: 'GET' | 'POST' | 'PATCH',
      url: string,
      payload?: unknown,
      headers: Record<string, string> = {},
    ) =>
      t.runtime.app.inject({
        method,
        url,
        headers: { ...auth, ...headers },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });

    test("lists the nine built-in workflows and Tidings' own operational one with their states", async () => {
      const res = await inject('GET', '/v1/workflows');
      assert.equal(res.statusCode, 200);
      const names = (res.json().workflows as Array<{ name: string }>).map((w) => w.name).sort();
      assert.deepEqual(names, [
        'crypto-certificate-form',
        'crypto-signature',
        'fit-case',
        'fit-reply',
        'fit-submission',
        'idv-transaction',
        'image-check',
        'operational',
        'videoid-certificate',
        'videoid-request',
      ]);
      const one = await inject('GET', '/v1/workflows/videoid-request');
      assert.equal(one.statusCode, 200);
      assert.ok(one.json().states.includes('VIDEOREVIEW'));
      assert.ok(one.json().transitions.some((x: { type: string }) => x.type === 'REQUEST_APPROVED'));
      assert.equal((await inject('GET', '/v1/workflows/no-such')).json().code, 'not_found');
      const ops = (await inject('GET', '/v1/workflows/operational')).json() as {
        states: string[];
        transitions: Array<{ type: string; from: string[]; to: string }>;
      };
      assert.deepEqual(ops.states, ['healthy', 'failing', 'disabled', 'rotated', 'pruned']);
      // each kind of subject keeps to its own states: no event crosses from one kind to another
      const rotation = ops.transitions.filter((x) => x.type === 'signing-key.rotated');
      assert.deepEqual(
        rotation.map((x) => [x.from, x.to]),
        [[['rotated'], 'rotated']],
      );
      assert.ok(
        ops.transitions
          .filter((x) => x.type.startsWith('endpoint.') || x.type === 'delivery.dead-lettered')
          .every((x) => ![...x.from, x.to].some((s) => s === 'rotated' || s === 'pruned')),
      );
    });

    test('creating a subject records its creation event; transitions move it and return the event', async () => {
      const created = await inject('POST', '/v1/subjects', {
        workflow: 'videoid-request',
        id: 'req-1',
        attributes: { profile: 'PFnubeNC' },
      });
      assert.equal(created.statusCode, 201);
      assert.deepEqual(
        {
          id: created.json().id,
          status: created.json().status,
          version: created.json().version,
          parentId: created.json().parentId,
        },
        { id: 'req-1', status: 'VIDEOPENDING', version: 1, parentId: null },
      );
      const moved = await inject('POST', '/v1/subjects/req-1/events', { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' });
      assert.equal(moved.statusCode, 201);
      const event = moved.json();
      assert.equal(event.type, 'VIDEOID_UPDATED');
      assert.equal(event.from, 'VIDEOPENDING');
      assert.equal(event.to, 'VIDEOREVIEW');
      assert.equal(event.subjectVersion, 2);
      assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      const got = await inject('GET', '/v1/subjects/req-1');
      assert.equal(got.json().status, 'VIDEOREVIEW');
      assert.equal(got.json().version, 2);
      const events = await t.runtime.store.listEvents(tenantId, { subjectId: 'req-1', limit: 10 });
      assert.deepEqual(
        events.map((e) => [e.type, e.to]),
        [
          ['REQUEST_CREATED', 'VIDEOPENDING'],
          ['VIDEOID_UPDATED', 'VIDEOREVIEW'],
        ],
      );
    });

    test('the paperless path starts in CREATED when asked with `to`', async () => {
      const res = await inject('POST', '/v1/subjects', { workflow: 'videoid-request', to: 'CREATED' });
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().status, 'CREATED');
    });

    test('a transition the workflow forbids is 409 invalid_transition and changes nothing', async () => {
      await inject('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'req-2' });
      const before = await t.runtime.store.listEvents(tenantId, { limit: 1000 });
      const res = await inject('POST', '/v1/subjects/req-2/events', { type: 'REQUEST_ENROLLED' });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'invalid_transition');
      assert.match(res.json().message, /not allowed in status VIDEOPENDING/);
      assert.equal((await inject('GET', '/v1/subjects/req-2')).json().version, 1);
      assert.equal((await t.runtime.store.listEvents(tenantId, { limit: 1000 })).length, before.length);
    });

    test('a stale expectedVersion is 409 version_conflict; the right one passes', async () => {
      await inject('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'req-3' });
      const stale = await inject('POST', '/v1/subjects/req-3/events', { type: 'REQUEST_CANCELED', expectedVersion: 7 });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().code, 'version_conflict');
      const fresh = await inject('POST', '/v1/subjects/req-3/events', { type: 'REQUEST_CANCELED', expectedVersion: 1 });
      assert.equal(fresh.statusCode, 201);
      assert.equal(fresh.json().to, 'CANCELLED');
    });

    test('Idempotency-Key: a retry gets the same answer and writes nothing more; another body is refused', async () => {
      await inject('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'req-4' });
      const body = { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' };
      const first = await inject('POST', '/v1/subjects/req-4/events', body, { 'idempotency-key': 'k-1' });
      const second = await inject('POST', '/v1/subjects/req-4/events', body, { 'idempotency-key': 'k-1' });
      assert.equal(first.statusCode, 201);
      assert.equal(second.statusCode, 201);
      assert.deepEqual(second.json(), first.json());
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal((await t.runtime.store.listEvents(tenantId, { subjectId: 'req-4', limit: 10 })).length, 2);
      const other = await inject(
        'POST',
        '/v1/subjects/req-4/events',
        { type: 'VIDEOID_FAILED' },
        { 'idempotency-key': 'k-1' },
      );
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().code, 'idempotency_conflict');
    });

    test('concurrent retries with one Idempotency-Key commit once', async () => {
      await inject('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'req-5' });
      const body = { type: 'VIDEOID_UPDATED', to: 'VIDEOINCOMPLETE' };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          inject('POST', '/v1/subjects/req-5/events', body, { 'idempotency-key': 'same' }),
        ),
      );
      assert.ok(answers.every((a) => a.statusCode === 201));
      assert.equal(new Set(answers.map((a) => a.json().id)).size, 1);
      assert.equal((await t.runtime.store.listEvents(tenantId, { subjectId: 'req-5', limit: 10 })).length, 2);
    });

    test('REQUEST_ENROLLED with certificates creates the certificate subjects in the same commit', async () => {
      await inject('POST', '/v1/subjects', { workflow: 'videoid-request', id: 'req-6' });
      await inject('POST', '/v1/subjects/req-6/events', { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' });
      await inject('POST', '/v1/subjects/req-6/events', { type: 'REQUEST_APPROVED' });
      const enrolled = await inject('POST', '/v1/subjects/req-6/events', {
        type: 'REQUEST_ENROLLED',
        data: {
          certificates: [{ serial_number: '7A3F00C1', valid_from: '20260115 10:00:00', valid_to: '20280115 10:00:00' }],
        },
      });
      assert.equal(enrolled.statusCode, 201, enrolled.body);
      const children = await inject('GET', '/v1/subjects?parentId=req-6');
      assert.equal(children.statusCode, 200);
      const certs = children.json().subjects as Array<{
        workflow: string;
        status: string;
        attributes: { serial_number: string };
      }>;
      assert.deepEqual(
        certs.map((c) => [c.workflow, c.status, c.attributes.serial_number]),
        [['videoid-certificate', 'VALID', '7A3F00C1']],
      );
    });

    test('FIT-Connect event URIs are the same event types as their short names', async () => {
      await inject('POST', '/v1/subjects', { workflow: 'fit-case', id: 'case-1' });
      const sub = await inject('POST', '/v1/subjects', { workflow: 'fit-submission', id: 'sub-1', parentId: 'case-1' });
      assert.equal(sub.statusCode, 201, sub.body);
      assert.equal(sub.json().status, 'incomplete');
      const submitted = await inject('POST', '/v1/subjects/sub-1/events', {
        type: 'https://schema.fitko.de/fit-connect/events/submit-submission',
        data: {
          authenticationTags: { metadata: 'XFBoMYUZodetZdvTiFvSkQ', data: 'UCGiqJxhBI3IFVdPalHHvA', attachments: {} },
        },
      });
      assert.equal(submitted.statusCode, 201, submitted.body);
      assert.equal(submitted.json().type, 'submit-submission');
      assert.equal(submitted.json().to, 'submitted');
      const orphan = await inject('POST', '/v1/subjects', { workflow: 'fit-submission' });
      assert.equal(orphan.statusCode, 400);
      assert.equal(orphan.json().errors[0].target, 'parentId');
    });

    test('image checks: Gallery images go straight to Accepted, Custom ones wait in Pending', async () => {
      const gallery = await inject('POST', '/v1/subjects', {
        workflow: 'image-check',
        attributes: { ImageType: 'Gallery', Orientation: 'Vertical' },
      });
      assert.equal(gallery.json().status, 'Accepted');
      const custom = await inject('POST', '/v1/subjects', {
        workflow: 'image-check',
        attributes: { ImageType: 'Custom', Orientation: 'Horizontal' },
      });
      assert.equal(custom.json().status, 'Pending');
    });

    test('listing pages with a cursor and filters by workflow and status', async () => {
      for (let i = 0; i < 5; i++)
        await inject('POST', '/v1/subjects', { workflow: 'crypto-certificate-form', id: `form-${i}` });
      const page1 = await inject('GET', '/v1/subjects?workflow=crypto-certificate-form&limit=3');
      assert.equal(page1.statusCode, 200);
      assert.equal(page1.json().subjects.length, 3);
      const page2 = await inject(
        'GET',
        `/v1/subjects?workflow=crypto-certificate-form&limit=3&cursor=${page1.json().nextCursor}`,
      );
      assert.deepEqual(
        [...page1.json().subjects, ...page2.json().subjects].map((s: { id: string }) => s.id),
        ['form-0', 'form-1', 'form-2', 'form-3', 'form-4'],
      );
      assert.equal(page2.json().nextCursor, null);
      const byStatus = await inject('GET', '/v1/subjects?status=CANCELLED');
      assert.ok(byStatus.json().subjects.every((s: { status: string }) => s.status === 'CANCELLED'));
    });

    test('PATCH merges attributes and refuses to change immutable ones', async () => {
      const brand = '3f2b8c1e-8a57-4d5e-9d3c-0f1e2d3c4b5a';
      const created = await inject('POST', '/v1/subjects', {
        workflow: 'idv-transaction',
        id: 'tx-1',
        attributes: { brand_id: brand, workflow_id: '9d2b8c1e-8a57-4d5e-9d3c-0f1e2d3c4b5a', opaque_id: 'loan-42' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const ok = await inject('PATCH', '/v1/subjects/tx-1', { attributes: { language: 'english' } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().attributes.language, 'english');
      assert.equal(ok.json().version, 2);
      const refused = await inject('PATCH', '/v1/subjects/tx-1', { attributes: { opaque_id: 'other' } });
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().errors[0].target, 'attributes.opaque_id');
      assert.equal((await inject('GET', '/v1/subjects/tx-1')).json().attributes.opaque_id, 'loan-42');
    });

    test('health, readiness, metrics and the OpenAPI document answer without auth', async () => {
      const app = t.runtime.app;
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
      assert.deepEqual((await app.inject({ url: '/readyz' })).json(), { status: 'ready', storage: backend.name });
      const metrics = await app.inject({ url: '/metrics' });
      assert.match(metrics.body, /tidings_transitions_total\{workflow="videoid-request",type="REQUEST_CREATED"\} \d+/);
      assert.match(metrics.body, /tidings_http_requests_total/);
      const doc = (await app.inject({ url: '/openapi.json' })).json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/v1/subjects/{id}/events']);
      const ui = await app.inject({ url: '/docs/' });
      assert.equal(ui.statusCode, 200);
      assert.match(ui.headers['content-type'] as string, /text\/html/);
    });
  });
}
