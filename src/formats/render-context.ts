import type { SetAlgorithm } from '@tidings/sdk/formats';
import type { StoredEvent } from '../events/event.js';
import type { Subject } from '../subjects/subject.js';

/** JWS algorithms a SET may be signed with: PS512 for FIT-Connect (seed 002), EdDSA or ES256 otherwise. */
export type { SetAlgorithm };

/**
 * Everything a wire format needs to render one event. Renderers are pure: the
 * caller (feed, log or dispatcher) loads these from the store and passes them in.
 *
 * What to pass, per workflow:
 * - any workflow: `event`, `subject` as it was right after the event, `issuer`.
 * - `parent`: the subject's parent, current state (a certificate's request, a
 *   submission's case, a signature's form); `null` when it has none.
 * - `children`:
 *   - `videoid-request`: its `videoid-certificate` children, current state
 *     (on `REQUEST_ENROLLED` the ones spawned in the same commit);
 *   - `videoid-certificate`: ALL certificates of the parent request, itself
 *     included (the Uanataca envelope lists every certificate, seed 000);
 *   - any other workflow: `[]` (no format reads them).
 * - `signingKey`: only for the `set` format (its `kid` goes in the JOSE header).
 */
export interface RenderContext {
  event: StoredEvent;
  /** The subject's state after the event. */
  subject: Subject;
  parent: Subject | null;
  children: Subject[];
  /** `iss` of SETs and the base of CloudEvents `source` / non-FIT event URIs, e.g. `https://tidings.example`. */
  issuer: string;
  /**
   * Who issued this event when not the service: a FIT-Connect destination id
   * (the receiving system records accept/reject-submission, seed 002). It is
   * the SET's `iss`, and the SET is signed with that destination's key.
   */
  eventIssuer?: string;
  signingKey?: { kid: string; alg: SetAlgorithm };
}

/** A renderer: one event in, one JSON body out (for `set`: the JOSE header and claims to sign). */
export type Renderer = (ctx: RenderContext) => unknown;

export interface WireFormat {
  name: string;
  /** The `Content-Type` of a pushed body in this format. */
  contentType: string;
  render: Renderer;
}
