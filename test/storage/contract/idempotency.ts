import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { StoredEvent } from '../../../src/events/event.js';
import type { IdempotencyWrite } from '../../../src/storage/store.js';
import { newTenant, openParcel } from '../parcel-workflow.js';
import { type ContractContext, commitOk } from './context.js';

const TWIN_ROUNDS = 20;

/** Answers like the API would: 201 with the created event, keys in a deliberate order. */
const write = (key: string): IdempotencyWrite => ({
  key,
  requestHash: `hash-of-${key}`,
  createdAt: new Date().toISOString(),
  respond: (events: StoredEvent[]) => ({
    status: 201,
    body: { z: 'first key', id: events[0]?.id, sequence: events[0]?.sequence, a: [events.length] },
  }),
});

export function idempotencyContract(ctx: ContractContext): void {
  describe('idempotency', () => {
    test('records older than a cut-off are deleted in bounded batches; newer ones stay', async () => {
      const { tenant } = await newTenant(ctx.store);
      for (const key of ['old-1', 'old-2', 'old-3']) {
        await commitOk(ctx.store, tenant.id, openParcel(ctx.tick(), tenant.id), write(key));
      }
      const past = new Date(Date.now() - 86_400_000).toISOString();
      assert.equal(await ctx.store.deleteIdempotencyRecords(past, 10), 0, 'nothing is that old');
      const future = new Date(Date.now() + 60_000).toISOString();
      assert.equal(await ctx.store.deleteIdempotencyRecords(future, 2), 2, 'bounded by the limit');
      assert.ok((await ctx.store.deleteIdempotencyRecords(future, 1000)) >= 1);
      assert.equal(await ctx.store.getIdempotency(tenant.id, 'old-3'), null);
    });

    test('the first commit records its answer; a retry replays it and writes nothing', async () => {
      const { tenant } = await newTenant(ctx.store);
      const [event] = await commitOk(ctx.store, tenant.id, openParcel(ctx.tick(), tenant.id), write('k1'));
      const record = await ctx.store.getIdempotency(tenant.id, 'k1');
      assert.ok(record);
      assert.deepEqual(
        { ...record, createdAt: 'x' },
        {
          tenantId: tenant.id,
          key: 'k1',
          requestHash: 'hash-of-k1',
          status: 201,
          body: { z: 'first key', id: event?.id, sequence: 1, a: [1] },
          createdAt: 'x',
        },
      );
      assert.equal(new Date(record.createdAt).toISOString(), record.createdAt);
      const retry = openParcel(ctx.tick(), tenant.id);
      const result = await ctx.store.commit(tenant.id, retry, write('k1'));
      assert.deepEqual(result, { ok: false, reason: 'idempotency_replay', record });
      if (!result.ok && result.reason === 'idempotency_replay') {
        assert.equal(JSON.stringify(result.record.body), JSON.stringify(record.body));
      }
      assert.equal(await ctx.store.getSubject(tenant.id, retry.subjects[0]!.subject.id), null);
      assert.equal((await ctx.store.listEvents(tenant.id, { limit: 10 })).length, 1);
    });

    // Twins race in rounds: whether the loser meets the winner's key, its subject
    // row or its committed record depends on timing, and every path must replay.
    test('of two concurrent twins, one commits and the other gets its answer', async () => {
      const { tenant } = await newTenant(ctx.store);
      for (let round = 0; round < TWIN_ROUNDS; round++) {
        const key = `twin-${round}`;
        const results = await Promise.all([
          ctx.store.commit(tenant.id, openParcel(ctx.tick(), tenant.id), write(key)),
          ctx.store.commit(tenant.id, openParcel(ctx.tick(), tenant.id), write(key)),
        ]);
        const winner = results.find((r) => r.ok);
        const replay = results.find((r) => !r.ok);
        assert.ok(winner?.ok && replay && !replay.ok && replay.reason === 'idempotency_replay');
        assert.equal((replay.record.body as { id: string }).id, winner.events[0]?.id);
      }
      assert.equal((await ctx.store.listSubjects(tenant.id, { limit: 100 })).length, TWIN_ROUNDS);
    });

    test('twins creating the same subject id: one commits, the other gets its answer', async () => {
      const { tenant } = await newTenant(ctx.store);
      for (let round = 0; round < TWIN_ROUNDS; round++) {
        const twin = () => openParcel(ctx.tick(), tenant.id, { id: `same-${round}` });
        const results = await Promise.all([
          ctx.store.commit(tenant.id, twin(), write(`twin-id-${round}`)),
          ctx.store.commit(tenant.id, twin(), write(`twin-id-${round}`)),
        ]);
        assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.reason)).sort(), ['idempotency_replay', 'ok']);
      }
    });

    test('keys are per tenant', async () => {
      const a = (await newTenant(ctx.store)).tenant.id;
      const b = (await newTenant(ctx.store)).tenant.id;
      await commitOk(ctx.store, a, openParcel(ctx.tick(), a), write('shared'));
      await commitOk(ctx.store, b, openParcel(ctx.tick(), b), write('shared'));
      assert.equal((await ctx.store.getIdempotency(b, 'shared'))?.tenantId, b);
      assert.equal(await ctx.store.getIdempotency(a, 'missing'), null);
    });
  });
}
