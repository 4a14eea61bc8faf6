import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { moveParcel, newTenant, openParcel, patchParcel, subjectOf } from '../parcel-workflow.js';
import { type ContractContext, commitOk } from './context.js';

const DAY_MS = 86_400_000;
const plusDay = (iso: string, ms = 0) => new Date(Date.parse(iso) + DAY_MS + ms).toISOString();

export function timersContract(ctx: ContractContext): void {
  describe('timers', () => {
    test('dueTimers returns the timers due by now, earliest first', async () => {
      const { tenant } = await newTenant(ctx.store);
      const shipped: string[] = [];
      for (const id of ['t1', 't2', 't3']) {
        const opened = openParcel(ctx.tick(), tenant.id, { id });
        await commitOk(ctx.store, tenant.id, opened);
        const ship = moveParcel(ctx.tick(), subjectOf(opened), 'parcel-shipped');
        await commitOk(ctx.store, tenant.id, ship);
        shipped.push(subjectOf(ship).statusChangedAt);
      }
      const due = async (now: string, limit = 100_000) =>
        (await ctx.store.dueTimers(now, limit)).filter((t) => t.tenantId === tenant.id);
      assert.deepEqual(await due(plusDay(shipped[0]!, -1)), []);
      assert.deepEqual(
        (await due(plusDay(shipped[1]!))).map((t) => [t.subjectId, t.dueAt]),
        [
          ['t1', plusDay(shipped[0]!)],
          ['t2', plusDay(shipped[1]!)],
        ],
      );
      const all = await ctx.store.dueTimers('2100-01-01T00:00:00.000Z', 100_000);
      const ours = all.filter((t) => t.tenantId === tenant.id);
      assert.deepEqual(
        ours.map((t) => t.subjectId),
        ['t1', 't2', 't3'],
      );
      assert.deepEqual(
        all.map((t) => t.dueAt),
        all.map((t) => t.dueAt).sort(),
      );
    });

    test('deleteTimer removes the timer only at the version it was armed at', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id);
      await commitOk(ctx.store, tenant.id, opened);
      const ship = moveParcel(ctx.tick(), subjectOf(opened), 'parcel-shipped');
      await commitOk(ctx.store, tenant.id, ship);
      const id = subjectOf(ship).id;
      const ours = async () =>
        (await ctx.store.dueTimers('2100-01-01T00:00:00.000Z', 100_000)).filter((t) => t.tenantId === tenant.id);
      await ctx.store.deleteTimer(tenant.id, id, 1);
      assert.equal((await ours()).length, 1);
      await ctx.store.deleteTimer(tenant.id, id, 2);
      assert.deepEqual(await ours(), []);
    });

    test('a write of the subject replaces or disarms its timer', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id);
      await commitOk(ctx.store, tenant.id, opened);
      const ours = async () =>
        (await ctx.store.dueTimers('2100-01-01T00:00:00.000Z', 100_000)).filter((t) => t.tenantId === tenant.id);
      assert.deepEqual(await ours(), []);
      const ship = moveParcel(ctx.tick(), subjectOf(opened), 'parcel-shipped');
      await commitOk(ctx.store, tenant.id, ship);
      const [armed] = await ours();
      assert.equal(armed?.subjectVersion, 2);
      // an attribute change keeps the timer (same due time) re-armed at the new version
      const patch = patchParcel(ctx.tick(), subjectOf(ship), { note: 'fragile' });
      await commitOk(ctx.store, tenant.id, patch);
      assert.deepEqual(await ours(), [{ ...armed, subjectVersion: 3 }]);
      await commitOk(ctx.store, tenant.id, moveParcel(ctx.tick(), subjectOf(patch), 'parcel-delivered'));
      assert.deepEqual(await ours(), []);
    });
  });
}
