/**
 * A SET that cannot be signed *now* is not an event that cannot be rendered.
 * Only the event's own failures (its rendering throws, its data nests too
 * deep) are skipped by a read or dead-lettered by a push; a passing fault on
 * the way (the signing key cannot be read: a database error, say) fails the
 * read and leaves the push to be retried. A poll settles what it skips, so
 * taking a fault for a bad event would lose the event for that stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DeliveryRecord } from '../../src/delivery/delivery.js';
import { PrepareError, preparePush } from '../../src/delivery/prepare-push.js';
import { EventSets } from '../../src/feeds/event-sets.js';
import type { SetSigner } from '../../src/keys/set-signer.js';
import { pushEndpoint } from '../helpers/push-endpoint.js';
import { startTestApp, type TestApp } from '../helpers/test-runtime.js';
import { client } from './pull-kit.js';

const FAULT = Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });

/** The runtime's signer, with `keyFor` or signing failing as a locked database would. */
function faulty(signer: SetSigner, where: 'keyFor' | 'sign'): SetSigner {
  const failing = where === 'keyFor' ? ['keyFor'] : ['sign', 'signClaims'];
  return new Proxy(signer, {
    get(target, name, receiver) {
      if (failing.includes(String(name))) return async () => Promise.reject(FAULT);
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a passing signing fault is not a skipped event', () => {
  let t: TestApp;
  let tenantId: string;
  let api: ReturnType<typeof client>;
  before(async () => {
    t = await startTestApp();
    const tenant = await t.tenant();
    tenantId = tenant.id;
    api = client(t, tenant.auth);
  });
  after(() => t.close());

  /** A fresh subject's events: none of them signed yet. */
  let subjects = 0;
  const events = async () => {
    const id = `v${++subjects}`;
    assert.equal((await api.post('/v1/subjects', { workflow: 'videoid-request', id })).statusCode, 201);
    return t.runtime.store.listEvents(tenantId, { subjectId: id, limit: 10 });
  };
  const sets = (signer: SetSigner) =>
    new EventSets({ store: t.runtime.store, storage: t.runtime.pull.storage.feed, signer, issuer: t.config.issuer });

  for (const where of ['keyFor', 'sign'] as const) {
    test(`${where} failing: the read fails, nothing is skipped or stored; the next read signs it`, async () => {
      const stored = await events();
      assert.equal(stored.length, 1);
      await assert.rejects(sets(faulty(t.runtime.signer, where)).jwsFor(tenantId, stored), FAULT);
      const { jws, skipped } = await sets(t.runtime.signer).jwsFor(tenantId, stored);
      assert.deepEqual(skipped, []);
      assert.equal(jws.size, 1);
    });

    test(`${where} failing: a SET push is retried, not dead-lettered as unrenderable`, async () => {
      const [event] = await events();
      const delivery = { tenantId, eventId: event?.id } as DeliveryRecord;
      const endpoint = pushEndpoint('set');
      const deps = (setSigner: SetSigner) => ({
        store: t.runtime.store,
        registry: t.runtime.registry,
        issuer: t.config.issuer,
        setSigner,
      });
      const error = await preparePush(deps(faulty(t.runtime.signer, where)), delivery, endpoint, 0).then(
        () => null,
        (e: unknown) => e,
      );
      assert.equal(error, FAULT, 'the fault itself: a retried prepare error, not a permanent render one');
      assert.ok(!(error instanceof PrepareError));
      const pushed = await preparePush(deps(t.runtime.signer), delivery, endpoint, 0);
      assert.equal(pushed.body.split('.').length, 3, 'a compact JWS once the fault has passed');
    });
  }
});
