import type { UanatacaCertificate, UanatacaEnvelope } from '@tidings/sdk/formats';
import type { Subject } from '../subjects/subject.js';
import { pickString } from './pick.js';
import type { RenderContext, WireFormat } from './render-context.js';
import { uanatacaDateTime, yyyyMMddHHmmss } from './time-formats.js';

export type { UanatacaCertificate, UanatacaEnvelope };

/**
 * Uanataca (Namirial) VideoID webhook envelope, seed 000 "current format":
 * `{event_type, sent_at, request: {status, ...}, certificates: [...]}`.
 *
 * - A `videoid-request` event renders its own status and attributes, and
 *   `ctx.children` (its certificates; `[]` until REQUEST_ENROLLED) [SEED].
 * - A `videoid-certificate` event renders the PARENT request and ALL its
 *   certificates (`ctx.children`, itself included), because the seed's
 *   CERTIFICATE_REVOKED example carries `request.status` and the certificate list.
 * - `sent_at` is the event's occurrence time, not the send time, so a retried
 *   delivery carries a byte-identical (and identically signed) body.
 * - All times are UTC: the seed and the vendor pages state no zone.
 */

const CERTIFICATE_WORKFLOW = 'videoid-certificate';

/** A time as the seed prints it; a value we cannot read is passed through rather than dropped. */
function certificateTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return uanatacaDateTime(value);
  } catch {
    return value;
  }
}

function certificate(subject: Subject): UanatacaCertificate {
  const a = [subject.attributes];
  const serial = pickString(a, ['serial_number', 'serialNumber']);
  const from = certificateTime(pickString(a, ['valid_from', 'validFrom']));
  const to = certificateTime(pickString(a, ['valid_to', 'validTo']));
  return {
    status: subject.status,
    ...(serial !== undefined ? { serial_number: serial } : {}),
    ...(from !== undefined ? { valid_from: from } : {}),
    ...(to !== undefined ? { valid_to: to } : {}),
  };
}

/**
 * `request.status` is the issuance-process state and always ours; an attribute may not override it.
 * `request.pk` (the request's id in the vendor's example) is in every webhook: the caller's `pk`
 * attribute when given, else the subject id (issue 13: also when the caller chose no id).
 */
function request(subject: Subject): UanatacaEnvelope['request'] {
  const { status: _ignored, ...attributes } = subject.attributes;
  return { status: subject.status, ...attributes, ...(attributes.pk === undefined ? { pk: subject.id } : {}) };
}

/** Certificates in issue order, with the event's own certificate in its post-event state. */
function certificateList(ctx: RenderContext): Subject[] {
  const list = ctx.children.filter((c) => c.id !== ctx.subject.id);
  if (ctx.subject.workflow === CERTIFICATE_WORKFLOW) list.push(ctx.subject);
  return list.sort((x, y) => x.createdAt.localeCompare(y.createdAt) || x.id.localeCompare(y.id));
}

export function renderUanataca(ctx: RenderContext): UanatacaEnvelope {
  const isCertificate = ctx.subject.workflow === CERTIFICATE_WORKFLOW;
  if (isCertificate && !ctx.parent) {
    throw new TypeError('a videoid-certificate event needs its request as ctx.parent');
  }
  const req = isCertificate && ctx.parent ? ctx.parent : ctx.subject;
  return {
    event_type: ctx.event.type,
    sent_at: yyyyMMddHHmmss(ctx.event.occurredAt),
    request: request(req),
    certificates: certificateList(ctx).map(certificate),
  };
}

export const uanataca: WireFormat = {
  name: 'uanataca',
  contentType: 'application/json',
  render: renderUanataca,
};
