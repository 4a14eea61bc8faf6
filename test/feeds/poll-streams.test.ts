import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { type Auth, client, imageChecks, servedJwks, verifySet } from './pull-kit.js';

describe('RFC 8936 poll streams', () => {
  let t: TestApp;
  let tenant: { id: string; auth: Auth };
  let api: ReturnType<typeof client>;
  before(async () => {
    t = await startTestApp();
    tenant = await t.tenant('Poller');
    api = client(t, tenant.auth);
  });
  after(() => t.close());

  const poll = async (streamId: string, body: object) => {
    const res = await api.post(`/v1/streams/${streamId}/poll`, body);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { sets: Record<string, string>; moreAvailable: boolean };
  };

  test('unacknowledged SETs come back; acknowledged ones do not; moreAvailable tells of the rest', async () => {
    const created = await api.post('/v1/streams', { name: 'all', startAt: 'beginning' });
    assert.equal(created.statusCode, 201, created.body);
    const stream = created.json() as { id: string };
    await imageChecks(t, tenant.id, 5, 'p');

    const first = await poll(stream.id, { maxEvents: 3, returnImmediately: true });
    const jtis = Object.keys(first.sets);
    assert.equal(jtis.length, 3);
    assert.equal(first.moreAvailable, true);
    const jwks = await servedJwks(t);
    for (const [jti, jws] of Object.entries(first.sets)) {
      const { claims } = await verifySet(jws, jwks);
      assert.equal(claims.jti, jti);
    }

    const again = await poll(stream.id, { maxEvents: 3, returnImmediately: true });
    assert.deepEqual(Object.keys(again.sets), jtis, 'not acknowledged: sent again');

    const next = await poll(stream.id, {
      maxEvents: 10,
      returnImmediately: true,
      ack: jtis.slice(0, 2),
      setErrs: { [jtis[2]!]: { err: 'invalid_request', description: 'cannot parse' } },
    });
    assert.equal(Object.keys(next.sets).length, 2);
    assert.equal(next.moreAvailable, false);
    for (const jti of jtis) assert.equal(jti in next.sets, false);

    const drained = await poll(stream.id, { returnImmediately: true, ack: Object.keys(next.sets) });
    assert.deepEqual(drained, { sets: {}, moreAvailable: false });
  });

  test('the filter picks event types and workflows; a stream starts "now" by default', async () => {
    await imageChecks(t, tenant.id, 2, 'before');
    const stream = (await api.post('/v1/streams', { name: 'fit-only', workflows: ['fit-case'] })).json() as {
      id: string;
    };
    await imageChecks(t, tenant.id, 2, 'after');
    await api.post('/v1/subjects', { workflow: 'fit-case', id: 'case-p' });
    const got = await poll(stream.id, { returnImmediately: true });
    const subs = Object.values(got.sets).map((jws) => decodeJwt(jws).sub);
    assert.deepEqual(subs, ['case:case-p']);
  });

  test('a long poll waits for the next event and answers when it is written', async () => {
    const stream = (await api.post('/v1/streams', { name: 'long' })).json() as { id: string };
    const started = Date.now();
    const waiting = poll(stream.id, { maxEvents: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await imageChecks(t, tenant.id, 1, 'wake');
    const got = await waiting;
    assert.equal(Object.keys(got.sets).length, 1);
    assert.ok(Date.now() - started >= 300);
    assert.ok(Date.now() - started < 5_000);
  });

  test('a stream name is unique per tenant; streams are listed, read and deleted', async () => {
    assert.equal((await api.post('/v1/streams', { name: 'dup' })).statusCode, 201);
    const twice = await api.post('/v1/streams', { name: 'dup' });
    assert.equal(twice.statusCode, 409);
    const list = (await api.get('/v1/streams')).json() as { streams: Array<{ id: string; name: string }> };
    const dup = list.streams.find((s) => s.name === 'dup');
    assert.ok(dup);
    assert.equal((await api.get(`/v1/streams/${dup.id}`)).json().name, 'dup');
    assert.equal((await api.delete(`/v1/streams/${dup.id}`)).statusCode, 204);
    assert.equal((await api.get(`/v1/streams/${dup.id}`)).statusCode, 404);
  });

  test('tenant isolation: another tenant can neither see, poll nor delete the stream', async () => {
    const stream = (await api.post('/v1/streams', { name: 'private', startAt: 'beginning' })).json() as { id: string };
    const stranger = client(t, (await t.tenant('Stranger')).auth);
    assert.equal((await stranger.get(`/v1/streams/${stream.id}`)).statusCode, 404);
    const res = await stranger.post(`/v1/streams/${stream.id}/poll`, { returnImmediately: true });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'not_found');
    assert.equal((await stranger.delete(`/v1/streams/${stream.id}`)).statusCode, 404);
    assert.deepEqual((await stranger.get('/v1/streams')).json(), { streams: [] });
    // The stranger's own stream from the beginning sees none of this tenant's events.
    const own = (await stranger.post('/v1/streams', { name: 'mine', startAt: 'beginning' })).json() as { id: string };
    const polled = await stranger.post(`/v1/streams/${own.id}/poll`, { returnImmediately: true });
    assert.deepEqual(polled.json(), { sets: {}, moreAvailable: false });
  });

  test('bad poll bodies are 400 validation', async () => {
    const stream = (await api.post('/v1/streams', { name: 'strict' })).json() as { id: string };
    for (const body of [{ maxEvents: -1 }, { maxEvents: 'ten' }, { ack: 'x' }, { colour: 'red' }]) {
      const res = await api.post(`/v1/streams/${stream.id}/poll`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().code, 'validation');
    }
  });
});
