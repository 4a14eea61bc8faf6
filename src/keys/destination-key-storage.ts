import type { SigningKeyRecord } from './signing-key.js';

/**
 * Where FIT-Connect destination keys live: the `destination_keys` table of
 * either backend (migration 10). A destination's key belongs to one tenant, so
 * two tenants naming the same destination id never share a key.
 */
export interface DestinationKeyStorage {
  /** The keys of one destination of a tenant, oldest first. */
  listKeys(tenantId: string, destinationId: string): Promise<SigningKeyRecord[]>;
  /** The key `kid`, whichever destination of the tenant it belongs to. */
  getKey(tenantId: string, kid: string): Promise<SigningKeyRecord | null>;
  /**
   * Stores `key` as the destination's active key unless it already has one (a
   * unique index allows one active key per destination): false when another
   * process got there first.
   */
  insertFirstKey(tenantId: string, destinationId: string, key: SigningKeyRecord): Promise<boolean>;
  /**
   * Makes `key` the destination's active key in one transaction: its active
   * key, if any, is marked rotated at `at` and stays listed (SETs it signed
   * keep verifying by kid). False when a concurrent rotation's key became the
   * active one first (nothing is written then).
   */
  rotateTo(tenantId: string, destinationId: string, key: SigningKeyRecord, at: string): Promise<boolean>;
  /** Every destination key of every tenant (`tidings keys reencrypt`). */
  listAllKeys(): Promise<Array<{ tenantId: string; key: SigningKeyRecord }>>;
  /** Replaces the stored (sealed) private key of `kid`; false when there is no such key. */
  updatePrivateKey(tenantId: string, kid: string, sealed: string): Promise<boolean>;
}
