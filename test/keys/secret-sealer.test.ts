import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { SealError, SecretSealer } from '../../src/keys/secret-sealer.js';

const ROW = { table: 'endpoints', id: 'ep_1', column: 'secret' };
const OLD = { id: '2025', key: randomBytes(32) };
const NEW = { id: '2026', key: randomBytes(32) };

/** A value in the format before key ids (`aes256gcm:<iv>.<tag>.<ciphertext>`), as the old PrivateKeyBox wrote it. */
function legacySeal(text: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `aes256gcm:${[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')}`;
}

const code = (expected: string) => (error: unknown) => error instanceof SealError && error.code === expected;

describe('secret sealer (JWE dir + A256GCM, row-bound)', () => {
  test('round trip: JWE compact with kid and the row in the protected header; the text is not in it', async () => {
    const sealer = new SecretSealer([NEW]);
    const sealed = await sealer.seal('whsec_topsecret', ROW);
    assert.match(sealed, /^jwe:[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(!sealed.includes('topsecret'));
    const header = decodeProtectedHeader(sealed.slice(4));
    assert.deepEqual(header, { alg: 'dir', enc: 'A256GCM', kid: '2026', row: 'endpoints/ep_1/secret' });
    assert.equal(await sealer.open(sealed, ROW), 'whsec_topsecret');
  });

  test('a sealed value moved to another row, or another column of the same row, does not open', async () => {
    const sealer = new SecretSealer([NEW]);
    const sealed = await sealer.seal('whsec_a', ROW);
    await assert.rejects(sealer.open(sealed, { ...ROW, id: 'ep_2' }), code('seal_row_mismatch'));
    await assert.rejects(sealer.open(sealed, { ...ROW, column: 'previous_secret' }), code('seal_row_mismatch'));
  });

  test('a header rewritten to claim the other row fails authentication (the header is the associated data)', async () => {
    const sealer = new SecretSealer([NEW]);
    const [, , iv, ciphertext, tag] = (await sealer.seal('whsec_a', ROW)).slice(4).split('.');
    const forged = Buffer.from(
      JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: '2026', row: 'endpoints/ep_2/secret' }),
    ).toString('base64url');
    const moved = `jwe:${forged}..${iv}.${ciphertext}.${tag}`;
    await assert.rejects(sealer.open(moved, { ...ROW, id: 'ep_2' }), code('seal_invalid'));
  });

  test('rotation: the first key seals, every listed key opens; a key no longer listed is a clear error', async () => {
    const before = await new SecretSealer([OLD]).seal('s1', ROW);
    const both = new SecretSealer([NEW, OLD]);
    assert.equal(await both.open(before, ROW), 's1');
    const after = await both.seal('s2', ROW);
    assert.equal(decodeProtectedHeader(after.slice(4)).kid, '2026');
    assert.equal(both.isCurrent(after), true);
    assert.equal(both.isCurrent(before), false);
    await assert.rejects(new SecretSealer([NEW]).open(before, ROW), code('seal_key_unknown'));
  });

  test('the old format (aes256gcm:, no key id) still opens with whichever listed key sealed it', async () => {
    const old = legacySeal('-----BEGIN PRIVATE KEY-----', OLD.key);
    assert.equal(await new SecretSealer([NEW, OLD]).open(old, ROW), '-----BEGIN PRIVATE KEY-----');
    await assert.rejects(new SecretSealer([NEW]).open(old, ROW), code('seal_key_unknown'));
    await assert.rejects(new SecretSealer().open(old, ROW), code('seal_key_missing'));
  });

  test('without keys values are stored as given, and plain values are read as they are', async () => {
    const none = new SecretSealer();
    assert.equal(await none.seal('whsec_x', ROW), 'whsec_x');
    assert.equal(await none.seal('PEM', ROW, (t) => `pem:${t}`), 'pem:PEM');
    assert.equal(await new SecretSealer([NEW]).open('pem:PEM', ROW), 'PEM');
    assert.equal(await new SecretSealer([NEW]).open('whsec_x', ROW), 'whsec_x');
  });
});
