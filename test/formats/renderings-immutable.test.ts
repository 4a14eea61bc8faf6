import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { DeliveryRecord } from '../../src/delivery/delivery.js';
import { preparePush } from '../../src/delivery/prepare-push.js';
import type { StoredEvent } from '../../src/events/event.js';
import { loadRenderContextsById } from '../../src/feeds/render-contexts.js';
import { FORMAT_NAMES, FORMATS } from '../../src/formats/index.js';
import { loadRenderContext } from '../../src/formats/load-render-context.js';
import { client } from '../feeds/pull-kit.js';
import { pushEndpoint } from '../helpers/push-endpoint.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * Issue 13: an event is immutable and so is every rendering of it. Random
 * walks through the nine built-in workflows (five families, every subject of a
 * family moved at random, attributes patched in between); every event is
 * rendered in every format right after its commit and again after the walk,
 * through the push path (one event) and the lease/feed path (a batch), and
 * must not change by a byte. A push prepared after the walk (a late push, a
 * retry, a replay) has the body of the one prepared at once.
 */
const TAGS = { authenticationTags: { metadata: 'bWV0YQ', data: 'ZGF0YQ' } };
const PROBLEMS = {
  problems: [{ type: 'https://schema.fitko.de/fit-connect/events/problems/technical-error', title: 't', detail: 'd' }],
};
const CONTENT = {
  contentId: '11111111-1111-4111-8111-111111111111',
  contentType: 'cer',
  md5: 'ABCDEF0123456789ABCDEF0123456789',
};

/** Data that satisfies each event type's schema; other types send none. */
const DATA: Record<string, Record<string, unknown>> = {
  'submit-submission': TAGS,
  'accept-submission': TAGS,
  'notify-submission': TAGS,
  'submit-reply': TAGS,
  'accept-reply': TAGS,
  'reject-submission': PROBLEMS,
  'reject-reply': PROBLEMS,
  'image-rejected': { RejectionCode: '12' },
  'form-released': { certificate: CONTENT, receipt: { ...CONTENT, contentType: 'pdf' } },
  'signature-processed': { signedFiles: { contentInfo: { ...CONTENT, contentType: 'pdf' }, signatures: [CONTENT] } },
};

interface Member {
  workflow: string;
  id: string;
  parentId?: string;
  attributes?: Record<string, unknown>;
}

/** The five families that hold the nine workflows; certificates are spawned by REQUEST_ENROLLED. */
const FAMILIES: Record<string, (n: string) => Member[]> = {
  videoid: (n) => [{ workflow: 'videoid-request', id: `req-${n}`, attributes: { profile: 'PFnubeNC' } }],
  idv: (n) => [{ workflow: 'idv-transaction', id: `00000000-0000-4000-8000-${n.padStart(12, '0')}` }],
  fit: (n) => [
    { workflow: 'fit-case', id: `10000000-0000-4000-8000-${n.padStart(12, '0')}` },
    {
      workflow: 'fit-submission',
      id: `20000000-0000-4000-8000-${n.padStart(12, '0')}`,
      parentId: `10000000-0000-4000-8000-${n.padStart(12, '0')}`,
      // Its accept/reject-submission are issued by this destination (iss): fixed at commit too.
      attributes: { destinationId: `60000000-0000-4000-8000-${n.padStart(12, '0')}` },
    },
    {
      workflow: 'fit-reply',
      id: `30000000-0000-4000-8000-${n.padStart(12, '0')}`,
      parentId: `10000000-0000-4000-8000-${n.padStart(12, '0')}`,
    },
  ],
  reestro: (n) => [
    { workflow: 'crypto-certificate-form', id: `40000000-0000-4000-8000-${n.padStart(12, '0')}` },
    {
      workflow: 'crypto-signature',
      id: `50000000-0000-4000-8000-${n.padStart(12, '0')}`,
      parentId: `40000000-0000-4000-8000-${n.padStart(12, '0')}`,
    },
  ],
  thales: (n) => [
    { workflow: 'image-check', id: `img-${n}`, attributes: { ImageType: 'Custom', Orientation: 'Vertical' } },
  ],
};

const SIGNING_KEY = { kid: 'walk-key', alg: 'PS512' as const };

function renderAll(ctx: Parameters<(typeof FORMATS)['native']['render']>[0]): string[] {
  return FORMAT_NAMES.map((name) => {
    try {
      return JSON.stringify(FORMATS[name].render({ ...ctx, signingKey: SIGNING_KEY }));
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
  });
}

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`every rendering of an event is fixed at its commit (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let tenantId: string;
    let api: ReturnType<typeof client>;
    let authorization = '';
    let walks = 0;
    before(async () => {
      t = await startTestApp(backend.env);
      const tenant = await t.tenant();
      tenantId = tenant.id;
      api = client(t, tenant.auth);
      authorization = tenant.auth.authorization;
    });
    after(() => t.close());

    const renderings = async (events: StoredEvent[]) => {
      const one = new Map<string, string[]>();
      for (const e of events) one.set(e.id, renderAll(await loadRenderContext(t.runtime.store, e, t.config.issuer)));
      const batch = await loadRenderContextsById(
        t.runtime.pull.storage.feed,
        tenantId,
        events.map((e) => e.id),
        t.config.issuer,
      );
      const pushes = new Map<string, string[]>();
      const deps = {
        store: t.runtime.store,
        registry: t.runtime.registry,
        issuer: t.config.issuer,
        setSigner: t.runtime.signer,
      };
      for (const e of events) {
        const ctx = batch.get(e.id);
        assert.ok(ctx, `batch context of ${e.id}`);
        assert.deepEqual(renderAll(ctx), one.get(e.id), 'the batch path renders as the one-event path');
        const delivery = { tenantId, eventId: e.id } as DeliveryRecord;
        pushes.set(
          e.id,
          await Promise.all(
            ['native', 'vendor'].map(async (f) =>
              signaturesAside((await preparePush(deps, delivery, pushEndpoint(f), 0)).body),
            ),
          ),
        );
      }
      return { one, pushes };
    };

    for (const family of Object.keys(FAMILIES)) {
      test(`random walks through the ${family} workflows`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 4, maxLength: 14 }),
            async (moves) => {
              walks += 1;
              const members = FAMILIES[family]!(`${walks}`);
              let cursor = await lastSequence(t, tenantId);
              const atCommit = new Map<string, { one: string[]; pushes: string[] }>();
              const observe = async () => {
                const fresh = await t.runtime.store.listEvents(tenantId, { afterSequence: cursor, limit: 1000 });
                if (fresh.length === 0) return;
                cursor = fresh.at(-1)!.sequence;
                const r = await renderings(fresh);
                for (const e of fresh) atCommit.set(e.id, { one: r.one.get(e.id)!, pushes: r.pushes.get(e.id)! });
              };
              for (const m of members) {
                await api.post('/v1/subjects', m);
                await observe();
              }
              for (const [pick, choice, patch] of moves) {
                const subjects = await familySubjects(t, tenantId, members);
                const s = subjects[pick % subjects.length]!;
                if (patch) {
                  await t.runtime.app.inject({
                    method: 'PATCH',
                    url: `/v1/subjects/${s.id}`,
                    headers: { authorization },
                    payload: { attributes: { note: `n${choice}` } },
                  });
                }
                const options = nextTypes(t, s.workflow, s.status);
                if (options.length === 0) continue;
                const type = options[choice % options.length]!;
                const data =
                  type === 'REQUEST_ENROLLED'
                    ? { certificates: [{ serial_number: `S${walks}-${choice}` }] }
                    : DATA[type];
                await api.post(`/v1/subjects/${s.id}/events`, { type, ...(data ? { data } : {}) });
                await observe();
              }
              const all = [...atCommit.keys()];
              const events = (await t.runtime.store.listEvents(tenantId, { afterSequence: 0, limit: 100_000 })).filter(
                (e) => atCommit.has(e.id),
              );
              assert.equal(events.length, all.length);
              const late = await renderings(events);
              for (const e of events) {
                assert.deepEqual(late.one.get(e.id), atCommit.get(e.id)?.one, `${e.type} of ${e.workflow} re-rendered`);
                assert.deepEqual(late.pushes.get(e.id), atCommit.get(e.id)?.pushes, `late push of ${e.type}`);
              }
            },
          ),
          { numRuns: 4 },
        );
      });
    }
  });
}

/** A SET push is a compact JWS signed with a randomised (PSS) signature: compare header and claims. */
function signaturesAside(body: string): string {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(body) ? body.split('.').slice(0, 2).join('.') : body;
}

async function lastSequence(t: TestApp, tenantId: string): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await t.runtime.store.listEvents(tenantId, { afterSequence: after, limit: 1000 });
    if (page.length === 0) return after;
    after = page.at(-1)!.sequence;
  }
}

/** The family's subjects as stored now, certificates included. */
async function familySubjects(t: TestApp, tenantId: string, members: Member[]) {
  const found = [];
  for (const m of members) {
    const s = await t.runtime.store.getSubject(tenantId, m.id);
    if (s) found.push(s);
    if (m.workflow === 'videoid-request') {
      found.push(...(await t.runtime.store.listSubjects(tenantId, { parentId: m.id, limit: 100 })));
    }
  }
  return found.length > 0 ? found : [{ id: members[0]!.id, workflow: members[0]!.workflow, status: '' }];
}

/** Event types allowed from `status` in `workflow`. */
function nextTypes(t: TestApp, workflow: string, status: string): string[] {
  const wf = t.runtime.registry.get(workflow);
  if (!wf) return [];
  return [...new Set(wf.definition.transitions.filter((x) => x.from.includes(status)).map((x) => x.type))];
}
