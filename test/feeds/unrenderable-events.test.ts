import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventUriOf } from '../../src/formats/set.js';
import type { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { eventually, FAST, FAST_DISPATCH, registry } from '../delivery/delivery-kit.js';
import { type Receiver, startReceiver } from '../delivery/receiver.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

/**
 * Regression (issue 14, item 1): an event whose data nests ~5,000 deep (stored
 * before the request depth limit existed) made every feed page, SET log and
 * stream poll that included it answer 500, so a reader could never get past
 * it. Now each event is rendered on its own and the ones that fail are left
 * out, reported in `skipped`, and passed by the cursor.
 */
const DEPTH = 5_000;
const DEEP_DATA = `{"n":${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}}`;

/** Writes `data` into a stored event's row as it is, as an older Tidings without the depth limit would have. */
async function storeDeepData(t: TestApp, eventId: string): Promise<void> {
  const store = t.runtime.store;
  if (store.kind === 'sqlite') {
    const changed = (store as SqliteStore).db
      .prepare('UPDATE events SET data = ? WHERE id = ?')
      .run(DEEP_DATA, eventId);
    assert.equal(changed.changes, 1);
  } else {
    const res = await (store as PostgresStore).pool.query('UPDATE events SET data = $1::json WHERE id = $2', [
      DEEP_DATA,
      eventId,
    ]);
    assert.equal(res.rowCount, 1);
  }
}

type Skipped = Array<{ eventId: string; code: string }>;
const ISSUER = 'https://tidings.test';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`an event too deep to render (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let auth: { authorization: string };
    let tenantId: string;
    let ids: string[];
    let deepId: string;
    const get = (url: string) => t.runtime.app.inject({ method: 'GET', url, headers: auth });
    const post = (url: string, payload: object) =>
      t.runtime.app.inject({ method: 'POST', url, headers: auth, payload });

    before(async () => {
      t = await startTestApp(
        { ...FAST, ...backend.env, TIDINGS_ISSUER: ISSUER },
        { registry, delivery: FAST_DISPATCH },
      );
      ({ id: tenantId, auth } = await t.tenant());
      assert.equal((await post('/v1/subjects', { workflow: 'ticket', id: 'deep-1' })).statusCode, 201);
      for (const n of [1, 2, 3]) {
        const res = await post('/v1/subjects/deep-1/events', { type: 'ticket-noted', data: { n } });
        assert.equal(res.statusCode, 201, res.body);
      }
      ids = (await t.runtime.store.listEvents(tenantId, { limit: 10 })).map((e) => e.id);
      assert.equal(ids.length, 4);
      deepId = ids[2] as string;
      await storeDeepData(t, deepId);
    });
    after(() => t?.close());

    test('a feed page leaves it out, reports it, and its cursor moves past it (native and set)', async () => {
      for (const format of ['native', 'set']) {
        const res = await get(`/v1/events?format=${format}&count=100`);
        assert.equal(res.statusCode, 200, `${format}: ${res.body.slice(0, 200)}`);
        const page = res.json() as { lastEventId: string; events: unknown[]; skipped: Skipped };
        assert.equal(page.events.length, 3, format);
        assert.deepEqual(page.skipped, [{ eventId: deepId, code: 'too_deep' }], format);
        assert.equal(page.lastEventId, ids[3], format);
      }
    });

    test('read one event a page, a reader passes it and reaches the end', async () => {
      const seen: string[] = [];
      const skipped: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const res = await get(`/v1/events?format=native&count=1${cursor ? `&afterEventId=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body.slice(0, 200));
        const page = res.json() as { lastEventId: string; events: Array<{ id: string }>; skipped?: Skipped };
        if (page.events.length === 0 && !page.skipped) break;
        seen.push(...page.events.map((e) => e.id));
        skipped.push(...(page.skipped ?? []).map((s) => s.eventId));
        cursor = page.lastEventId;
      }
      assert.deepEqual(seen, [ids[0], ids[1], ids[3]]);
      assert.deepEqual(skipped, [deepId]);
    });

    test('the SET log leaves it out and reports it', async () => {
      const res = await get('/v1/subjects/deep-1/events');
      assert.equal(res.statusCode, 200, res.body.slice(0, 200));
      const log = res.json() as { eventLog: string[]; totalCount: number; skipped: Skipped };
      assert.equal(log.eventLog.length, 3);
      assert.equal(log.totalCount, 4);
      assert.deepEqual(log.skipped, [{ eventId: deepId, code: 'too_deep' }]);
    });

    test('an RFC 8936 stream passes it: reported once, settled, never blocks the stream', async () => {
      const created = await post('/v1/streams', { name: 'deep', startAt: 'beginning' });
      assert.equal(created.statusCode, 201, created.body);
      const stream = (created.json() as { id: string }).id;
      const got: string[] = [];
      const skipped: string[] = [];
      let ack: string[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await post(`/v1/streams/${stream}/poll`, { maxEvents: 1, returnImmediately: true, ack });
        assert.equal(res.statusCode, 200, res.body.slice(0, 200));
        const body = res.json() as { sets: Record<string, string>; moreAvailable: boolean; skipped?: Skipped };
        ack = Object.keys(body.sets);
        got.push(...ack);
        skipped.push(...(body.skipped ?? []).map((s) => s.eventId));
        if (ack.length === 0 && !body.skipped && !body.moreAvailable) break;
      }
      assert.deepEqual(got, [ids[0], ids[1], ids[3]]);
      assert.deepEqual(skipped, [deepId]);
    });

    test('a push of it fails at once with error class render; the dispatcher goes on delivering', async () => {
      let receiver: Receiver | undefined;
      try {
        receiver = await startReceiver();
        const res = await post('/v1/endpoints', { url: receiver.url, format: 'native' });
        assert.equal(res.statusCode, 201, res.body);
        const endpointId = (res.json() as { id: string }).id;
        // No worker ran yet: the outbox still holds every event, fanned out to this endpoint now.
        t.runtime.startWorkers();
        // Events after the deep one are delivered too.
        await post('/v1/subjects/deep-1/events', { type: 'ticket-noted', data: { n: 4 } });
        await receiver.waitFor(1, 30_000);
        await eventually(async () => {
          const page = await get(`/v1/endpoints/${endpointId}/attempts?limit=100`);
          const attempts = (page.json() as { attempts: Array<{ eventId: string; errorClass: string | null }> })
            .attempts;
          return attempts.some((a) => a.eventId === deepId && a.errorClass === 'render');
        }, 30_000);
        const deliveries = async () => {
          const page = await get(`/v1/endpoints/${endpointId}/deliveries?limit=100`);
          return (page.json() as { deliveries: Array<{ eventId: string; status: string }> }).deliveries;
        };
        await eventually(async () => (await deliveries()).filter((d) => d.status === 'succeeded').length === 4, 30_000);
        const list = await deliveries();
        assert.equal(list.length, 5);
        assert.equal(list.find((d) => d.eventId === deepId)?.status, 'failed');
        assert.equal(receiver.received.length, 4);
      } finally {
        await receiver?.close();
      }
    });

    test('an OpenID Shared Signals poll stream passes it too: reported once, settled', async () => {
      // an SSF stream starts at the end of the log: its events are written after it
      const created = await post('/v1/ssf/streams', {
        delivery: { method: 'urn:ietf:rfc:8936' },
        events_requested: ['ticket-opened', 'ticket-noted'].map((type) => eventUriOf(ISSUER, 'ticket', type)),
      });
      assert.equal(created.statusCode, 201, created.body);
      const stream = (created.json() as { stream_id: string }).stream_id;
      assert.equal((await post('/v1/subjects', { workflow: 'ticket', id: 'deep-ssf' })).statusCode, 201);
      for (const n of [1, 2, 3]) {
        assert.equal(
          (await post('/v1/subjects/deep-ssf/events', { type: 'ticket-noted', data: { n } })).statusCode,
          201,
        );
      }
      const events = await t.runtime.store.listEvents(tenantId, { limit: 100 });
      const mine = events.filter((e) => e.subjectId === 'deep-ssf').map((e) => e.id);
      assert.equal(mine.length, 4);
      await storeDeepData(t, mine[2] as string);

      const got: string[] = [];
      const skipped: string[] = [];
      let ack: string[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await post(`/v1/ssf/poll/${stream}`, { maxEvents: 1, returnImmediately: true, ack });
        assert.equal(res.statusCode, 200, res.body.slice(0, 200));
        const body = res.json() as { sets: Record<string, string>; moreAvailable: boolean; skipped?: Skipped };
        ack = Object.keys(body.sets);
        got.push(...ack);
        skipped.push(...(body.skipped ?? []).map((s) => s.eventId));
        if (ack.length === 0 && !body.skipped && !body.moreAvailable) break;
      }
      assert.deepEqual(got, [mine[0], mine[1], mine[3]]);
      assert.deepEqual(skipped, [mine[2]]);
    });
  });
}
