import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { RowIdentity, SecretSealer } from './secret-sealer.js';
import { ALGORITHM_OF, type KeyPurpose, type PublicJwk, type SigningKeyRecord } from './signing-key.js';

const generate = promisify(generateKeyPair);

/**
 * A new key pair for `purpose`. RSA-4096 generation takes 0.5-5 s; it runs on
 * libuv's thread pool, so the event loop keeps serving meanwhile. The `kid` is
 * the RFC 7638 thumbprint of the public key.
 */
export async function generateSigningKey(
  purpose: KeyPurpose,
  sealer: SecretSealer,
  now: Date,
  /** The row the private key is stored in (default: the service's own `signing_keys`). */
  rowOf: (kid: string) => RowIdentity = privateKeyRow,
): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } =
    purpose === 'fit' ? await generate('rsa', { modulusLength: 4096 }) : await generate('ed25519', {});
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  const alg = ALGORITHM_OF[purpose];
  const publicJwk: PublicJwk = { ...jwk, kty: String(jwk.kty), kid, alg, use: 'sig', key_ops: ['verify'] };
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const sealed = await sealer.seal(pem, rowOf(kid), (text) => `pem:${text}`);
  return { kid, purpose, alg, publicJwk, privateKey: sealed, createdAt: now.toISOString(), rotatedAt: null };
}

/** Where a signing key's private half is stored: what its sealed value is bound to. */
export function privateKeyRow(kid: string): RowIdentity {
  return { table: 'signing_keys', id: kid, column: 'private_key' };
}
