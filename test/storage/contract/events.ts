import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { StoredEvent } from '../../../src/events/event.js';
import { moveParcel, newTenant, openParcel, subjectOf } from '../parcel-workflow.js';
import { type ContractContext, commitOk } from './context.js';

export function eventsContract(ctx: ContractContext): void {
  describe('event log', () => {
    /** Two parcels taken through their lives, interleaved: 7 events. */
    const history = async (tenantId: string) => {
      const committed: StoredEvent[] = [];
      const a = openParcel(ctx.tick(), tenantId, { id: 'a', data: { z: 1, a: { y: 'é', x: [null] } } });
      const b = openParcel(ctx.tick(), tenantId, { id: 'b' });
      committed.push(...(await commitOk(ctx.store, tenantId, a)));
      committed.push(...(await commitOk(ctx.store, tenantId, b)));
      const shipA = moveParcel(ctx.tick(), subjectOf(a), 'parcel-shipped');
      const packB = moveParcel(ctx.tick(), subjectOf(b), 'parcel-packed', { items: [{ n: 1 }, { n: 2 }] });
      committed.push(...(await commitOk(ctx.store, tenantId, shipA)));
      committed.push(...(await commitOk(ctx.store, tenantId, packB)));
      const deliverA = moveParcel(ctx.tick(), subjectOf(shipA), 'parcel-delivered', { signedBy: 'Ada' });
      committed.push(...(await commitOk(ctx.store, tenantId, deliverA)));
      return committed;
    };

    test('listEvents pages by afterSequence and returns events exactly as committed', async () => {
      const { tenant } = await newTenant(ctx.store);
      const committed = await history(tenant.id);
      assert.deepEqual(
        committed.map((e) => e.sequence),
        [1, 2, 3, 4, 5, 6, 7],
      );
      const pages: StoredEvent[][] = [];
      let after = 0;
      for (;;) {
        const page = await ctx.store.listEvents(tenant.id, { afterSequence: after, limit: 3 });
        if (page.length === 0) break;
        pages.push(page);
        after = page[page.length - 1]!.sequence;
      }
      assert.deepEqual(
        pages.map((p) => p.length),
        [3, 3, 1],
      );
      assert.deepEqual(pages.flat(), committed);
      assert.equal(JSON.stringify(pages[0]?.[0]?.data), '{"z":1,"a":{"y":"é","x":[null]}}');
      assert.deepEqual(await ctx.store.listEvents(tenant.id, { limit: 2 }), committed.slice(0, 2));
    });

    test('listEvents by subject gives that subject its own log', async () => {
      const { tenant } = await newTenant(ctx.store);
      const committed = await history(tenant.id);
      const ofA = committed.filter((e) => e.subjectId === 'a');
      assert.deepEqual(
        ofA.map((e) => e.type),
        ['parcel-opened', 'parcel-shipped', 'parcel-delivered'],
      );
      assert.deepEqual(await ctx.store.listEvents(tenant.id, { subjectId: 'a', limit: 10 }), ofA);
      assert.deepEqual(
        await ctx.store.listEvents(tenant.id, { subjectId: 'a', afterSequence: ofA[0]!.sequence, limit: 1 }),
        [ofA[1]],
      );
      assert.deepEqual(await ctx.store.listEvents(tenant.id, { subjectId: 'nobody', limit: 10 }), []);
    });

    test("getEvent finds an event by id, never another tenant's", async () => {
      const { tenant } = await newTenant(ctx.store);
      const other = await newTenant(ctx.store);
      const [event] = await commitOk(ctx.store, tenant.id, openParcel(ctx.tick(), tenant.id));
      assert.ok(event);
      assert.deepEqual(await ctx.store.getEvent(tenant.id, event.id), event);
      assert.equal(await ctx.store.getEvent(other.tenant.id, event.id), null);
      assert.equal(await ctx.store.getEvent(tenant.id, '00000000-0000-7000-8000-000000000000'), null);
    });

    test('each committed event adds one outbox row', async () => {
      const { tenant } = await newTenant(ctx.store);
      const before = await ctx.store.countOutbox();
      const committed = await history(tenant.id);
      assert.equal(await ctx.store.countOutbox(), before + committed.length);
    });
  });
}
