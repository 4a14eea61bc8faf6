import type { SetAlgorithm } from '../formats/render-context.js';
import { isFitWorkflow } from '../formats/set.js';

/**
 * What a key signs: `fit` keys sign the SETs of FIT-Connect workflows (RSA-4096,
 * PS512, as seed 002 requires), `default` keys sign every other SET (Ed25519,
 * EdDSA: ~50x cheaper to sign than PS512 with RSA-4096).
 */
export const KEY_PURPOSES = ['fit', 'default'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export const ALGORITHM_OF: Readonly<Record<KeyPurpose, SetAlgorithm>> = { fit: 'PS512', default: 'EdDSA' };

/** The public half of a signing key as published in the JWKS. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SetAlgorithm;
  use: 'sig';
  key_ops: ['verify'];
  [member: string]: unknown;
}

/** A signing key as stored. `privateKey` is sealed (see `secret-sealer.ts`) and is never served. */
export interface SigningKeyRecord {
  kid: string;
  purpose: KeyPurpose;
  alg: SetAlgorithm;
  publicJwk: PublicJwk;
  privateKey: string;
  createdAt: string;
  /** When a newer key replaced it; the JWKS keeps it for the overlap after that. */
  rotatedAt: string | null;
}

export function purposeOf(workflow: string): KeyPurpose {
  return isFitWorkflow(workflow) ? 'fit' : 'default';
}

export function isKeyPurpose(value: string): value is KeyPurpose {
  return (KEY_PURPOSES as readonly string[]).includes(value);
}
