import type {
  CertificateFormEvent,
  ContentInfo,
  CryptoEvent,
  ReestroEventError,
  SignEvent,
} from '@tidings/sdk/formats';
import { isObject, pickObject } from './pick.js';
import type { RenderContext, WireFormat } from './render-context.js';
import { isoMicros } from './time-formats.js';

export type { CertificateFormEvent, ContentInfo, CryptoEvent, ReestroEventError, SignEvent };

/**
 * Reestro (SKB Kontur) `CryptoEvent` of the `/realty/crypto/v2/events` feed (seed 003):
 * `{eventId, eventDate, certificateId}` plus exactly one of `certificateFormEvent`
 * (a `crypto-certificate-form` event) or `signEvent` (a `crypto-signature` event).
 *
 * - `certificateId` is the form's id; for a signature, its parent form's id.
 * - `formState` is the form status with an upper-case first letter: the seed's
 *   events say `Released` / `ValidationError` where the form API says
 *   `validationError` [SEED]; the creating event renders as `Created` (ours: the
 *   seed shows no event for it).
 * - `certificate` / `receipt` (Released) and `signedFiles` (Processed) come from
 *   the event data, else from the subject's attributes.
 * - md5 values are passed through untouched (the seed prints upper-case hex).
 */

const SIGNATURE_WORKFLOW = 'crypto-signature';

/** Seed key order (contentId, contentType, contentName, md5), anything else after. */
function contentInfo(value: Record<string, unknown>): ContentInfo {
  const { contentId, contentType, contentName, md5, ...rest } = value;
  return {
    contentId: contentId as string,
    contentType: contentType as string,
    ...(contentName !== undefined ? { contentName: contentName as string } : {}),
    md5: md5 as string,
    ...rest,
  };
}

/** Seed defaults for the outer error: code "Validation", message "can't validate form data", target "cryptoAPI". */
function outerError(value: Record<string, unknown>, inner: unknown): ReestroEventError {
  return {
    code: typeof value.code === 'string' ? value.code : 'Validation',
    message: typeof value.message === 'string' ? value.message : "can't validate form data",
    target: typeof value.target === 'string' ? value.target : 'cryptoAPI',
    ...(isObject(inner) ? { errors: inner } : {}),
  };
}

/**
 * `data.error` as the seed prints it, or `data.errors` as a flat list of inner
 * errors. An inner `errors` array becomes one outer error per item, so each
 * carries the single object the seed shows and nothing is lost.
 */
function validationErrors(data: Record<string, unknown>): ReestroEventError[] {
  if (Array.isArray(data.error)) {
    return data.error.filter(isObject).flatMap((e) => {
      const inner = e.errors;
      return Array.isArray(inner) ? inner.map((i) => outerError(e, i)) : [outerError(e, inner)];
    });
  }
  if (Array.isArray(data.errors)) return data.errors.map((i) => outerError({}, i));
  return [];
}

function formState(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

function formEvent(ctx: RenderContext): CertificateFormEvent {
  const sources = [ctx.event.data, ctx.subject.attributes];
  const state = formState(ctx.event.to);
  if (state === 'ValidationError') return { formState: state, error: validationErrors(ctx.event.data) };
  const certificate = pickObject(sources, ['certificate']);
  const receipt = pickObject(sources, ['receipt']);
  return {
    formState: state,
    ...(certificate ? { certificate: contentInfo(certificate) } : {}),
    ...(receipt ? { receipt: contentInfo(receipt) } : {}),
  };
}

function signEvent(ctx: RenderContext): SignEvent {
  const files = pickObject([ctx.event.data, ctx.subject.attributes], ['signedFiles']) ?? {};
  const signatures = Array.isArray(files.signatures) ? files.signatures.filter(isObject).map(contentInfo) : [];
  return {
    signatureId: ctx.subject.id,
    signState: ctx.event.to,
    signedFiles: {
      ...(isObject(files.contentInfo) ? { contentInfo: contentInfo(files.contentInfo) } : {}),
      signatures,
    },
  };
}

export function renderReestro(ctx: RenderContext): CryptoEvent {
  const { event, subject } = ctx;
  const head = { eventId: event.id, eventDate: isoMicros(event.occurredAt) };
  if (subject.workflow === SIGNATURE_WORKFLOW) {
    const formId = ctx.parent?.id ?? subject.parentId ?? event.parentId;
    if (formId === null) throw new TypeError('a crypto-signature event needs its certificate form as parent');
    return { ...head, certificateId: formId, signEvent: signEvent(ctx) };
  }
  return { ...head, certificateId: subject.id, certificateFormEvent: formEvent(ctx) };
}

export const reestro: WireFormat = {
  name: 'reestro',
  contentType: 'application/json',
  render: renderReestro,
};
