import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { StoredEvent } from '../../../src/events/event.js';
import type { Subject } from '../../../src/subjects/subject.js';
import { BUILTIN_WORKFLOWS } from '../../../src/workflows/builtin/index.js';
import { applyEvent, type Change, createSubject, type EngineContext } from '../../../src/workflows/engine.js';
import { createWorkflowRegistry } from '../../../src/workflows/workflow-registry.js';
import { moveParcel, newTenant, openParcel, subjectOf } from '../parcel-workflow.js';
import { type ContractContext, commitOk } from './context.js';

const registry = createWorkflowRegistry(BUILTIN_WORKFLOWS);
const unwrap = (r: { ok: true; value: Change } | { ok: false; error: Error }): Change => {
  if (!r.ok) throw r.error;
  return r.value;
};
const move = (ctx: EngineContext, s: Subject, type: string, data?: Record<string, unknown>) =>
  unwrap(applyEvent(registry, s, { type, ...(data ? { data } : {}) }, ctx));
const written = (change: Change, id: string): Subject => {
  const w = change.subjects.find((x) => x.subject.id === id);
  if (!w) throw new Error(`change does not write ${id}`);
  return w.subject;
};

/**
 * Every event keeps, stored with it in the commit's transaction, the subject,
 * parent and listed children as they were at its commit (issue 13: seed 000's
 * REQUEST_CREATED lists `"certificates": []` and REQUEST_ENROLLED a VALID
 * certificate, whatever happens to the certificate later).
 */
export function renderSnapshotsContract(ctx: ContractContext): void {
  describe('render snapshots', () => {
    test('a videoid family: each event keeps its request and certificates as at its commit', async () => {
      const { tenant } = await newTenant(ctx.store);
      const t = tenant.id;
      const created = unwrap(
        createSubject(
          registry,
          { tenantId: t, workflow: 'videoid-request', id: 'req-1', parent: null, attributes: { profile: 'PFnubeNC' } },
          ctx.tick(),
        ),
      );
      const events: StoredEvent[] = [...(await commitOk(ctx.store, t, created))];
      let req = subjectOf(created);
      const steps: Array<[string, Record<string, unknown>?]> = [
        ['VIDEOID_UPDATED'],
        ['REQUEST_APPROVED'],
        ['REQUEST_ENROLLED', { certificates: [{ serial_number: 'S1' }, { serial_number: 'S2' }] }],
      ];
      let enrolled: Change | undefined;
      for (const [type, data] of steps) {
        const change = move(ctx.tick(), req, type, data);
        events.push(...(await commitOk(ctx.store, t, change)));
        req = written(change, req.id);
        enrolled = change;
      }
      const certs = (enrolled?.subjects ?? [])
        .map((w) => w.subject)
        .filter((s) => s.workflow === 'videoid-certificate');
      assert.equal(certs.length, 2);
      const revoke = move(ctx.tick(), certs.find((c) => c.attributes.serial_number === 'S1')!, 'CERTIFICATE_REVOKED');
      events.push(...(await commitOk(ctx.store, t, revoke)));
      const erase = move(ctx.tick(), req, 'REQUEST_RENEWED');
      events.push(...(await commitOk(ctx.store, t, erase)));

      const byType = (type: string) => events.filter((e) => e.type === type);
      // Certificates of one enrolment share their creation instant, so the listing order between them is not
      // what this checks: each certificate's status as at the event is.
      const statuses = (e: StoredEvent | undefined) =>
        e?.snapshot?.children
          .map((c) => [String(c.attributes.serial_number), c.status] as const)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([, status]) => status);
      assert.deepEqual(statuses(byType('REQUEST_CREATED')[0]), []);
      assert.deepEqual(statuses(byType('REQUEST_ENROLLED')[0]), ['VALID', 'VALID']);
      const [issued] = byType('CERTIFICATE_ISSUED');
      assert.equal(issued?.snapshot?.parent?.status, 'ISSUED', 'spawned in the enrolment: the request as enrolled');
      const [revoked] = byType('CERTIFICATE_REVOKED');
      assert.deepEqual(statuses(revoked), ['REVOKED', 'VALID']);
      assert.equal(revoked?.snapshot?.parent?.status, 'ISSUED');
      assert.equal(revoked?.snapshot?.parent?.attributes.profile, 'PFnubeNC');
      assert.deepEqual(statuses(byType('REQUEST_RENEWED')[0]), ['REVOKED', 'VALID']);

      // Read back after the walk: every event exactly as its commit returned it.
      assert.deepEqual(await ctx.store.listEvents(t, { limit: 100 }), events);
      for (const e of events) assert.deepEqual(await ctx.store.getEvent(t, e.id), e);
    });

    test("a child's event keeps its parent as at the commit, a later parent move changes nothing", async () => {
      const { tenant } = await newTenant(ctx.store);
      const open = openParcel(ctx.tick(), tenant.id, { attributes: { colour: 'red' } });
      await commitOk(ctx.store, tenant.id, open);
      const pack = moveParcel(ctx.tick(), subjectOf(open), 'parcel-packed', { items: [{ n: 1 }] });
      const packed = await commitOk(ctx.store, tenant.id, pack);
      const itemEvent = packed.find((e) => e.type === 'item-added');
      assert.equal(itemEvent?.snapshot?.parent?.status, 'open');
      assert.deepEqual(itemEvent?.snapshot?.subject.attributes, { n: 1 });
      await commitOk(ctx.store, tenant.id, moveParcel(ctx.tick(), subjectOf(pack), 'parcel-shipped'));
      assert.deepEqual(await ctx.store.getEvent(tenant.id, itemEvent!.id), itemEvent);
    });
  });
}
