import { type TSchema, Type } from '@sinclair/typebox';
import { SKIP_CODES } from '../feeds/skipped-event.js';

/** Shared route schemas: they drive validation, serialization and the OpenAPI document. */

export const SUBJECT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$';

export const SubjectId = Type.String({
  pattern: SUBJECT_ID_PATTERN,
  description: 'Subject id: 1-128 of A-Z a-z 0-9 . _ : @ -',
});

export const JsonObject = Type.Object({}, { additionalProperties: true });

export const ErrorItemSchema = Type.Object({
  code: Type.String({ description: 'WrongFieldValue, MissingField, UnknownField, ConditionNotMet, ...' }),
  message: Type.String(),
  target: Type.String({ description: 'The field the item is about' }),
});

export const ErrorBodySchema = Type.Object(
  {
    code: Type.String({ description: 'Stable error code; see docs/errors.md' }),
    message: Type.String(),
    target: Type.String(),
    errors: Type.Array(ErrorItemSchema),
  },
  { $id: 'Error' },
);

export const SubjectSchema = Type.Object(
  {
    id: Type.String(),
    workflow: Type.String(),
    status: Type.String(),
    version: Type.Integer(),
    parentId: Type.Union([Type.String(), Type.Null()]),
    attributes: JsonObject,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    statusChangedAt: Type.String({ format: 'date-time' }),
    erasedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When personal data was erased (POST /v1/subjects/{id}/erase); null otherwise',
    }),
  },
  { $id: 'Subject' },
);

export const EventSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    sequence: Type.Integer({ description: 'Gap-free per-tenant sequence number' }),
    subjectId: Type.String(),
    workflow: Type.String(),
    type: Type.String(),
    from: Type.Union([Type.String(), Type.Null()]),
    to: Type.String(),
    occurredAt: Type.String({ format: 'date-time' }),
    subjectVersion: Type.Integer(),
    data: JsonObject,
  },
  { $id: 'Event' },
);

/** Error answers every route may give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error')]));
}

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7E]+$',
      description: 'Retries with the same key get the same answer',
    }),
  ),
});

/** The `skipped` list of a feed page, SET log or poll: events left out because they could not be rendered. */
export const SkippedEvents = Type.Array(
  Type.Object({
    eventId: Type.String(),
    code: Type.Union(
      SKIP_CODES.map((c) => Type.Literal(c)),
      { description: 'too_deep: its data nests deeper than JSON can be written; render_failed: rendering threw' },
    ),
  }),
  {
    description:
      'Present only when events were left out: each could not be rendered (see docs/errors.md, "Events a read leaves out"). The cursor, offset or pending set still moves past them.',
  },
);

/** The body of an RFC 8936 poll: the feed's streams and OpenID Shared Signals poll streams take the same. */
export const PollBody = Type.Object(
  {
    maxEvents: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    returnImmediately: Type.Optional(Type.Boolean()),
    ack: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 })),
    setErrs: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 200 }),
        Type.Object(
          { err: Type.String({ maxLength: 200 }), description: Type.String({ maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        { maxProperties: 1000 },
      ),
    ),
  },
  { additionalProperties: false },
);
