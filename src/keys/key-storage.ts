import type { OperationalIntent } from '../delivery/operational-intent.js';
import type { KeyPurpose, SigningKeyRecord } from './signing-key.js';

/** Where signing keys live: the `signing_keys` table of either backend. */
export interface KeyStorage {
  /** Every key, oldest first (a handful of rows: two per rotation). */
  listKeys(): Promise<SigningKeyRecord[]>;
  /**
   * Stores `key` as the active key of its purpose unless one already exists
   * (a unique index allows one active key per purpose): false when another
   * process got there first.
   */
  insertFirstKey(key: SigningKeyRecord): Promise<boolean>;
  /**
   * In one transaction: marks the active key of `key.purpose` rotated at `at`,
   * stores `key` as the active one and writes the intent `intentFor` builds
   * from the kid it retired (null: there was none), its `signing-key.rotated`.
   */
  rotateTo(
    key: SigningKeyRecord,
    at: string,
    intentFor?: (retiredKid: string | null) => OperationalIntent | null,
  ): Promise<void>;
  /** Replaces a key's sealed private half (`tidings keys reencrypt`); false when no key has that kid. */
  updatePrivateKey(kid: string, sealed: string): Promise<boolean>;
}

export type { KeyPurpose };
