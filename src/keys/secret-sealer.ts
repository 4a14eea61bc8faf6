import { createDecipheriv } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';

/** One key encryption key: 32 bytes and the id written into every value it seals (the JWE `kid`). */
export interface SealingKey {
  id: string;
  key: Buffer;
}

/** Where a sealed value lives; bound to it, so a value copied into another row or column does not open. */
export interface RowIdentity {
  table: string;
  id: string;
  column: string;
}

/** Why a stored secret could not be opened; `code` is stable (docs/errors.md, "Stored secrets"). */
export const SEAL_ERROR_CODES = ['seal_key_unknown', 'seal_row_mismatch', 'seal_invalid', 'seal_key_missing'] as const;
export type SealErrorCode = (typeof SEAL_ERROR_CODES)[number];

export class SealError extends Error {
  constructor(
    readonly code: SealErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SealError';
  }
}

/** The prefix of the current format: `jwe:` and a JWE compact serialization (dir, A256GCM). */
const JWE = 'jwe:';
/** Older formats, still read: a PEM kept as is (no key configured), and AES-256-GCM with no key id. */
const PEM = 'pem:';
const LEGACY = 'aes256gcm:';

const rowOf = (at: RowIdentity) => `${at.table}/${at.id}/${at.column}`;

/**
 * Seals secrets stored in the database (signing keys' private halves,
 * endpoints' secrets and credentials) as JWE compact, `alg: dir`, `enc:
 * A256GCM`, with the sealing key's `kid` and the row's identity (`row`:
 * table/id/column) in the protected header, which AES-GCM authenticates as
 * associated data: a value moved to another row fails to open, and the key
 * can be rotated (`keys[0]` seals, every key opens). Without keys, values
 * are stored as given (`plain`: `pem:` + text for signing keys, the text itself
 * for endpoint secrets) and still read after keys are configured.
 */
export class SecretSealer {
  private readonly byId: Map<string, Buffer>;

  constructor(readonly keys: readonly SealingKey[] = []) {
    for (const k of keys) if (k.key.length !== 32) throw new TypeError(`key encryption key ${k.id} must be 32 bytes`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    if (this.byId.size !== keys.length) throw new TypeError('key encryption key ids must be unique');
  }

  get encrypts(): boolean {
    return this.keys.length > 0;
  }

  /** The id of the key that seals now, or null when none is configured. */
  get currentKeyId(): string | null {
    return this.keys[0]?.id ?? null;
  }

  /** Seals `text` for the row `at`; without keys returns `unsealed(text)` (default: the text as is). */
  async seal(text: string, at: RowIdentity, unsealed: (text: string) => string = (t) => t): Promise<string> {
    const current = this.keys[0];
    if (!current) return unsealed(text);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: current.id, row: rowOf(at) })
      .encrypt(current.key);
    return `${JWE}${jwe}`;
  }

  /** Opens a value sealed for the row `at` in any format this class ever wrote; a plain value is returned as is. */
  async open(sealed: string, at: RowIdentity): Promise<string> {
    if (sealed.startsWith(JWE)) return this.openJwe(sealed.slice(JWE.length), at);
    if (sealed.startsWith(LEGACY)) return this.openLegacy(sealed.slice(LEGACY.length));
    if (sealed.startsWith(PEM)) return sealed.slice(PEM.length);
    return sealed;
  }

  /** Whether `sealed` is already in the current format under the current key (nothing for `reencrypt` to do). */
  isCurrent(sealed: string): boolean {
    const current = this.currentKeyId;
    if (current === null || !sealed.startsWith(JWE)) return false;
    try {
      return decodeProtectedHeader(sealed.slice(JWE.length)).kid === current;
    } catch {
      return false;
    }
  }

  private async openJwe(jwe: string, at: RowIdentity): Promise<string> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(jwe);
    } catch {
      throw new SealError('seal_invalid', 'a stored secret is not a readable JWE');
    }
    const key = typeof header.kid === 'string' ? this.byId.get(header.kid) : undefined;
    if (!key) {
      throw new SealError(
        'seal_key_unknown',
        `a stored secret is sealed with key ${String(header.kid)}, which is not in TIDINGS_KEY_ENCRYPTION_KEYS`,
      );
    }
    if (header.row !== rowOf(at)) {
      throw new SealError('seal_row_mismatch', `a stored secret of ${rowOf(at)} was sealed for another row`);
    }
    try {
      const { plaintext } = await compactDecrypt(jwe, key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return new TextDecoder().decode(plaintext);
    } catch {
      // The header (kid and row included) is the associated data: an edited one fails here.
      throw new SealError('seal_invalid', `a stored secret of ${rowOf(at)} does not open with key ${header.kid}`);
    }
  }

  /** The format before key ids (`aes256gcm:<iv>.<tag>.<ciphertext>`): any configured key may be the one. */
  private openLegacy(body: string): string {
    if (!this.encrypts)
      throw new SealError('seal_key_missing', 'a stored secret is encrypted but no key encryption key is configured');
    const [iv, tag, data] = body.split('.').map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !data) throw new SealError('seal_invalid', 'a stored secret in the old format is malformed');
    for (const { key } of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      } catch {
        // not this key: GCM's tag says so; try the next
      }
    }
    throw new SealError('seal_key_unknown', 'a stored secret in the old format opens with none of the configured keys');
  }
}
