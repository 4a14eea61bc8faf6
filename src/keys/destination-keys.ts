import { type CryptoKey, importPKCS8 } from 'jose';
import type { DestinationKeyStorage } from './destination-key-storage.js';
import { generateSigningKey } from './generate-signing-key.js';
import type { RowIdentity } from './secret-sealer.js';
import { SecretSealer } from './secret-sealer.js';
import type { PublicJwk, SigningKeyRecord } from './signing-key.js';

export interface DestinationKeysOptions {
  storage: DestinationKeyStorage;
  clock: () => Date;
  /** Seals the private keys (JWE bound to their row), as the service's own keys are; none: stored as PEM. */
  sealer?: SecretSealer;
  /**
   * How long (by `clock`) a destination's active key is reused before it is
   * read again (default 5 s, as the service's key ring): a rotation by another process
   * is signed with within that time.
   */
  cacheMs?: number;
}

export interface DestinationKeyRotation {
  kid: string;
  /** The key it replaces, still published: SETs it signed keep verifying. Null: the destination's first key. */
  previousKid: string | null;
  rotatedAt: string;
}

/** Where a destination key's private half is stored: what its sealed value is bound to. */
export function destinationKeyRow(tenantId: string, kid: string): RowIdentity {
  return { table: 'destination_keys', id: `${tenantId}/${kid}`, column: 'private_key' };
}

/**
 * The signing keys of FIT-Connect destinations (receiving systems). In
 * FIT-Connect the receiving system signs the SETs of the events it records
 * (`accept-submission`, `reject-submission`) with its own key, and a client
 * verifying one picks the key by issuer: `iss` is the destination id and the
 * key is the destination's, fetched at `/v1/destinations/{iss}/keys/{kid}`
 * (seed-formats.md, "Pick the key by issuer"). Tidings records those events
 * for the receiving system, so it keeps one PS512 RSA-4096 key per destination
 * of a tenant, made when the destination's first SET is signed.
 */
export class DestinationKeys {
  private readonly sealer: SecretSealer;
  private readonly generating = new Map<string, Promise<SigningKeyRecord>>();
  private readonly active = new Map<string, { at: number; key: SigningKeyRecord }>();
  private readonly imported = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly options: DestinationKeysOptions) {
    this.sealer = options.sealer ?? new SecretSealer();
  }

  /** The key that signs the destination's SETs, generated and stored on first need. */
  async signingKey(tenantId: string, destinationId: string): Promise<SigningKeyRecord> {
    const id = `${tenantId}\u0000${destinationId}`;
    const known = this.active.get(id);
    if (known && this.options.clock().getTime() - known.at < (this.options.cacheMs ?? 5_000)) return known.key;
    let pending = this.generating.get(id);
    if (!pending) {
      pending = this.findOrCreate(tenantId, destinationId).finally(() => this.generating.delete(id));
      this.generating.set(id, pending);
    }
    const key = await pending;
    this.active.set(id, { at: this.options.clock().getTime(), key });
    return key;
  }

  /**
   * A new active key for the destination (its first, if it has none): the
   * next SETs it issues are signed with it. The old key is marked rotated and
   * stays published at `/v1/destinations/{id}/keys/{kid}`, since verifiers
   * fetch a destination's key by `kid` and SETs already issued carry the old
   * one. There is no publish lead as for the service's JWKS: nobody caches a
   * destination's key set ahead of seeing its `kid`.
   */
  async rotate(tenantId: string, destinationId: string): Promise<DestinationKeyRotation> {
    const { storage, clock } = this.options;
    for (let tries = 0; tries < 3; tries++) {
      const now = clock();
      const previous = (await storage.listKeys(tenantId, destinationId)).find((k) => k.rotatedAt === null) ?? null;
      const key = await generateSigningKey('fit', this.sealer, now, (kid) => destinationKeyRow(tenantId, kid));
      if (await storage.rotateTo(tenantId, destinationId, key, now.toISOString())) {
        this.active.set(`${tenantId}\u0000${destinationId}`, { at: this.options.clock().getTime(), key });
        return { kid: key.kid, previousKid: previous?.kid ?? null, rotatedAt: now.toISOString() };
      }
    }
    throw new Error(`destination ${destinationId}: three rotations in a row lost a race`);
  }

  /** The public keys of a destination as a JWKS (empty until it has issued a SET). */
  async jwks(tenantId: string, destinationId: string): Promise<{ keys: PublicJwk[] }> {
    return { keys: (await this.options.storage.listKeys(tenantId, destinationId)).map((k) => k.publicJwk) };
  }

  /** One public key of a destination, or null. */
  async publicKey(tenantId: string, destinationId: string, kid: string): Promise<PublicJwk | null> {
    const keys = await this.options.storage.listKeys(tenantId, destinationId);
    return keys.find((k) => k.kid === kid)?.publicJwk ?? null;
  }

  /** The private key of `kid` (a key of one of the tenant's destinations), imported once per process. */
  async privateKey(tenantId: string, kid: string): Promise<CryptoKey> {
    const id = `${tenantId}\u0000${kid}`;
    let key = this.imported.get(id);
    if (!key) {
      key = this.options.storage.getKey(tenantId, kid).then(async (record) => {
        if (!record) throw new Error(`unknown destination key ${kid}`);
        const pem = await this.sealer.open(record.privateKey, destinationKeyRow(tenantId, kid));
        return importPKCS8(pem, record.alg);
      });
      this.imported.set(id, key);
      key.catch(() => this.imported.delete(id));
    }
    return key;
  }

  private async findOrCreate(tenantId: string, destinationId: string): Promise<SigningKeyRecord> {
    const { storage } = this.options;
    const activeOf = async () => (await storage.listKeys(tenantId, destinationId)).find((k) => k.rotatedAt === null);
    const existing = await activeOf();
    if (existing) return existing;
    const key = await generateSigningKey('fit', this.sealer, this.options.clock(), (kid) =>
      destinationKeyRow(tenantId, kid),
    );
    await storage.insertFirstKey(tenantId, destinationId, key);
    // Another process may have won the race: whichever row is stored is the key.
    const stored = await activeOf();
    if (!stored) throw new Error(`no active key for destination ${destinationId} after creating one`);
    return stored;
  }
}
