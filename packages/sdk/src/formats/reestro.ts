import {
  array,
  type Infer,
  intersect,
  object,
  openObject,
  optional,
  record,
  string,
  union,
  unknownValue,
} from './schema.js';

/** A file reference of the Reestro crypto API (seed 003); md5 is upper-case hex as the seed prints it. */
export const contentInfoSchema = openObject({
  contentId: string(),
  contentType: string(),
  contentName: optional(string()),
  md5: string(),
});

/** The event feed's error: `code` "Validation" and a SINGLE inner object in `errors` (a seed quirk). */
export const reestroEventErrorSchema = object({
  code: string(),
  message: string(),
  target: string(),
  errors: optional(record(unknownValue())),
});

export const certificateFormEventSchema = object({
  formState: string(),
  certificate: optional(contentInfoSchema),
  receipt: optional(contentInfoSchema),
  error: optional(array(reestroEventErrorSchema)),
});

export const signEventSchema = object({
  signatureId: string(),
  signState: string(),
  signedFiles: object({ contentInfo: optional(contentInfoSchema), signatures: array(contentInfoSchema) }),
});

/**
 * Reestro `CryptoEvent` of the `/realty/crypto/v2/events` feed (seed 003):
 * `{eventId, eventDate, certificateId}` plus exactly one of `certificateFormEvent`
 * or `signEvent`. `eventDate` is ISO 8601 with microseconds.
 */
export const cryptoEventHeadSchema = object({ eventId: string(), eventDate: string(), certificateId: string() });

export const cryptoEventSchema = intersect(
  cryptoEventHeadSchema,
  union(object({ certificateFormEvent: certificateFormEventSchema }), object({ signEvent: signEventSchema })),
);

export type ContentInfo = Infer<typeof contentInfoSchema>;
export type ReestroEventError = Infer<typeof reestroEventErrorSchema>;
export type CertificateFormEvent = Infer<typeof certificateFormEventSchema>;
export type SignEvent = Infer<typeof signEventSchema>;
export type CryptoEvent = Infer<typeof cryptoEventSchema>;
