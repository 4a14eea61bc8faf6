import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compactVerify, createLocalJWKSet } from 'jose';
import { renderSet } from '../../src/formats/set.js';
import { DEFAULT_KEY_PUBLISH_LEAD_MS, KeyRing } from '../../src/keys/key-ring.js';
import { SecretSealer } from '../../src/keys/secret-sealer.js';
import { SetSigner } from '../../src/keys/set-signer.js';
import { SqliteKeyStorage } from '../../src/keys/sqlite-key-storage.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { context, event, subject } from '../formats/format-fixtures.js';
import { fakeClock } from '../helpers/test-runtime.js';

const DAY = 86_400_000;

describe('key ring (SQLite)', () => {
  let store: SqliteStore;
  const clock = fakeClock();
  let ring: KeyRing;
  before(async () => {
    store = new SqliteStore({ path: ':memory:' });
    await store.migrate();
    ring = new KeyRing({
      storage: new SqliteKeyStorage(store.db),
      clock: clock.now,
      sealer: new SecretSealer([{ id: 'k1', key: randomBytes(32) }]),
    });
  });
  after(() => store.close());

  test('creates one key per purpose on first need, PS512 RSA-4096 for FIT and EdDSA otherwise', async () => {
    const [fit, fitAgain, other] = await Promise.all([
      ring.activeKey('fit'),
      ring.activeKey('fit'),
      ring.activeKey('default'),
    ]);
    assert.equal(fit.kid, fitAgain.kid, 'concurrent first uses share one generation');
    assert.equal(fit.alg, 'PS512');
    assert.equal(fit.publicJwk.kty, 'RSA');
    assert.equal(Buffer.from(String(fit.publicJwk.n), 'base64url').length * 8, 4096);
    assert.equal(other.alg, 'EdDSA');
    assert.equal(other.publicJwk.crv, 'Ed25519');
    const rows = store.db.prepare('SELECT private_key FROM signing_keys').all() as Array<{ private_key: string }>;
    assert.equal(rows.length, 2);
    for (const r of rows) assert.match(r.private_key, /^jwe:/, 'private keys are encrypted at rest');
  });

  test('the JWKS carries public members only', async () => {
    const { keys } = await ring.jwks();
    assert.equal(keys.length, 2);
    for (const k of keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(secret in k, false);
      assert.equal(k.use, 'sig');
    }
  });

  test('a new key is published for the lead time before it signs; the old one stays published for the overlap only', async () => {
    const signer = new SetSigner(ring);
    const submission = subject({ id: 's-1', workflow: 'fit-submission', status: 'accepted', parentId: 'c-1' });
    const e = event(submission, { type: 'accept-submission', occurredAt: '2026-01-15T10:00:00.000Z' });
    const before = await signer.sign(
      renderSet({ ...context(submission, e), signingKey: await signer.keyFor('fit-submission') }),
    );
    const oldKid = (await ring.activeKey('fit')).kid;

    await ring.rotate(['fit']);
    const newKid = (await ring.activeKey('fit')).kid;
    assert.notEqual(newKid, oldKid);
    const jwks = await ring.jwks();
    assert.deepEqual(
      jwks.keys.map((k) => k.kid).sort(),
      [oldKid, newKid, (await ring.activeKey('default')).kid].sort(),
    );
    await compactVerify(before, createLocalJWKSet(jwks));
    const signNow = async () =>
      signer.sign(renderSet({ ...context(submission, e), signingKey: await signer.keyFor('fit-submission') }));
    // A verifier holding the JWKS from before the rotation must not meet the new kid yet.
    const duringLead = await compactVerify(await signNow(), createLocalJWKSet(jwks));
    assert.equal(duringLead.protectedHeader.kid, oldKid, 'the old key signs during the lead time');
    clock.advance(DEFAULT_KEY_PUBLISH_LEAD_MS);
    const afterLead = await compactVerify(await signNow(), createLocalJWKSet(jwks));
    assert.equal(afterLead.protectedHeader.kid, newKid, 'the new key signs once the lead time is over');

    clock.advance(7 * DAY + 1);
    assert.equal(
      (await ring.jwks()).keys.some((k) => k.kid === oldKid),
      false,
      'gone after the 7-day overlap',
    );
    assert.deepEqual(await ring.retiredKids(), [oldKid]);
  });
});

describe('a fresh deployment', () => {
  test('its JWKS is never empty: reading it makes a key of each purpose', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    try {
      await store.migrate();
      const ring = new KeyRing({ storage: new SqliteKeyStorage(store.db), clock: fakeClock().now });
      const { keys } = await ring.jwks();
      assert.deepEqual(keys.map((k) => k.alg).sort(), ['EdDSA', 'PS512']);
    } finally {
      await store.close();
    }
  });

  test('its first key signs at once: no verifier can hold an older copy of a JWKS that had no key', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    try {
      await store.migrate();
      const ring = new KeyRing({ storage: new SqliteKeyStorage(store.db), clock: fakeClock().now });
      assert.equal((await ring.signingKey('default')).kid, (await ring.activeKey('default')).kid);
    } finally {
      await store.close();
    }
  });
});
