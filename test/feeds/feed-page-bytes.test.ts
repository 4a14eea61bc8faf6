import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StoredEvent } from '../../src/events/event.js';
import { type SkippedEvent, skipCodeOf } from '../../src/feeds/skipped-event.js';
import { FORMATS, isFormatName } from '../../src/formats/index.js';
import { loadRenderContext } from '../../src/formats/load-render-context.js';
import type { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { registry } from '../delivery/delivery-kit.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { client } from './pull-kit.js';

/**
 * The feed writes native events as text from their stored JSON (`native-json.ts`)
 * instead of parsing and re-writing them. Its pages must be the bytes the object
 * path writes: each page of every feed format is compared with a page built here
 * the way the feed built it before (each event's render context, its format's
 * renderer, one `JSON.stringify`), over awkward data and attributes, every vendor
 * format, an event from before render snapshots, one too deep to write and an
 * erased subject.
 */
const ISSUER = 'https://tidings.test/';
const DEPTH = 5_000;
const AWKWARD: Array<Record<string, unknown>> = [
  { note: 'x'.repeat(200), upload: 3 },
  { 2: 'integer-like key first', b: 1, 1: 'one', '-1': 'not an index' },
  { numbers: [0, 1.5, -2e-7, 1e21, 123456789012345680000, 0.1 + 0.2] },
  { text: 'quote " backslash \\ slash / newline \n tab \t bell \u0007 \u001f \u007f' },
  { unicode: 'é € 😀 \u2028 \u2029 \ufeff', lone: '\ud800 and \udfff', 'clé "quotée"': true },
  { attributes: { attributes: '"attributes":{' }, '","attributes":': 'in a key' },
];

/** One subject of each built-in workflow family (their creating events), vendor formats all covered. */
const MEMBERS = [
  { workflow: 'videoid-request', id: 'req-1', attributes: { profile: 'PFnubeNC', pk: 17 } },
  { workflow: 'idv-transaction', id: '00000000-0000-4000-8000-000000000001' },
  { workflow: 'fit-case', id: '10000000-0000-4000-8000-000000000001' },
  {
    workflow: 'fit-submission',
    id: '20000000-0000-4000-8000-000000000001',
    parentId: '10000000-0000-4000-8000-000000000001',
  },
  { workflow: 'crypto-certificate-form', id: '40000000-0000-4000-8000-000000000001' },
  {
    workflow: 'crypto-signature',
    id: '50000000-0000-4000-8000-000000000001',
    parentId: '40000000-0000-4000-8000-000000000001',
  },
  { workflow: 'image-check', id: 'img-1', attributes: { ImageType: 'Custom', Orientation: 'Vertical' } },
];

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`feed pages keep their bytes (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let tenantId: string;
    let api: ReturnType<typeof client>;

    /** Runs `sql` with `params` on the backend's own connection (SQLite placeholders are `?`). */
    const write = async (sql: string, params: unknown[]) => {
      const store = t.runtime.store;
      if (store.kind === 'sqlite') (store as SqliteStore).db.prepare(sql.replace(/\$\d/g, '?')).run(...params);
      else await (store as PostgresStore).pool.query(sql, params);
    };

    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_ISSUER: ISSUER }, { registry });
      const tenant = await t.tenant();
      tenantId = tenant.id;
      api = client(t, tenant.auth);
      const ok = (res: { statusCode: number; body: string }) => assert.equal(res.statusCode, 201, res.body);
      for (const member of MEMBERS) ok(await api.post('/v1/subjects', member));
      for (const [i, attributes] of AWKWARD.entries()) {
        ok(await api.post('/v1/subjects', { workflow: 'ticket', id: `ticket-${i}`, attributes }));
        for (const data of AWKWARD)
          ok(await api.post(`/v1/subjects/ticket-${i}/events`, { type: 'ticket-noted', data }));
      }
      const events = await t.runtime.store.listEvents(tenantId, { limit: 1000 });
      const tickets = events.filter((e) => e.workflow === 'ticket');
      // written before render snapshots existed: renders from the current subject
      await write('UPDATE events SET render_context = NULL WHERE id = $1', [tickets[1]?.id]);
      // stored before the request depth limit existed: too deep to write, left out and reported
      const deep = `{"n":${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}}`;
      await write(`UPDATE events SET data = $1${store().kind === 'postgres' ? '::json' : ''} WHERE id = $2`, [
        deep,
        tickets[2]?.id,
      ]);
      assert.equal((await api.post('/v1/subjects/ticket-3/erase')).statusCode, 200);
    });
    after(() => t.close());

    const store = () => t.runtime.store;

    /** The page as the feed wrote it before: render contexts, renderers, one JSON.stringify. */
    async function objectPage(
      all: StoredEvent[],
      format: string,
      count: number,
      afterEventId: string | null,
      served: string,
    ) {
      // A SET not stored was refused by the signing path, which this change does not touch: its code as served.
      const servedSkips = (JSON.parse(served) as { skipped?: SkippedEvent[] }).skipped ?? [];
      const from = afterEventId === null ? 0 : all.findIndex((e) => e.id === afterEventId) + 1;
      const events = all.slice(from, from + count);
      const resolved = events.map((e) =>
        format === 'vendor' ? (registry.get(e.workflow)?.definition.format ?? 'native') : format,
      );
      const sets = await t.runtime.pull.storage.feed.getSets(
        tenantId,
        events.filter((_, i) => resolved[i] === 'set').map((e) => e.sequence),
      );
      const items: unknown[] = [];
      const setSkipped: SkippedEvent[] = [];
      const skipped: SkippedEvent[] = [];
      for (const [i, e] of events.entries()) {
        const name = resolved[i] as string;
        if (name === 'set') {
          const jws = sets.get(e.sequence);
          const code = servedSkips.find((x) => x.eventId === e.id)?.code;
          if (jws === undefined) setSkipped.push({ eventId: e.id, code: code ?? 'render_failed' });
          else items.push(jws);
          continue;
        }
        try {
          const value = (isFormatName(name) ? FORMATS[name] : FORMATS.native).render(
            await loadRenderContext(store(), e, t.config.issuer),
          );
          JSON.stringify(value);
          items.push(value);
        } catch (error) {
          skipped.push({ eventId: e.id, code: skipCodeOf(error) });
        }
      }
      const allSkipped = [...setSkipped, ...skipped];
      const page = { lastEventId: events.at(-1)?.id ?? afterEventId, events: items };
      return JSON.stringify(allSkipped.length > 0 ? { ...page, skipped: allSkipped } : page);
    }

    for (const format of ['native', 'vendor', 'set']) {
      test(`format=${format}: every page, whole and in pages of 7 after a cursor, has the object path's bytes`, async () => {
        const all = await store().listEvents(tenantId, { limit: 1000 });
        assert.equal(all.length, MEMBERS.length + AWKWARD.length * (1 + AWKWARD.length));
        const whole = await api.get(`/v1/events?format=${format}&count=100`);
        assert.equal(whole.statusCode, 200, whole.body.slice(0, 300));
        assert.equal(whole.body, await objectPage(all, format, 100, null, whole.body));
        let cursor: string | null = null;
        for (let page = 0; page * 7 < all.length + 7; page++) {
          const res = await api.get(`/v1/events?format=${format}&count=7${cursor ? `&afterEventId=${cursor}` : ''}`);
          assert.equal(res.statusCode, 200, res.body.slice(0, 300));
          assert.equal(res.body, await objectPage(all, format, 7, cursor, res.body), `page ${page}`);
          cursor = (JSON.parse(res.body) as { lastEventId: string | null }).lastEventId;
        }
      });
    }

    test('the native page reports the deep event and shows the erased subject without its attributes', async () => {
      const body = (await api.get('/v1/events?format=native&count=100')).json() as {
        events: Array<{ subject: string; data: { attributes: unknown } }>;
        skipped: SkippedEvent[];
      };
      assert.deepEqual(
        body.skipped.map((s) => s.code),
        ['too_deep'],
      );
      const erased = body.events.filter((e) => e.subject === 'ticket-3');
      assert.ok(erased.length > 0);
      for (const e of erased) assert.deepEqual(e.data.attributes, {});
    });
  });
}
