import { type Infer, integer, literal, nullable, object, optional, record, string, unknownValue } from './schema.js';

/**
 * Tidings' own format: a CloudEvents 1.0 event in structured JSON mode
 * (`application/cloudevents+json`). `type` is `tidings.<workflow>.<event type>`,
 * `sequence` the per-tenant sequence as a zero-padded string, `data` the
 * transition (`from`, `to`), the event's own data and the subject's attributes.
 */
export const cloudEventSchema = object({
  specversion: literal('1.0'),
  id: string(),
  source: string(),
  type: string(),
  subject: string(),
  time: string(),
  datacontenttype: literal('application/json'),
  sequence: string(),
  eventtype: string(),
  workflow: string(),
  status: string(),
  fromstatus: optional(string()),
  subjectversion: integer(),
  parentid: optional(string()),
  data: object({
    from: nullable(string()),
    to: string(),
    data: record(unknownValue()),
    attributes: record(unknownValue()),
  }),
});

/** A native event (CloudEvents 1.0 JSON), as pushed with `format: native` and served by `GET /v1/events?format=native`. */
export type CloudEvent = Infer<typeof cloudEventSchema>;
