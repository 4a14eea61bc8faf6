import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord } from '../storage/store.js';

/** What an API key may do. `read` covers GETs, `write` subjects and events, `manage` keys and endpoints. */
export const SCOPES = ['read', 'write', 'manage'] as const;
export type Scope = (typeof SCOPES)[number];

const PREFIX = 'tdk';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Makes a new key `tdk_<keyId>_<secret>`. The key id finds the record; only
 * the SHA-256 of the secret is stored, so a database dump reveals no key.
 */
export function generateApiKey(
  tenantId: string,
  name: string,
  scopes: readonly Scope[],
  now: Date,
): { apiKey: string; record: ApiKeyRecord } {
  const id = randomUUID().replaceAll('-', '');
  const secret = randomBytes(24).toString('base64url');
  return {
    apiKey: `${PREFIX}_${id}_${secret}`,
    record: {
      id,
      tenantId,
      name,
      secretHash: sha256(secret),
      scopes: [...scopes],
      createdAt: now.toISOString(),
      revokedAt: null,
    },
  };
}

/** Splits a presented key into id and secret, or `null` when it is not shaped like one of ours. */
export function parseApiKey(apiKey: string): { id: string; secret: string } | null {
  const match = /^tdk_([0-9a-f]{32})_([A-Za-z0-9_-]{32})$/.exec(apiKey);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

/** Compares the presented secret with the stored hash in constant time. */
export function secretMatches(secret: string, record: ApiKeyRecord): boolean {
  const presented = Buffer.from(sha256(secret), 'hex');
  const stored = Buffer.from(record.secretHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Constant-time comparison of two tokens of any length (for the admin token). */
export function tokensEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
