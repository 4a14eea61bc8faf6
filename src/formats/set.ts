import type { SetClaims, SetHeader } from '@tidings/sdk/formats';
import type { RenderContext, SetAlgorithm, WireFormat } from './render-context.js';
import { unixSeconds } from './time-formats.js';

export type { SetClaims, SetHeader };

/**
 * Security Event Token (RFC 8417) contents, FIT-Connect style (seed 002). This
 * module only builds the JOSE protected header and the claims; a signer turns
 * them into a compact JWS (`application/secevent+jwt`).
 *
 * FIT-Connect workflows (`fit-case`, `fit-submission`, `fit-reply`), exactly as the seed requires:
 * - `sub` = `submission:<id>` / `reply:<id>` (`case:<id>` for a case itself);
 * - `txn` = `case:<caseId>`: the parent case (or, for a reply filed under a
 *   submission, that submission's case; a case's own id for a case);
 * - event URI = `https://schema.fitko.de/fit-connect/events/<type>`;
 * - `$schema` = set-payload 1.2.2, the version the delivery service accepts
 *   today (a live v2 run reported 1.0.0 "not supported", seed 002 digest), and
 *   left out when the payload is `{}` because a schema demanding a payload makes
 *   the delivery service reject the SET [VENDOR set-creation].
 * Other workflows: `sub` = `<workflow>:<id>`, `txn` = `<parent workflow>:<parent id>`
 * (absent without a parent), event URI = `<issuer>/events/<workflow>/<type>`, no `$schema`.
 *
 * `jti` is the event id (a UUIDv7) so every rendering of one event is the same
 * SET; `iat` is the event's occurrence time (the seed reads it as the moment of
 * the transition); `iss` is `setIssuer(ctx)`: the destination id for events the
 * receiving system records (as in the seed's example), else `ctx.issuer` (a URL).
 */
export const FIT_EVENT_URI_BASE = 'https://schema.fitko.de/fit-connect/events/';
export const FIT_SET_PAYLOAD_SCHEMA = 'https://schema.fitko.de/fit-connect/set-payload/1.2.2/set-payload.schema.json';

/** The `sub` / `txn` prefix of each FIT-Connect workflow. */
const FIT_PREFIX: Readonly<Record<string, string>> = {
  'fit-case': 'case',
  'fit-submission': 'submission',
  'fit-reply': 'reply',
};

export interface SetToken {
  header: SetHeader;
  claims: SetClaims;
}

/** The JOSE protected header of a SET; PS512 unless a non-FIT key says otherwise. */
export function setHeader(kid: string, alg: SetAlgorithm = 'PS512'): SetHeader {
  return { typ: 'secevent+jwt', alg, kid };
}

export function isFitWorkflow(workflow: string): boolean {
  return Object.hasOwn(FIT_PREFIX, workflow);
}

function fitCaseId(ctx: RenderContext): string | null {
  const { subject, parent, event } = ctx;
  if (subject.workflow === 'fit-case') return subject.id;
  if (parent?.workflow === 'fit-case') return parent.id;
  if (parent) return parent.parentId;
  return event.parentId;
}

function transaction(ctx: RenderContext): string | undefined {
  if (isFitWorkflow(ctx.subject.workflow)) {
    const caseId = fitCaseId(ctx);
    return caseId === null ? undefined : `case:${caseId}`;
  }
  return ctx.parent ? `${ctx.parent.workflow}:${ctx.parent.id}` : undefined;
}

/** The event URI, the single key of `events`. */
export function setEventUri(ctx: RenderContext): string {
  return eventUriOf(ctx.issuer, ctx.event.workflow, ctx.event.type);
}

/** The event URI of a workflow's event type (also what OpenID Shared Signals streams list as `events_supported`). */
export function eventUriOf(issuer: string, workflow: string, type: string): string {
  if (isFitWorkflow(workflow)) return type.startsWith(FIT_EVENT_URI_BASE) ? type : FIT_EVENT_URI_BASE + type;
  return `${issuer.replace(/\/+$/, '')}/events/${workflow}/${type}`;
}

/** The SET's `iss`: the event's own issuer (a FIT-Connect destination id) or the service's. */
export function setIssuer(ctx: RenderContext): string {
  return ctx.eventIssuer ?? ctx.issuer;
}

export function setClaims(ctx: RenderContext): SetClaims {
  const { event, subject } = ctx;
  const fit = isFitWorkflow(subject.workflow);
  const payload = event.data;
  const txn = transaction(ctx);
  return {
    ...(fit && Object.keys(payload).length > 0 ? { $schema: FIT_SET_PAYLOAD_SCHEMA } : {}),
    jti: event.id,
    iss: setIssuer(ctx),
    iat: unixSeconds(event.occurredAt),
    sub: `${FIT_PREFIX[subject.workflow] ?? subject.workflow}:${subject.id}`,
    ...(txn !== undefined ? { txn } : {}),
    events: { [setEventUri(ctx)]: payload },
  };
}

/** Header and claims of the SET for one event; `ctx.signingKey` names the key that will sign it. */
export function renderSet(ctx: RenderContext): SetToken {
  if (!ctx.signingKey) throw new TypeError('the set format needs ctx.signingKey (kid and alg)');
  return { header: setHeader(ctx.signingKey.kid, ctx.signingKey.alg), claims: setClaims(ctx) };
}

export const set: WireFormat = {
  name: 'set',
  contentType: 'application/secevent+jwt',
  render: renderSet,
};
