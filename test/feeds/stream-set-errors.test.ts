import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dropBackends, fakeClock, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';
import { type Auth, client, imageChecks } from './pull-kit.js';

const backends = await testBackends();
after(() => dropBackends(backends));

for (const backend of backends) {
  describe(`RFC 8936 setErrs are bounded by what the stream delivered (${backend.name})`, {
    skip: backend.skip,
  }, () => {
    let t: TestApp;
    let tenant: { id: string; auth: Auth };
    let api: ReturnType<typeof client>;
    const clock = fakeClock();
    before(async () => {
      t = await startTestApp({ ...backend.env, TIDINGS_RETENTION_DAYS: '30' }, { clock: clock.now });
      tenant = await t.tenant('Poller');
      api = client(t, tenant.auth);
    });
    after(() => t.close());

    /** A stream from the beginning of the log, and the jtis of its first poll. */
    const streamWithPending = async (name: string, prefix: string) => {
      const stream = (await api.post('/v1/streams', { name, startAt: 'beginning' })).json() as { id: string };
      await imageChecks(t, tenant.id, 2, prefix);
      const first = await api.post(`/v1/streams/${stream.id}/poll`, { returnImmediately: true, maxEvents: 10 });
      assert.equal(first.statusCode, 200, first.body);
      return { id: stream.id, jtis: Object.keys((first.json() as { sets: Record<string, string> }).sets) };
    };
    const setErrorsOf = async (streamId: string) => {
      const res = await api.get(`/v1/streams/${streamId}/set-errors`);
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { setErrors: Array<{ jti: string; err: string }> }).setErrors;
    };
    const stored = (streamId: string) => t.runtime.pull.storage.streams.setErrors(tenant.id, streamId, 10_000);

    test('1,000 made-up jtis store nothing; the one the stream delivered is recorded and readable', async () => {
      const { id, jtis } = await streamWithPending('errs', 'e');
      const real = jtis[0] ?? '';
      const setErrs: Record<string, { err: string; description: string }> = {};
      for (let i = 0; i < 999; i++) setErrs[`made-up-${i}`] = { err: 'invalid_request', description: 'x'.repeat(500) };
      setErrs[real] = { err: 'invalid_key', description: 'no key for kid' };
      const res = await api.post(`/v1/streams/${id}/poll`, { returnImmediately: true, setErrs });
      assert.equal(res.statusCode, 200, res.body);

      assert.deepEqual(
        (await stored(id)).map((e) => e.jti),
        [real],
      );
      const listed = await setErrorsOf(id);
      assert.deepEqual(
        listed.map((e) => [e.jti, e.err]),
        [[real, 'invalid_key']],
      );

      // Reported again once settled: it is no longer pending, so nothing more is stored.
      await api.post(`/v1/streams/${id}/poll`, { returnImmediately: true, setErrs: { [real]: setErrs[real] } });
      assert.equal((await stored(id)).length, 1);
    });

    test('deleting the stream deletes its recorded setErrs', async () => {
      const { id, jtis } = await streamWithPending('doomed', 'd');
      await api.post(`/v1/streams/${id}/poll`, {
        returnImmediately: true,
        setErrs: { [jtis[0] ?? '']: { err: 'invalid_request', description: 'bad' } },
      });
      assert.equal((await stored(id)).length, 1);
      assert.equal((await api.delete(`/v1/streams/${id}`)).statusCode, 204);
      assert.equal((await stored(id)).length, 0);
      assert.equal((await api.get(`/v1/streams/${id}/set-errors`)).statusCode, 404);
    });

    test('retention prunes setErrs older than the window', async () => {
      const { id, jtis } = await streamWithPending('aging', 'a');
      await api.post(`/v1/streams/${id}/poll`, {
        returnImmediately: true,
        setErrs: { [jtis[0] ?? '']: { err: 'invalid_request', description: 'old' } },
      });
      assert.equal((await stored(id)).length, 1);
      clock.advance(31 * 86_400_000);
      const run = await t.runtime.pull.retention.runOnce();
      assert.ok(run.setErrors >= 1, JSON.stringify(run));
      assert.equal((await stored(id)).length, 0);
    });
  });
}
