import { randomUUID } from 'node:crypto';
import { type CryptoKey, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { KeyRing } from '../keys/key-ring.js';
import { PORTAL_ACCESS, type PortalAccess } from './portal-access.js';

/** JOSE `typ` of each kind: a link token is only exchanged, a session token only authenticates. */
const LINK_TYP = 'tidings-portal-link+jwt';
const SESSION_TYP = 'tidings-portal-session+jwt';
const AUDIENCE = 'tidings-console';

export const DEFAULT_PORTAL_TTL_MS = 3_600_000;

export interface PortalGrant {
  tenantId: string;
  access: PortalAccess;
  /** Seconds since the epoch. */
  expiresAt: number;
  jti: string;
}

/**
 * Portal links and sessions as short-lived JWTs signed with the deployment's
 * Ed25519 key (the `default` signing key, published in the JWKS). Stateless,
 * so every API process of a PostgreSQL deployment accepts them without a
 * shared table; the `typ` header keeps a SET, a link and a session apart.
 */
export class PortalTokens {
  private readonly publicKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();

  /**
   * @param claimLink marks a link token's `jti` as exchanged; true only the
   *   first time (the store's `claimPortalLink`), which makes a link single-use.
   */
  constructor(
    private readonly keys: KeyRing,
    private readonly clock: () => Date,
    private readonly claimLink: (jti: string, expiresAt: string, now: string) => Promise<boolean>,
  ) {}

  /** A link token for `tenantId`, valid `ttlMs` from now. */
  async issueLink(tenantId: string, access: PortalAccess, ttlMs = DEFAULT_PORTAL_TTL_MS) {
    const expiresAt = Math.floor((this.clock().getTime() + ttlMs) / 1000);
    const token = await this.sign(LINK_TYP, { tenantId, access, expiresAt, jti: randomUUID() });
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  /**
   * Swaps a valid link token, once, for a session token of the same tenant,
   * access and expiry: `invalid` when it is not a live link of ours, `used`
   * when it was exchanged before.
   */
  async exchange(
    linkToken: string,
  ): Promise<{ ok: true; sessionToken: string; grant: PortalGrant } | { ok: false; reason: 'invalid' | 'used' }> {
    const grant = await this.verify(linkToken, LINK_TYP);
    if (!grant) return { ok: false, reason: 'invalid' };
    const now = this.clock().toISOString();
    const expiresAt = new Date(grant.expiresAt * 1000).toISOString();
    if (!(await this.claimLink(grant.jti, expiresAt, now))) return { ok: false, reason: 'used' };
    const sessionToken = await this.sign(SESSION_TYP, { ...grant, jti: randomUUID() });
    return { ok: true, sessionToken, grant };
  }

  /** The grant of a session token, or null when it is not one of ours, expired or malformed. */
  verifySession(token: string): Promise<PortalGrant | null> {
    return this.verify(token, SESSION_TYP);
  }

  private async sign(typ: string, grant: PortalGrant): Promise<string> {
    const key = await this.keys.activeKey('default');
    return new SignJWT({ access: grant.access })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
      .setSubject(grant.tenantId)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(this.clock().getTime() / 1000))
      .setExpirationTime(grant.expiresAt)
      .setJti(grant.jti)
      .sign(await this.keys.privateKey(key.kid));
  }

  private async verify(token: string, typ: string): Promise<PortalGrant | null> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.publicKey(header.kid), {
        typ,
        audience: AUDIENCE,
        algorithms: ['EdDSA'],
        currentDate: this.clock(),
      });
      return grantOf(payload);
    } catch {
      return null;
    }
  }

  private publicKey(kid: string | undefined): Promise<CryptoKey | Uint8Array> {
    if (!kid) return Promise.reject(new Error('no kid'));
    let key = this.publicKeys.get(kid);
    if (!key) {
      key = this.keys.publishedKeys().then((keys) => {
        const found = keys.find((k) => k.kid === kid && k.purpose === 'default');
        if (!found) throw new Error('unknown kid');
        return importJWK(found.publicJwk as JWK, found.alg);
      });
      this.publicKeys.set(kid, key);
      key.catch(() => this.publicKeys.delete(kid));
    }
    return key;
  }
}

function grantOf(payload: JWTPayload): PortalGrant | null {
  const access = payload.access;
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.jti !== 'string')
    return null;
  if (typeof access !== 'string' || !(PORTAL_ACCESS as readonly string[]).includes(access)) return null;
  return { tenantId: payload.sub, access: access as PortalAccess, expiresAt: payload.exp, jti: payload.jti };
}
