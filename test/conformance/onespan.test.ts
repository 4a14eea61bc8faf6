/**
 * Seed 001, OneSpan Identity Verification transaction model, as a OneSpan
 * integrator reads it: the transaction notification's fields under the model's
 * names, and the consent text served rendered by the seed's display rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { ADMIN_TOKEN, fakeClock, startTestApp, type TestApp } from '../helpers/test-runtime.js';

const TX = '0f8b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

describe('OneSpan transaction notifications and consent text, seed 001', () => {
  let t: TestApp;
  let receiver: Receiver;
  let tenant: { id: string; auth: { authorization: string } };
  const clock = fakeClock('2026-03-01T08:00:00.000Z');
  before(async () => {
    t = await startTestApp({}, { clock: clock.now });
    t.runtime.startWorkers();
    receiver = await startReceiver();
    tenant = await t.tenant();
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });
  const request = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.runtime.app.inject({ method, url, headers: tenant.auth, ...(payload ? { payload } : {}) });

  test('"version ... Propriété en lecture seule. Valeur par défaut : 0"; tenant_id from the credentials; created and status_changed', async () => {
    assert.equal((await request('POST', '/v1/endpoints', { url: receiver.url, format: 'onespan' })).statusCode, 201);
    const created = await request('POST', '/v1/subjects', {
      workflow: 'idv-transaction',
      id: TX,
      attributes: { opaque_id: 'ext-1', language: 'english' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const [first] = await receiver.waitFor(1);
    const body = JSON.parse(first!.body);
    assert.equal(body.version, 0, 'a new transaction is version 0');
    assert.equal(body.status, 'new', '"status ... Valeur par défaut : new"');
    assert.equal(body.tenant_id, tenant.id, '"le locataire est identifié par le JWT fourni avec la demande"');
    assert.match(body.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(body.status_changed, body.created);
    assert.equal(body.transaction_id, TX);
    assert.equal(body.opaque_id, 'ext-1');
  });

  test('the consent text is served rendered: links open a new tab, HTML is escaped, line breaks kept', async () => {
    const id = '1f8b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
    const text = 'I accept <URL link="https://bank.example/terms">the terms</URL> & <b>conditions</b>\nThank you';
    const res = await request('POST', '/v1/subjects', {
      workflow: 'idv-transaction',
      id,
      attributes: { language: 'english', configuration: { consent: { type: 'explicit', text } } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const served = await request('GET', `/v1/subjects/${id}/consent-text`);
    assert.equal(served.statusCode, 200, served.body);
    const body = served.json();
    assert.equal(body.language, 'english');
    assert.equal(body.source, text);
    assert.match(body.text, /<a href="https:\/\/bank\.example\/terms"[^>]*target="_blank"[^>]*>the terms<\/a>/);
    assert.match(body.text, /&amp; &lt;b&gt;conditions&lt;\/b&gt;/);
    assert.ok(!body.text.includes('<b>'));
    assert.equal((await request('GET', `/v1/subjects/${TX}/consent-text`)).statusCode, 404, 'no consent text: 404');
  });

  test('"expiry_period ... Si elle n\'est pas fournie, la valeur par défaut spécifiée dans la configuration du locataire sera utilisée": it expires', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const set = await t.runtime.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenant.id}`,
      headers: admin,
      payload: { settings: { defaultExpiryPeriodDays: 10 } },
    });
    assert.equal(set.statusCode, 200, set.body);
    const id = '2f8b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
    const created = await request('POST', '/v1/subjects', { workflow: 'idv-transaction', id, attributes: {} });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().attributes.expiry_period, 10, "the tenant's configured default");
    clock.advance(10 * 86_400_000);
    assert.equal(await t.runtime.timers.runOnce(), 1);
    const pushed = () => receiver.received.find((r) => r.body.includes(`"${id}"`) && r.body.includes('"expired"'));
    for (let n = receiver.received.length + 1; !pushed(); n++) await receiver.waitFor(n, 20_000);
    const body = JSON.parse(pushed()!.body);
    assert.deepEqual([body.transaction_id, body.status, body.previous_status], [id, 'expired', 'new']);
  });
});
