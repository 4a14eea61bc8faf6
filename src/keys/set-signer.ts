import { CompactSign } from 'jose';
import type { SetAlgorithm } from '../formats/render-context.js';
import type { SetToken } from '../formats/set.js';
import type { KeyRing } from './key-ring.js';
import { purposeOf } from './signing-key.js';

const encoder = new TextEncoder();

/**
 * Turns a rendered SET (`renderSet`: JOSE header and claims) into a compact
 * JWS. Used by the pull feeds and by push delivery (`format: set`).
 *
 * @example
 * const signingKey = await signer.keyFor(event.workflow);
 * const jws = await signer.sign(renderSet({ ...ctx, signingKey }));
 */
export class SetSigner {
  constructor(private readonly keys: KeyRing) {}

  /** The key that signs SETs of `workflow` now: PS512 for FIT-Connect workflows, EdDSA otherwise. */
  async keyFor(workflow: string): Promise<{ kid: string; alg: SetAlgorithm }> {
    const key = await this.keys.signingKey(purposeOf(workflow));
    return { kid: key.kid, alg: key.alg };
  }

  /** Signs with the private key named by `token.header.kid`. */
  async sign(token: SetToken): Promise<string> {
    return this.signClaims(token.header, token.claims);
  }

  /** Signs any SET claims (OpenID Shared Signals adds `aud` and `sub_id`, and has events of its own). */
  async signClaims(header: SetToken['header'], claims: object): Promise<string> {
    const key = await this.keys.privateKey(header.kid);
    return new CompactSign(encoder.encode(JSON.stringify(claims))).setProtectedHeader({ ...header }).sign(key);
  }
}
