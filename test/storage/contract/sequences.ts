import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { newTenant, openParcel } from '../parcel-workflow.js';
import { type ContractContext, commitOk, range } from './context.js';

export function sequencesContract(ctx: ContractContext): void {
  describe('sequence numbers', () => {
    test('are gap-free per tenant across many commits of two interleaved tenants', async () => {
      const a = (await newTenant(ctx.store)).tenant.id;
      const b = (await newTenant(ctx.store)).tenant.id;
      const given: Record<string, number[]> = { [a]: [], [b]: [] };
      for (let i = 0; i < 30; i++) {
        const tenantId = i % 3 === 0 ? b : a;
        const events = await commitOk(ctx.store, tenantId, openParcel(ctx.tick(), tenantId));
        given[tenantId]?.push(...events.map((e) => e.sequence));
      }
      assert.deepEqual(given[a], range(20));
      assert.deepEqual(given[b], range(10));
      const listed = async (tenantId: string) =>
        (await ctx.store.listEvents(tenantId, { limit: 100 })).map((e) => e.sequence);
      assert.deepEqual(await listed(a), range(20));
      assert.deepEqual(await listed(b), range(10));
    });

    test('50 concurrent commits to one tenant get exactly 1..50', async () => {
      const { tenant } = await newTenant(ctx.store);
      const changes = range(50).map(() => openParcel(ctx.tick(), tenant.id));
      const results = await Promise.all(changes.map((c) => commitOk(ctx.store, tenant.id, c)));
      const given = results.flat().map((e) => e.sequence);
      assert.deepEqual(
        [...given].sort((x, y) => x - y),
        range(50),
      );
      // the log holds each committed event under the number its commit answered
      const bySequence = new Map(results.flat().map((e) => [e.sequence, e.id]));
      const log = await ctx.store.listEvents(tenant.id, { limit: 100 });
      assert.deepEqual(
        log.map((e) => [e.sequence, e.id]),
        range(50).map((n) => [n, bySequence.get(n)]),
      );
    });
  });
}
