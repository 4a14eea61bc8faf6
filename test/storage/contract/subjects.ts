import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { Subject } from '../../../src/subjects/subject.js';
import { moveParcel, newTenant, openParcel, subjectOf } from '../parcel-workflow.js';
import { type ContractContext, commitOk } from './context.js';

/** Attributes that catch lossy JSON storage: key order, escapes, odd numbers, deep nesting. */
const TRICKY_ATTRIBUTES = {
  zeta: 1,
  alpha: { b: [1, 'two', null, { y: false, x: true }], a: 0.1 },
  text: 'nul\u0000 tab\t quote" backslash\\ é 🚀 lone\ud800 end',
  big: 12345678901234567000,
  tiny: 5e-324,
  huge: 1e21,
  negative: -0.5,
  empty: {},
  list: [],
};

const stored = (s: Subject): Subject => ({ ...s, erasedAt: null });

export function subjectsContract(ctx: ContractContext): void {
  describe('subjects', () => {
    test('a created subject reads back exactly as written, JSON text and timestamps included', async () => {
      const { tenant } = await newTenant(ctx.store);
      const change = openParcel(ctx.tick(), tenant.id, { attributes: TRICKY_ATTRIBUTES });
      await commitOk(ctx.store, tenant.id, change);
      const got = await ctx.store.getSubject(tenant.id, subjectOf(change).id);
      assert.deepEqual(got, stored(subjectOf(change)));
      assert.equal(JSON.stringify(got?.attributes), JSON.stringify(TRICKY_ATTRIBUTES));
      assert.equal(got?.createdAt, '2030-01-01T00:00:01.000Z');
    });

    test("getSubject never shows another tenant's subject", async () => {
      const a = await newTenant(ctx.store);
      const b = await newTenant(ctx.store);
      const change = openParcel(ctx.tick(), a.tenant.id, { id: 'shared-id' });
      await commitOk(ctx.store, a.tenant.id, change);
      assert.equal(await ctx.store.getSubject(b.tenant.id, 'shared-id'), null);
      // the same id is free in another tenant
      await commitOk(ctx.store, b.tenant.id, openParcel(ctx.tick(), b.tenant.id, { id: 'shared-id' }));
    });

    test('listSubjects filters by workflow, status and parent, oldest first', async () => {
      const { tenant } = await newTenant(ctx.store);
      const other = await newTenant(ctx.store);
      const openA = openParcel(ctx.tick(), tenant.id, { id: 'a' });
      const openB = openParcel(ctx.tick(), tenant.id, { id: 'b' });
      await commitOk(ctx.store, tenant.id, openA);
      await commitOk(ctx.store, tenant.id, openB);
      await commitOk(ctx.store, other.tenant.id, openParcel(ctx.tick(), other.tenant.id, { id: 'x' }));
      const ship = moveParcel(ctx.tick(), subjectOf(openB), 'parcel-shipped');
      await commitOk(ctx.store, tenant.id, ship);
      const pack = moveParcel(ctx.tick(), subjectOf(openA), 'parcel-packed', { items: [{ n: 1 }, { n: 2 }] });
      await commitOk(ctx.store, tenant.id, pack);
      const items = pack.subjects.slice(1).map((w) => w.subject.id);

      const ids = async (filter: Parameters<typeof ctx.store.listSubjects>[1]) =>
        (await ctx.store.listSubjects(tenant.id, filter)).map((s) => s.id);
      assert.deepEqual(await ids({ limit: 10 }), ['a', 'b', ...[...items].sort()]);
      assert.deepEqual(await ids({ workflow: 'parcel', limit: 10 }), ['a', 'b']);
      assert.deepEqual(await ids({ status: 'shipped', limit: 10 }), ['b']);
      assert.deepEqual((await ids({ parentId: 'a', limit: 10 })).sort(), [...items].sort());
      assert.deepEqual(await ids({ parentId: 'b', limit: 10 }), []);
      assert.deepEqual(await ids({ workflow: 'parcel', status: 'open', limit: 10 }), ['a']);
      assert.deepEqual(await ids({ limit: 1 }), ['a']);
      assert.deepEqual(await ctx.store.listSubjects(tenant.id, { status: 'shipped', limit: 10 }), [
        stored(subjectOf(ship)),
      ]);
    });

    test('listSubjects pages with the after cursor, ties on createdAt broken by id bytewise', async () => {
      const { tenant } = await newTenant(ctx.store);
      const same = ctx.tick(); // one instant for three subjects
      for (const id of ['p-b', 'P-c', 'p-a']) await commitOk(ctx.store, tenant.id, openParcel(same, tenant.id, { id }));
      for (const id of ['q-1', 'q-2']) await commitOk(ctx.store, tenant.id, openParcel(ctx.tick(), tenant.id, { id }));
      const seen: string[] = [];
      let after: { createdAt: string; id: string } | undefined;
      for (;;) {
        const page = await ctx.store.listSubjects(tenant.id, { limit: 2, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        seen.push(...page.map((s) => s.id));
        const last = page[page.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      assert.deepEqual(seen, ['P-c', 'p-a', 'p-b', 'q-1', 'q-2']);
    });
  });
}
