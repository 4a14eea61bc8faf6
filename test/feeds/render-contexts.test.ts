import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadRenderContextsById } from '../../src/feeds/render-contexts.js';
import { loadRenderContext } from '../../src/formats/load-render-context.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { client, fitCaseWithSubmission } from './pull-kit.js';

let t: TestApp;
let tenant: Awaited<ReturnType<TestApp['tenant']>>;
before(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  const api = client(t, tenant.auth);
  const ok = (res: { statusCode: number; body: string }) => assert.equal(res.statusCode, 201, res.body);
  ok(await api.post('/v1/subjects', { workflow: 'videoid-request', id: 'req' }));
  ok(await api.post('/v1/subjects/req/events', { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' }));
  ok(await api.post('/v1/subjects/req/events', { type: 'REQUEST_APPROVED' }));
  const cert = (serial: string) => ({
    serial_number: serial,
    valid_from: '20260115 10:00:00',
    valid_to: '20280115 10:00:00',
  });
  ok(
    await api.post('/v1/subjects/req/events', {
      type: 'REQUEST_ENROLLED',
      data: { certificates: [cert('A1'), cert('B2')] },
    }),
  );
  const certs = (await api.get('/v1/subjects?parentId=req')).json().subjects as Array<{ id: string }>;
  ok(await api.post(`/v1/subjects/${certs[0]?.id}/events`, { type: 'CERTIFICATE_SUSPENDED' }));
  await fitCaseWithSubmission(t, tenant.auth, 'case-1', 'sub-1');
});
after(() => t.close());

test('a batch of render contexts equals loading each one alone (push preloads a lease this way)', async () => {
  const store = t.runtime.store;
  const events = await store.listEvents(tenant.id, { limit: 100 });
  assert.ok(
    events.some((e) => e.workflow === 'videoid-certificate') && events.some((e) => e.workflow === 'fit-submission'),
  );
  const issuer = t.config.issuer;
  const batch = await loadRenderContextsById(
    t.runtime.pull.storage.feed,
    tenant.id,
    [...events.map((e) => e.id), 'gone'],
    issuer,
  );
  assert.equal(batch.size, events.length, 'an unknown event id is left out');
  for (const event of events) {
    assert.deepEqual(
      batch.get(event.id),
      await loadRenderContext(store, event, issuer),
      `${event.workflow} ${event.type}`,
    );
  }
});
