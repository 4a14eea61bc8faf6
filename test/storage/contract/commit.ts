import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { Change } from '../../../src/workflows/engine.js';
import { moveParcel, newTenant, openParcel, patchParcel, subjectOf } from '../parcel-workflow.js';
import { type ContractContext, commitOk } from './context.js';

const FAR_FUTURE = '2100-01-01T00:00:00.000Z';

/** Both changes' writes in one change, in order: the second half is refused after the first half is written. */
const joined = (first: Change, second: Change): Change => ({
  subjects: [...first.subjects, ...second.subjects],
  events: [...first.events, ...second.events],
});

export function commitContract(ctx: ContractContext): void {
  describe('commit', () => {
    /** Everything a tenant has in the store that a commit could have touched. */
    const snapshot = async (tenantId: string) => ({
      subjects: await ctx.store.listSubjects(tenantId, { limit: 1000 }),
      events: await ctx.store.listEvents(tenantId, { limit: 1000 }),
      timers: (await ctx.store.dueTimers(FAR_FUTURE, 100_000)).filter((t) => t.tenantId === tenantId),
      outbox: await ctx.store.countOutbox(),
    });

    test('a creation writes the subject, its event (sequence 1) and one outbox row', async () => {
      const { tenant } = await newTenant(ctx.store);
      const outboxBefore = await ctx.store.countOutbox();
      const change = openParcel(ctx.tick(), tenant.id, { data: { note: 'hello' } });
      const events = await commitOk(ctx.store, tenant.id, change);
      const [created] = change.events;
      const snapshot = { subject: { ...subjectOf(change), erasedAt: null }, parent: null, children: [] };
      assert.deepEqual(events, [{ ...created, tenantId: tenant.id, sequence: 1, snapshot }]);
      assert.deepEqual(await ctx.store.getEvent(tenant.id, created!.id), events[0]);
      assert.equal(await ctx.store.countOutbox(), outboxBefore + 1);
      assert.equal((await ctx.store.getSubject(tenant.id, subjectOf(change).id))?.status, 'open');
    });

    test('a transition updates the subject and arms its timer in the same commit', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id);
      await commitOk(ctx.store, tenant.id, opened);
      const ship = moveParcel(ctx.tick(), subjectOf(opened), 'parcel-shipped');
      const [event] = await commitOk(ctx.store, tenant.id, ship);
      assert.equal(event?.sequence, 2);
      assert.equal(event?.from, 'open');
      const shipped = subjectOf(ship);
      assert.deepEqual(await ctx.store.getSubject(tenant.id, shipped.id), { ...shipped, erasedAt: null });
      const timers = (await snapshot(tenant.id)).timers;
      assert.deepEqual(timers, [
        {
          tenantId: tenant.id,
          subjectId: shipped.id,
          subjectVersion: 2,
          name: 'lost-after-a-day',
          fire: 'parcel-lost',
          to: null,
          data: { by: 'timer' },
          dueAt: ship.subjects[0]?.timer?.dueAt,
        },
      ]);
    });

    test('a change of several subjects gives its events consecutive sequences', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id);
      await commitOk(ctx.store, tenant.id, opened);
      const pack = moveParcel(ctx.tick(), subjectOf(opened), 'parcel-packed', {
        items: [{ n: 1 }, { n: 2 }, { n: 3 }],
      });
      const events = await commitOk(ctx.store, tenant.id, pack);
      assert.deepEqual(
        events.map((e) => [e.sequence, e.type, e.subjectId]),
        pack.events.map((e, i) => [i + 2, e.type, e.subjectId]),
      );
      for (const write of pack.subjects.slice(1)) {
        assert.equal((await ctx.store.getSubject(tenant.id, write.subject.id))?.parentId, subjectOf(opened).id);
      }
    });

    test('version_conflict leaves nothing written and consumes no sequence number', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id);
      await commitOk(ctx.store, tenant.id, opened);
      await commitOk(ctx.store, tenant.id, moveParcel(ctx.tick(), subjectOf(opened), 'parcel-shipped'));
      const before = await snapshot(tenant.id);
      // a new subject (written first) plus a transition computed from the stale version 1
      const stale = moveParcel(ctx.tick(), subjectOf(opened), 'parcel-packed', { items: [{ n: 1 }] });
      const result = await ctx.store.commit(tenant.id, joined(openParcel(ctx.tick(), tenant.id), stale));
      assert.deepEqual(result, { ok: false, reason: 'version_conflict', subjectId: subjectOf(opened).id });
      assert.deepEqual(await snapshot(tenant.id), before);
      const [next] = await commitOk(ctx.store, tenant.id, openParcel(ctx.tick(), tenant.id));
      assert.equal(next?.sequence, 3);
    });

    test('subject_exists leaves nothing written and consumes no sequence number', async () => {
      const { tenant } = await newTenant(ctx.store);
      const first = openParcel(ctx.tick(), tenant.id, { id: 'dup' });
      const other = openParcel(ctx.tick(), tenant.id, { id: 'other' });
      await commitOk(ctx.store, tenant.id, first);
      await commitOk(ctx.store, tenant.id, other);
      const before = await snapshot(tenant.id);
      // shipping `other` (arms a timer) is written first, then the duplicate insert is refused
      const ship = moveParcel(ctx.tick(), subjectOf(other), 'parcel-shipped');
      const result = await ctx.store.commit(tenant.id, joined(ship, openParcel(ctx.tick(), tenant.id, { id: 'dup' })));
      assert.deepEqual(result, { ok: false, reason: 'subject_exists', subjectId: 'dup' });
      assert.deepEqual(await snapshot(tenant.id), before);
      const [next] = await commitOk(ctx.store, tenant.id, ship);
      assert.equal(next?.sequence, 3);
    });

    test('of two racing transitions from one version, exactly one commits', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id);
      await commitOk(ctx.store, tenant.id, opened);
      const results = await Promise.all([
        ctx.store.commit(tenant.id, moveParcel(ctx.tick(), subjectOf(opened), 'parcel-shipped')),
        ctx.store.commit(tenant.id, moveParcel(ctx.tick(), subjectOf(opened), 'parcel-packed', { items: [{}] })),
      ]);
      assert.deepEqual(results.map((r) => r.ok).sort(), [false, true]);
      assert.ok(results.some((r) => !r.ok && r.reason === 'version_conflict'));
      assert.equal((await ctx.store.listEvents(tenant.id, { limit: 10 })).length, 2);
    });

    test('a change without events writes the subject and takes no sequence number', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id, { attributes: { colour: 'red' } });
      await commitOk(ctx.store, tenant.id, opened);
      const patch = patchParcel(ctx.tick(), subjectOf(opened), { colour: 'blue', size: 3 });
      assert.deepEqual(await commitOk(ctx.store, tenant.id, patch), []);
      const got = await ctx.store.getSubject(tenant.id, subjectOf(opened).id);
      assert.deepEqual(got?.attributes, { colour: 'blue', size: 3 });
      assert.equal(got?.version, 2);
      const [next] = await commitOk(ctx.store, tenant.id, moveParcel(ctx.tick(), subjectOf(patch), 'parcel-shipped'));
      assert.equal(next?.sequence, 2);
    });

    test('a failure between the state write and the event write leaves nothing written', async () => {
      const { tenant } = await newTenant(ctx.store);
      const opened = openParcel(ctx.tick(), tenant.id);
      await commitOk(ctx.store, tenant.id, opened);
      const before = await snapshot(tenant.id);
      await ctx.injectEventInsertFailure();
      const ship = moveParcel(ctx.tick(), subjectOf(opened), 'parcel-shipped');
      const idempotency = {
        key: 'k-injected',
        requestHash: 'h',
        createdAt: new Date().toISOString(),
        respond: () => ({ status: 201, body: {} }),
      };
      await assert.rejects(ctx.store.commit(tenant.id, ship, idempotency), /injected/);
      assert.deepEqual(await snapshot(tenant.id), before);
      assert.equal(await ctx.store.getIdempotency(tenant.id, 'k-injected'), null);
    });

    test('a commit for a tenant that does not exist is rejected', async () => {
      await assert.rejects(ctx.store.commit('ten_missing', openParcel(ctx.tick(), 'ten_missing')));
    });
  });
}
