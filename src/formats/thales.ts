import type { ThalesNotification } from '@tidings/sdk/formats';
import { pickObject, pickString } from './pick.js';
import type { RenderContext, WireFormat } from './render-context.js';
import { yyyyMMddHHmmss } from './time-formats.js';

export type { ThalesNotification };

/**
 * Thales Perso Design Services image-checking push body (seed 004), with the
 * seed's field rules:
 * - `ImageState` is the new status (Pending, Accepted, Rejected);
 * - `RejectionCode` is "00" when Accepted (Gallery and Custom), "" when Pending,
 *   and the image-checking code from the event data when Rejected;
 * - `ImageCheckingTimeStamp` is the decision time only for Custom images in
 *   Accepted/Rejected, "" otherwise (Gallery auto-accept, Pending);
 * - `SubmissionTimeStamp` is the `SubmissionTimeStamp` attribute when the
 *   caller relayed Thales' own value, else when the image subject was created;
 * - `ImageCheckingTimeStamp` likewise prefers the event data's value, else the
 *   event time (the decision is the event);
 * - timestamps we write are `yyyyMMddHHmmss` in UTC (the seed states no zone);
 * - `DataCapture` is the subject's `DataCapture` attribute, `{}` when absent.
 * `ImageId` is the subject id (create the subject with the PDS CardImageID as id).
 * A missing `ImageType` counts as Custom: only a declared Gallery image skips checking.
 */

function rejectionCode(ctx: RenderContext): string {
  switch (ctx.event.to) {
    case 'Accepted':
      return '00';
    case 'Rejected':
      return pickString([ctx.event.data], ['RejectionCode', 'rejectionCode', 'code']) ?? '';
    default:
      return '';
  }
}

const COMPACT_TIME = /^\d{14}$/;

/** A `yyyyMMddHHmmss` value given in `bag[key]`, else `fallback` (an ISO time) in that form. */
function timestamp(bag: Record<string, unknown>, key: string, fallback: string): string {
  const given = bag[key];
  return typeof given === 'string' && COMPACT_TIME.test(given) ? given : yyyyMMddHHmmss(fallback);
}

export function renderThales(ctx: RenderContext): ThalesNotification {
  const { event, subject } = ctx;
  const attributes = [subject.attributes];
  const imageType = pickString(attributes, ['ImageType', 'imageType']) ?? 'Custom';
  const decided = event.to === 'Accepted' || event.to === 'Rejected';
  return {
    ImageId: subject.id,
    Orientation: pickString(attributes, ['Orientation', 'orientation']) ?? '',
    ImageType: imageType,
    ImageState: event.to,
    RejectionCode: rejectionCode(ctx),
    SubmissionTimeStamp: timestamp(subject.attributes, 'SubmissionTimeStamp', subject.createdAt),
    ImageCheckingTimeStamp:
      imageType === 'Custom' && decided ? timestamp(event.data, 'ImageCheckingTimeStamp', event.occurredAt) : '',
    DataCapture: pickObject(attributes, ['DataCapture', 'dataCapture']) ?? {},
  };
}

export const thales: WireFormat = {
  name: 'thales',
  contentType: 'application/json',
  render: renderThales,
};
