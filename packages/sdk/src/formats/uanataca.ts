import { array, type Infer, object, openObject, optional, string } from './schema.js';

/** One certificate of a Uanataca VideoID envelope (seed 000); times are `yyyy-MM-dd HH:mm:ss` UTC. */
export const uanatacaCertificateSchema = object({
  status: string(),
  serial_number: optional(string()),
  valid_from: optional(string()),
  valid_to: optional(string()),
});

/**
 * Uanataca (Namirial) VideoID webhook body (seed 000):
 * `{event_type, sent_at, request: {status, ...}, certificates: [...]}`; `sent_at`
 * is `yyyyMMddHHmmss` UTC, `request` carries the request's attributes beside its status.
 */
export const uanatacaEnvelopeSchema = object({
  event_type: string(),
  sent_at: string(),
  request: openObject({ status: string() }),
  certificates: array(uanatacaCertificateSchema),
});

export type UanatacaCertificate = Infer<typeof uanatacaCertificateSchema>;
export type UanatacaEnvelope = Infer<typeof uanatacaEnvelopeSchema>;
