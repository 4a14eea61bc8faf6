import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  ed25519PublicKey,
  newEd25519Secret,
  newHmacSecret,
  webhookSignature,
} from '../../src/delivery/webhook-signature.js';

describe('Standard Webhooks signatures', () => {
  const body = JSON.stringify({ hello: 'world' });
  const id = 'msg_0192';
  const timestamp = Math.floor(Date.now() / 1000);

  test('an HMAC signature verifies with the standardwebhooks package', () => {
    const secret = newHmacSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const signature = webhookSignature([secret], id, timestamp, body);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    assert.deepEqual(new Webhook(secret).verify(body, headers), { hello: 'world' });
  });

  test('during a rotation both secrets sign, and either verifies', () => {
    const [oldSecret, newSecret] = [newHmacSecret(), newHmacSecret()];
    const signature = webhookSignature([newSecret, oldSecret], id, timestamp, body);
    assert.equal(signature.split(' ').length, 2);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    for (const s of [oldSecret, newSecret]) assert.deepEqual(new Webhook(s).verify(body, headers), { hello: 'world' });
    assert.throws(() => new Webhook(newHmacSecret()).verify(body, headers));
  });

  test('an Ed25519 signature is v1a and verifies with the whpk_ public key', () => {
    const secret = newEd25519Secret();
    const signature = webhookSignature([secret], id, timestamp, body);
    assert.match(signature, /^v1a,/);
    const raw = Buffer.from(ed25519PublicKey(secret).slice('whpk_'.length), 'base64');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    const ok = verify(null, Buffer.from(`${id}.${timestamp}.${body}`), key, Buffer.from(signature.slice(4), 'base64'));
    assert.equal(ok, true);
  });
});
