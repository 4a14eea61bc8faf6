import { CompactSign, type CryptoKey } from 'jose';
import type { SetAlgorithm } from '../formats/render-context.js';
import type { SetToken } from '../formats/set.js';
import type { DestinationKeys } from './destination-keys.js';
import type { KeyRing } from './key-ring.js';
import { purposeOf } from './signing-key.js';

const encoder = new TextEncoder();

/** Whose key signs a SET: the service's (no issuer) or a FIT-Connect destination's of a tenant. */
export interface SetIssuerRef {
  tenantId: string;
  /** The event's own issuer (`RenderContext.eventIssuer`): a destination id; absent: the service. */
  destinationId?: string | undefined;
}

/**
 * Turns a rendered SET (`renderSet`: JOSE header and claims) into a compact
 * JWS. Used by the pull feeds and by push delivery (`format: set`).
 *
 * @example
 * const signingKey = await signer.keyFor(event.workflow, { tenantId, destinationId: ctx.eventIssuer });
 * const jws = await signer.sign(renderSet({ ...ctx, signingKey }));
 */
export class SetSigner {
  /** Destination kids handed out by `keyFor`, so `sign` knows where their private half lives. */
  private readonly destinationKids = new Map<string, string>();

  constructor(
    private readonly keys: KeyRing,
    private readonly destinations: DestinationKeys | null = null,
  ) {}

  /**
   * The key that signs SETs of `workflow` now: the destination's own key when
   * the event is issued by a FIT-Connect destination, else the service's (PS512
   * for FIT-Connect workflows, EdDSA otherwise).
   */
  async keyFor(workflow: string, issuer?: SetIssuerRef): Promise<{ kid: string; alg: SetAlgorithm }> {
    if (issuer?.destinationId !== undefined && this.destinations) {
      const key = await this.destinations.signingKey(issuer.tenantId, issuer.destinationId);
      this.destinationKids.set(key.kid, issuer.tenantId);
      return { kid: key.kid, alg: key.alg };
    }
    const key = await this.keys.signingKey(purposeOf(workflow));
    return { kid: key.kid, alg: key.alg };
  }

  /** Signs with the private key named by `token.header.kid`. */
  async sign(token: SetToken): Promise<string> {
    return this.signClaims(token.header, token.claims);
  }

  /** Signs any SET claims (OpenID Shared Signals adds `aud` and `sub_id`, and has events of its own). */
  async signClaims(header: SetToken['header'], claims: object): Promise<string> {
    return new CompactSign(encoder.encode(JSON.stringify(claims)))
      .setProtectedHeader({ ...header })
      .sign(await this.privateKey(header.kid));
  }

  private privateKey(kid: string): Promise<CryptoKey> {
    const tenantId = this.destinationKids.get(kid);
    if (tenantId !== undefined && this.destinations) return this.destinations.privateKey(tenantId, kid);
    return this.keys.privateKey(kid);
  }
}
