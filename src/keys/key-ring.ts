import { type CryptoKey, importPKCS8 } from 'jose';
import { signingKeyRotated } from '../delivery/operational-intent.js';
import { generateSigningKey, privateKeyRow } from './generate-signing-key.js';
import type { KeyStorage } from './key-storage.js';
import { SecretSealer } from './secret-sealer.js';
import { KEY_PURPOSES, type KeyPurpose, type PublicJwk, type SigningKeyRecord } from './signing-key.js';

export const DEFAULT_KEY_OVERLAP_MS = 7 * 24 * 3_600_000;
/**
 * How long a new key is published before it signs (default 1 h): verifiers
 * cache a JWKS (ours says max-age=60; jose's remote JWKS keeps one up to
 * 10 min), and one whose copy predates the rotation must still find the kid
 * of every SET it meets.
 */
export const DEFAULT_KEY_PUBLISH_LEAD_MS = 3_600_000;

export interface KeyRingOptions {
  storage: KeyStorage;
  clock: () => Date;
  /** How long a rotated key stays in the JWKS (default 7 days). */
  overlapMs?: number;
  /** How long a new key is in the JWKS before it signs (default 1 h; see DEFAULT_KEY_PUBLISH_LEAD_MS). */
  publishLeadMs?: number;
  /** Seals private keys at rest (JWE, `TIDINGS_KEY_ENCRYPTION_KEYS`); without keys they are stored as PEM (never served). */
  sealer?: SecretSealer;
  /**
   * How long the key list is reused before it is read again (default 5 s): a
   * rotation by another process (`tidings keys rotate`) is seen within that
   * time, while signing a page costs no key query.
   */
  cacheMs?: number;
  /**
   * Called after a rotation, whose `signing-key.rotated` intent was written
   * with it (the server wakes its operational events' drain; the CLI has
   * none and leaves the intent to the server's next drain).
   */
  onRotated?: () => void;
}

/**
 * The signing keys of this deployment: one active key per purpose, created on
 * first need, rotated on demand; rotated keys stay published for the overlap.
 */
export class KeyRing {
  private readonly sealer: SecretSealer;
  private cached: { at: number; keys: SigningKeyRecord[] } | null = null;
  private readonly generating = new Map<KeyPurpose, Promise<SigningKeyRecord>>();
  private readonly imported = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly options: KeyRingOptions) {
    this.sealer = options.sealer ?? new SecretSealer();
  }

  get encryptsPrivateKeys(): boolean {
    return this.sealer.encrypts;
  }

  async list(fresh = false): Promise<SigningKeyRecord[]> {
    const now = Date.now();
    if (!fresh && this.cached && now - this.cached.at < (this.options.cacheMs ?? 5_000)) return this.cached.keys;
    const keys = await this.options.storage.listKeys();
    this.cached = { at: now, keys };
    return keys;
  }

  /** The active key of `purpose`, generated and stored when there is none yet. */
  async activeKey(purpose: KeyPurpose): Promise<SigningKeyRecord> {
    const found = (await this.list()).find((k) => k.purpose === purpose && k.rotatedAt === null);
    if (found) return found;
    let pending = this.generating.get(purpose);
    if (!pending) {
      pending = this.createFirstKey(purpose).finally(() => this.generating.delete(purpose));
      this.generating.set(purpose, pending);
    }
    return pending;
  }

  /**
   * The key that signs for `purpose` now: the active key once it has been
   * published for the lead time; until then the key it replaced, which is
   * still in the JWKS. A deployment's first key signs at once (no verifier
   * can hold an older copy of a JWKS that never had a key).
   */
  async signingKey(purpose: KeyPurpose): Promise<SigningKeyRecord> {
    const active = await this.activeKey(purpose);
    const now = this.options.clock().getTime();
    if (now - Date.parse(active.createdAt) >= (this.options.publishLeadMs ?? DEFAULT_KEY_PUBLISH_LEAD_MS))
      return active;
    const previous = (await this.publishedKeys())
      .filter((k) => k.purpose === purpose && k.rotatedAt !== null)
      .sort((a, b) => Date.parse(b.rotatedAt ?? '') - Date.parse(a.rotatedAt ?? ''))[0];
    return previous ?? active;
  }

  /** Makes sure every purpose has a key, so the JWKS is never empty (RSA-4096 takes seconds: run it off the hot path). */
  async ensureKeys(): Promise<void> {
    await Promise.all(KEY_PURPOSES.map((purpose) => this.activeKey(purpose)));
  }

  private async createFirstKey(purpose: KeyPurpose): Promise<SigningKeyRecord> {
    const existing = (await this.list(true)).find((k) => k.purpose === purpose && k.rotatedAt === null);
    if (existing) return existing;
    const key = await generateSigningKey(purpose, this.sealer, this.options.clock());
    await this.options.storage.insertFirstKey(key);
    // Another process may have won the race: whichever row is stored is the key.
    const stored = (await this.list(true)).find((k) => k.purpose === purpose && k.rotatedAt === null);
    if (!stored) throw new Error(`no active ${purpose} signing key after creating one`);
    return stored;
  }

  /** The private key of `kid`, imported once per process. */
  async privateKey(kid: string): Promise<CryptoKey> {
    let key = this.imported.get(kid);
    if (!key) {
      let record = (await this.list()).find((k) => k.kid === kid);
      record ??= (await this.list(true)).find((k) => k.kid === kid);
      if (!record) throw new Error(`unknown signing key ${kid}`);
      const { privateKey, alg } = record;
      key = this.sealer.open(privateKey, privateKeyRow(kid)).then((pem) => importPKCS8(pem, alg));
      this.imported.set(kid, key);
      key.catch(() => this.imported.delete(kid));
    }
    return key;
  }

  /**
   * Replaces the active key of each purpose (all by default); the old ones
   * stay in the JWKS for the overlap. Each rotation writes, in its
   * transaction, the intent of its `signing-key.rotated` operational event.
   */
  async rotate(purposes: readonly KeyPurpose[] = KEY_PURPOSES): Promise<SigningKeyRecord[]> {
    const created: SigningKeyRecord[] = [];
    for (const purpose of purposes) {
      const now = this.options.clock();
      const key = await generateSigningKey(purpose, this.sealer, now);
      const at = now.toISOString();
      const iso = (ms: number) => new Date(ms).toISOString();
      await this.options.storage.rotateTo(key, at, (retiredKid) =>
        signingKeyRotated({
          purpose,
          kid: key.kid,
          alg: key.alg,
          retiredKid,
          rotatedAt: at,
          // a purpose's first key signs at once (see `signingKey`)
          signsFrom: retiredKid === null ? key.createdAt : iso(Date.parse(key.createdAt) + this.publishLeadMs),
          retiredKeyLeavesJwksAt: retiredKid === null ? null : iso(now.getTime() + this.overlapMs),
        }),
      );
      created.push(key);
    }
    await this.list(true);
    if (created.length > 0) this.options.onRotated?.();
    return created;
  }

  /** Keys still in use: active, or rotated less than the overlap ago. */
  async publishedKeys(): Promise<SigningKeyRecord[]> {
    const cutoff = this.options.clock().getTime() - this.overlapMs;
    return (await this.list()).filter((k) => k.rotatedAt === null || Date.parse(k.rotatedAt) > cutoff);
  }

  /** Kids rotated out longer than the overlap ago: SETs they signed no longer verify against the JWKS. */
  async retiredKids(): Promise<string[]> {
    const published = new Set((await this.publishedKeys()).map((k) => k.kid));
    return (await this.list()).filter((k) => !published.has(k.kid)).map((k) => k.kid);
  }

  /** The published public keys; a deployment's first keys are made here if nothing has asked for them yet. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    if ((await this.list()).filter((k) => k.rotatedAt === null).length < KEY_PURPOSES.length) await this.ensureKeys();
    return { keys: (await this.publishedKeys()).map((k) => k.publicJwk) };
  }

  private get overlapMs(): number {
    return this.options.overlapMs ?? DEFAULT_KEY_OVERLAP_MS;
  }

  private get publishLeadMs(): number {
    return this.options.publishLeadMs ?? DEFAULT_KEY_PUBLISH_LEAD_MS;
  }
}
