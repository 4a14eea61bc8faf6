import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { ApiKeyRecord } from '../../../src/storage/store.js';
import { newTenant, openParcel } from '../parcel-workflow.js';
import type { ContractContext } from './context.js';

const key = (tenantId: string, id: string, createdAt: string): ApiKeyRecord => ({
  id,
  tenantId,
  name: id,
  secretHash: 'b'.repeat(64),
  scopes: [],
  createdAt,
  revokedAt: null,
});

export function tenantsContract(ctx: ContractContext): void {
  describe('tenants and API keys', () => {
    test('createTenant stores the tenant and its first key as given', async () => {
      const { tenant, key: first } = await newTenant(ctx.store, 'Registration desk');
      // A tenant created without settings reads back with none set (every setting at its default).
      const stored = { ...tenant, settings: {} };
      assert.deepEqual(await ctx.store.getTenant(tenant.id), stored);
      assert.deepEqual(await ctx.store.getApiKey(first.id), first);
      assert.deepEqual(await ctx.store.listApiKeys(tenant.id), [first]);
      const listed = await ctx.store.listTenants();
      assert.deepEqual(
        listed.find((t) => t.id === tenant.id),
        stored,
      );
    });

    test('setTenantSettings replaces the stored settings; null for an unknown tenant', async () => {
      const { tenant } = await newTenant(ctx.store);
      const updated = await ctx.store.setTenantSettings(tenant.id, { defaultExpiryPeriodDays: 7 });
      assert.deepEqual(updated, { ...tenant, settings: { defaultExpiryPeriodDays: 7 } });
      assert.deepEqual((await ctx.store.getTenant(tenant.id))?.settings, { defaultExpiryPeriodDays: 7 });
      assert.deepEqual((await ctx.store.setTenantSettings(tenant.id, {}))?.settings, {});
      assert.equal(await ctx.store.setTenantSettings('ten_missing', { defaultExpiryPeriodDays: 7 }), null);
    });

    test('unknown tenants and keys are null', async () => {
      assert.equal(await ctx.store.getTenant('ten_missing'), null);
      assert.equal(await ctx.store.getApiKey('key_missing'), null);
      assert.deepEqual(await ctx.store.listApiKeys('ten_missing'), []);
    });

    test('createTenant with a taken id fails and does not store its key', async () => {
      const { tenant } = await newTenant(ctx.store);
      const second = key(tenant.id, `key_${tenant.id}_2`, tenant.createdAt);
      await assert.rejects(ctx.store.createTenant({ ...tenant, name: 'Impostor' }, second));
      assert.equal(await ctx.store.getApiKey(second.id), null);
      assert.equal((await ctx.store.getTenant(tenant.id))?.name, tenant.name);
    });

    test('listTenants is ordered by creation time, then id', async () => {
      const a = await newTenant(ctx.store);
      const b = await newTenant(ctx.store);
      const ids = (await ctx.store.listTenants()).map((t) => t.id);
      assert.ok(ids.indexOf(a.tenant.id) < ids.indexOf(b.tenant.id));
    });

    test("listApiKeys lists one tenant's keys, oldest first", async () => {
      const { tenant, key: first } = await newTenant(ctx.store);
      const other = await newTenant(ctx.store);
      const later = key(tenant.id, `key_${tenant.id}_later`, '2031-06-01T12:00:00.123Z');
      const earlier = key(tenant.id, `key_${tenant.id}_earlier`, '2029-06-01T12:00:00.001Z');
      await ctx.store.createApiKey(later);
      await ctx.store.createApiKey(earlier);
      await ctx.store.createApiKey(key(other.tenant.id, `key_${other.tenant.id}_x`, '2029-01-01T00:00:00.000Z'));
      assert.deepEqual(await ctx.store.listApiKeys(tenant.id), [earlier, first, later]);
    });

    test('revokeApiKey revokes once, and only within its tenant', async () => {
      const { tenant, key: first } = await newTenant(ctx.store);
      const other = await newTenant(ctx.store);
      const at = '2030-02-03T04:05:06.789Z';
      assert.equal(await ctx.store.revokeApiKey(other.tenant.id, first.id, at), false);
      assert.equal((await ctx.store.getApiKey(first.id))?.revokedAt, null);
      assert.equal(await ctx.store.revokeApiKey(tenant.id, first.id, at), true);
      assert.equal(await ctx.store.revokeApiKey(tenant.id, first.id, '2031-01-01T00:00:00.000Z'), false);
      assert.deepEqual(await ctx.store.getApiKey(first.id), { ...first, revokedAt: at });
    });

    test('after close, calls fail instead of hanging', async () => {
      const { tenant } = await newTenant(ctx.store);
      await ctx.store.close();
      await assert.rejects(ctx.store.commit(tenant.id, openParcel(ctx.tick(), tenant.id)));
      await assert.rejects(ctx.store.getTenant(tenant.id));
      await assert.rejects(ctx.store.ping());
    });

    test('claimPortalLink claims a link once, also when claims race, and forgets expired ones', async () => {
      const jti = `link-${Math.random()}`;
      const at = '2026-03-01T10:00:00.000Z';
      const until = '2026-03-01T11:00:00.000Z';
      const raced = await Promise.all([1, 2, 3].map(() => ctx.store.claimPortalLink(jti, until, at)));
      assert.deepEqual(raced.sort(), [false, false, true]);
      assert.equal(await ctx.store.claimPortalLink(jti, until, at), false);
      // Once expired the record is dropped (the link itself no longer verifies by then).
      assert.equal(await ctx.store.claimPortalLink(`other-${jti}`, until, '2026-03-01T11:00:00.001Z'), true);
      assert.equal(await ctx.store.claimPortalLink(jti, '2026-03-01T13:00:00.000Z', '2026-03-01T12:00:00.000Z'), true);
    });

    test('ping answers and migrate can run again', async () => {
      await ctx.store.ping();
      await ctx.store.migrate();
      await ctx.store.ping();
    });
  });
}
