import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openSsfStorage } from '../../src/signals/create-signals.js';
import type { SsfStorage, SsfStreamRecord } from '../../src/signals/storage/ssf-storage.js';
import { dropBackends, startTestApp, type TestApp, testBackends } from '../helpers/test-runtime.js';

const backends = await testBackends();
after(() => dropBackends(backends));

/** One contract for both SSF storages. */
for (const backend of backends) {
  describe(`SSF stream storage (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestApp;
    let storage: SsfStorage;
    const stream = (tenantId: string, id: string): SsfStreamRecord => ({
      tenantId,
      id,
      method: 'poll',
      carrierId: 'str_1',
      aud: 'rcv',
      description: null,
      eventsRequested: ['https://t.example/events/a/x'],
      status: 'enabled',
      reason: null,
      verifiedAt: null,
      createdAt: '2026-01-15T10:00:00.000Z',
      updatedAt: '2026-01-15T10:00:00.000Z',
    });
    before(async () => {
      t = await startTestApp(backend.env);
      storage = openSsfStorage(t.runtime.store);
    });
    after(() => t.close());

    test('a stream reads back as written, per tenant, and updates', async () => {
      await storage.createStream(stream('tenant-a', 'ssf_1'));
      assert.deepEqual(await storage.getStream('tenant-a', 'ssf_1'), stream('tenant-a', 'ssf_1'));
      assert.equal(await storage.getStream('tenant-b', 'ssf_1'), null);
      const paused = {
        ...stream('tenant-a', 'ssf_1'),
        status: 'paused' as const,
        reason: 'r',
        updatedAt: '2026-01-15T11:00:00.000Z',
      };
      assert.equal(await storage.updateStream(paused), true);
      assert.deepEqual(await storage.getStream('tenant-a', 'ssf_1'), paused);
      assert.equal(await storage.updateStream(stream('tenant-a', 'ssf_missing')), false);
      assert.deepEqual(
        (await storage.listStreams('tenant-a')).map((s) => s.id),
        ['ssf_1'],
      );
    });

    test('one verification per interval, even when requests race', async () => {
      await storage.createStream(stream('tenant-a', 'ssf_v'));
      const now = '2026-01-15T10:00:10.000Z';
      const notBefore = '2026-01-15T10:00:00.000Z';
      const claims = await Promise.all(
        Array.from({ length: 5 }, () => storage.claimVerification('tenant-a', 'ssf_v', now, notBefore)),
      );
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal(
        await storage.claimVerification('tenant-a', 'ssf_v', '2026-01-15T10:00:15.000Z', '2026-01-15T10:00:05.000Z'),
        false,
      );
      assert.equal(
        await storage.claimVerification('tenant-a', 'ssf_v', '2026-01-15T10:00:30.000Z', '2026-01-15T10:00:20.000Z'),
        true,
      );
    });

    test('control SETs wait oldest first until settled; unknown jtis change nothing; delete takes them along', async () => {
      await storage.createStream(stream('tenant-a', 'ssf_c'));
      await storage.addControlSet('tenant-a', 'ssf_c', { jti: 'j1', jws: 'a.b.c' }, '2026-01-15T10:00:00.000Z');
      await storage.addControlSet('tenant-a', 'ssf_c', { jti: 'j2', jws: 'd.e.f' }, '2026-01-15T10:00:01.000Z');
      assert.deepEqual(await storage.controlSets('tenant-a', 'ssf_c', 10), [
        { jti: 'j1', jws: 'a.b.c' },
        { jti: 'j2', jws: 'd.e.f' },
      ]);
      assert.deepEqual(await storage.controlSets('tenant-b', 'ssf_c', 10), []);
      await storage.settleControlSets('tenant-a', 'ssf_c', ['j1', 'nope']);
      assert.deepEqual(await storage.controlSets('tenant-a', 'ssf_c', 10), [{ jti: 'j2', jws: 'd.e.f' }]);
      assert.equal(await storage.deleteStream('tenant-a', 'ssf_c'), true);
      assert.equal(await storage.deleteStream('tenant-a', 'ssf_c'), false);
      await storage.createStream(stream('tenant-a', 'ssf_c'));
      assert.deepEqual(await storage.controlSets('tenant-a', 'ssf_c', 10), []);
    });
  });
}
