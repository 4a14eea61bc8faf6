/**
 * Seed 001 (OneSpan transaction model): `expiry_period` takes its default
 * "from the tenant configuration". A transaction created with neither
 * `expiry_timestamp` nor `expiry_period` gets the tenant's
 * `defaultExpiryPeriodDays` (default 30, settable with PATCH /v1/tenants/{id}),
 * so it expires through the timer like any other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_TOKEN,
  dropBackends,
  fakeClock,
  startTestApp,
  type TestApp,
  type TestBackend,
  testBackends,
} from '../helpers/test-runtime.js';

const DAY = 86_400_000;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const IDS = { brand_id: '3f2b8c1e-8a57-4d5e-9d3c-0f1e2d3c4b5a', workflow_id: '9d2b8c1e-8a57-4d5e-9d3c-0f1e2d3c4b5a' };

const backends: TestBackend[] = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`tenant settings and the OneSpan default expiry (${backend.name})`, { skip: backend.skip }, () => {
    const clock = fakeClock('2026-03-01T08:00:00.000Z');
    let t: TestApp;
    let tenant: { id: string; auth: { authorization: string } };
    before(async () => {
      t = await startTestApp(backend.env, { clock: clock.now });
      tenant = await t.tenant();
    });
    after(() => t.close());
    const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: object, payload?: object) =>
      t.runtime.app.inject({
        method,
        url,
        headers: headers as Record<string, string>,
        ...(payload ? { payload } : {}),
      });
    const transaction = async (id: string, attributes: object = {}, auth = tenant.auth) => {
      const res = await inject('POST', '/v1/subjects', auth, {
        workflow: 'idv-transaction',
        id,
        attributes: { ...IDS, ...attributes },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { attributes: Record<string, unknown> };
    };
    const status = async (id: string, auth = tenant.auth) =>
      (await inject('GET', `/v1/subjects/${id}`, auth)).json().status as string;

    test('a tenant shows its settings with the documented default, 30 days', async () => {
      const res = await inject('GET', `/v1/tenants/${tenant.id}`, admin);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().settings, { defaultExpiryPeriodDays: 30 });
      const list = (await inject('GET', '/v1/tenants', admin)).json().tenants as Array<{
        id: string;
        settings: object;
      }>;
      assert.deepEqual(list.find((x) => x.id === tenant.id)?.settings, { defaultExpiryPeriodDays: 30 });
    });

    test('with neither expiry field, the transaction gets the default and expires 30 days after creation', async () => {
      const created = await transaction('tx-default');
      assert.equal(created.attributes.expiry_period, 30);
      clock.advance(30 * DAY - 1000);
      await t.runtime.timers.runOnce();
      assert.equal(await status('tx-default'), 'new');
      clock.advance(1000);
      assert.equal(await t.runtime.timers.runOnce(), 1);
      assert.equal(await status('tx-default'), 'expired');
    });

    test('PATCH sets the default; new transactions take it, earlier ones keep theirs', async () => {
      const earlier = await transaction('tx-before');
      const res = await inject('PATCH', `/v1/tenants/${tenant.id}`, admin, {
        settings: { defaultExpiryPeriodDays: 2 },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().settings, { defaultExpiryPeriodDays: 2 });
      assert.deepEqual((await inject('GET', `/v1/tenants/${tenant.id}`, admin)).json().settings, {
        defaultExpiryPeriodDays: 2,
      });
      const later = await transaction('tx-after');
      assert.equal(earlier.attributes.expiry_period, 30);
      assert.equal(later.attributes.expiry_period, 2);
      clock.advance(2 * DAY);
      await t.runtime.timers.runOnce();
      assert.equal(await status('tx-after'), 'expired');
      assert.equal(await status('tx-before'), 'new');
    });

    test("the caller's own expiry_timestamp or expiry_period wins; no default is added then", async () => {
      const at = new Date(clock.now().getTime() + 7 * DAY).toISOString();
      const timestamped = await transaction('tx-ts', { expiry_timestamp: at });
      assert.equal(timestamped.attributes.expiry_period, undefined);
      const period = await transaction('tx-period', { expiry_period: 9 });
      assert.equal(period.attributes.expiry_period, 9);
      clock.advance(7 * DAY);
      await t.runtime.timers.runOnce();
      assert.equal(await status('tx-ts'), 'expired', 'expires at its own timestamp, not after the 2-day default');
      assert.equal(await status('tx-period'), 'new');
    });

    test('a tenant created with settings has them; other tenants keep the default', async () => {
      const res = await inject('POST', '/v1/tenants', admin, {
        name: 'Short-lived',
        settings: { defaultExpiryPeriodDays: 1 },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().settings, { defaultExpiryPeriodDays: 1 });
      const auth = { authorization: `Bearer ${res.json().apiKey}` };
      assert.equal((await transaction('tx-short', {}, auth)).attributes.expiry_period, 1);
      const other = await t.tenant('Other');
      assert.deepEqual((await inject('GET', `/v1/tenants/${other.id}`, admin)).json().settings, {
        defaultExpiryPeriodDays: 30,
      });
    });

    test('bad settings are 400 validation and change nothing; unknown tenants 404; tenants cannot set them', async () => {
      for (const settings of [
        { defaultExpiryPeriodDays: 0 },
        { defaultExpiryPeriodDays: 36_501 },
        { defaultExpiryPeriodDays: 1.5 },
        { defaultExpiryPeriodDays: '3' },
        { somethingElse: 1 },
      ]) {
        const res = await inject('PATCH', `/v1/tenants/${tenant.id}`, admin, { settings });
        assert.equal(res.statusCode, 400, `${JSON.stringify(settings)}: ${res.body}`);
        assert.equal(res.json().code, 'validation');
      }
      assert.deepEqual((await inject('GET', `/v1/tenants/${tenant.id}`, admin)).json().settings, {
        defaultExpiryPeriodDays: 2,
      });
      assert.equal((await inject('GET', '/v1/tenants/no-such-tenant', admin)).statusCode, 404);
      const patchUnknown = await inject('PATCH', '/v1/tenants/no-such-tenant', admin, { settings: {} });
      assert.equal(patchUnknown.statusCode, 404);
      const byTenant = await inject('PATCH', `/v1/tenants/${tenant.id}`, tenant.auth, {
        settings: { defaultExpiryPeriodDays: 5 },
      });
      assert.ok([401, 403].includes(byTenant.statusCode), byTenant.body);
    });
  });
}
