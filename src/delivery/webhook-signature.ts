import { createHmac, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com). The signed
 * content is `${webhookId}.${timestamp}.${body}`; HMAC secrets are
 * `whsec_<base64 key>` and sign as `v1,<base64>`, Ed25519 secrets are
 * `whsk_<base64 32-byte seed>` and sign as `v1a,<base64>`. Several secrets
 * (a rotation's grace period) give several space-separated signatures.
 */

// DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function newHmacSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function newEd25519Secret(): string {
  return `whsk_${randomBytes(32).toString('base64')}`;
}

function ed25519Key(secret: string) {
  const seed = Buffer.from(secret.slice('whsk_'.length), 'base64');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** `whpk_<base64 raw public key>`, what a receiver verifies `v1a` signatures with. */
export function ed25519PublicKey(secret: string): string {
  const jwk = createPublicKey(ed25519Key(secret)).export({ format: 'jwk' });
  return `whpk_${Buffer.from(String(jwk.x), 'base64url').toString('base64')}`;
}

/** One `v1,`/`v1a,` signature of the content with one secret. */
export function signOnce(secret: string, content: string): string {
  if (secret.startsWith('whsk_')) {
    return `v1a,${sign(null, Buffer.from(content), ed25519Key(secret)).toString('base64')}`;
  }
  if (!secret.startsWith('whsec_')) throw new TypeError('a webhook secret starts with whsec_ or whsk_');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
}

/** The `webhook-signature` header value for one push. */
export function webhookSignature(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  const content = `${id}.${timestamp}.${body}`;
  return secrets.map((s) => signOnce(s, content)).join(' ');
}
