import { cloudEventSchema } from './native.js';
import { onespanNotificationSchema } from './onespan.js';
import { cryptoEventSchema } from './reestro.js';
import type { Infer, Schema } from './schema.js';
import { setClaimsSchema } from './set.js';
import { thalesNotificationSchema } from './thales.js';
import { uanatacaEnvelopeSchema } from './uanataca.js';

export * from './native.js';
export * from './onespan.js';
export * from './reestro.js';
export type { Infer, ObjectSchema, Schema } from './schema.js';
export * from './set.js';
export * from './thales.js';
export * from './uanataca.js';

/**
 * The body schema of each wire format Tidings renders (for `set`: the claims
 * of the verified token). The server's renderers return these types.
 */
export const FORMAT_SCHEMAS = {
  native: cloudEventSchema,
  uanataca: uanatacaEnvelopeSchema,
  onespan: onespanNotificationSchema,
  set: setClaimsSchema,
  reestro: cryptoEventSchema,
  thales: thalesNotificationSchema,
} as const satisfies Record<string, Schema<unknown>>;

export type FormatName = keyof typeof FORMAT_SCHEMAS;

/** The typed body of each format, e.g. `FormatBody<'thales'>` is `ThalesNotification`. */
export type FormatBody<F extends FormatName> = Infer<(typeof FORMAT_SCHEMAS)[F]>;

/**
 * Checks a received body (a push, or a feed item) against its wire format and
 * returns it typed; throws `TidingsSdkError` `format_invalid` with the path of
 * the first wrong field. Fields a newer server adds are kept.
 *
 * @example
 * ```ts
 * const { payload } = await verifyWebhook(request, secret);
 * const image = parseEvent('thales', payload);
 * if (image.ImageState === 'Rejected') console.log(image.RejectionCode);
 * ```
 */
export function parseEvent<F extends FormatName>(format: F, body: unknown): FormatBody<F> {
  const schema = FORMAT_SCHEMAS[format] as Schema<FormatBody<F>> | undefined;
  if (!schema) throw new TypeError(`unknown format ${String(format)}`);
  return schema.parse(body);
}
