import { Type } from '@sinclair/typebox';
import { FORMAT_CHOICES } from '../formats/index.js';
import { ENDPOINT_TYPES, ORDERINGS } from './endpoint.js';

/** Request and response schemas of `/v1/endpoints`; they drive validation and the OpenAPI document. */

const HeaderName = Type.String({ minLength: 1, maxLength: 100, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" });
const HeaderValue = Type.String({ maxLength: 4096, pattern: '^[\\x20-\\x7E\\t]*$' });
const Pem = Type.String({ minLength: 1, maxLength: 65_536 });

export const AuthSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('standard-webhooks'),
      algorithm: Type.Optional(Type.Union([Type.Literal('hmac-sha256'), Type.Literal('ed25519')])),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('header'), name: HeaderName, value: Type.String({ minLength: 1, maxLength: 4096 }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('mtls'), cert: Pem, key: Pem }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('basic'),
      username: Type.String({ minLength: 1, maxLength: 255 }),
      password: Type.String({ minLength: 1, maxLength: 1024 }),
    },
    { additionalProperties: false, description: "A broker destination's user and password" },
  ),
  Type.Object(
    {
      type: Type.Literal('oauth2'),
      tokenUrl: Type.String({ minLength: 1, maxLength: 2048 }),
      clientId: Type.String({ minLength: 1, maxLength: 255 }),
      clientAuth: Type.Optional(
        Type.Union([Type.Literal('client_secret_basic'), Type.Literal('private_key_jwt')], {
          description: 'default client_secret_basic',
        }),
      ),
      clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
      privateKey: Type.Optional(Pem),
      keyId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      scope: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
      audience: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    },
    {
      additionalProperties: false,
      description: 'OAuth 2.0 client credentials: a bearer token from tokenUrl on every push',
    },
  ),
]);

/** Where in the broker a push goes: one shape per broker `type` (checked against it by the endpoint service). */
export const DestinationSchema = Type.Union([
  Type.Object(
    {
      exchange: Type.String({ maxLength: 255, description: 'AMQP exchange; empty is the default exchange' }),
      routingKey: Type.String({ maxLength: 255 }),
    },
    { additionalProperties: false, title: 'amqp' },
  ),
  Type.Object(
    {
      subject: Type.String({
        minLength: 1,
        maxLength: 255,
        pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$',
        description: 'NATS subject a JetStream stream captures; no wildcards',
      }),
    },
    { additionalProperties: false, title: 'nats' },
  ),
  Type.Object(
    {
      stream: Type.String({ minLength: 1, maxLength: 512, description: 'Redis stream key' }),
      maxLen: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'XADD MAXLEN ~: entries kept at most' }),
    },
    { additionalProperties: false, title: 'redis-stream' },
  ),
  Type.Object(
    {
      topic: Type.String({
        minLength: 1,
        maxLength: 1024,
        pattern: '^[^+#\\u0000]+$',
        description: 'MQTT topic, published at QoS 1; no wildcards',
      }),
    },
    { additionalProperties: false, title: 'mqtt' },
  ),
]);

const Fields = {
  type: Type.Union(ENDPOINT_TYPES.map((t) => Type.Literal(t))),
  destination: Type.Union([DestinationSchema, Type.Null()]),
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  description: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
  eventTypes: Type.Union([
    Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 200, uniqueItems: true }),
    Type.Null(),
  ]),
  workflows: Type.Union([
    Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 100, uniqueItems: true }),
    Type.Null(),
  ]),
  format: Type.Union(FORMAT_CHOICES.map((f) => Type.Literal(f))),
  auth: AuthSchema,
  tls: Type.Union([Type.Object({ ca: Pem }, { additionalProperties: false }), Type.Null()]),
  headers: Type.Record(HeaderName, HeaderValue, { maxProperties: 32 }),
  ordering: Type.Union(ORDERINGS.map((o) => Type.Literal(o))),
  rateLimit: Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()]),
  proxy: Type.Union([
    Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '^https?://[^/]',
      description: 'HTTP CONNECT proxy for this endpoint; null uses TIDINGS_PUSH_PROXY',
    }),
    Type.Null(),
  ]),
  filter: Type.Union([
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description:
        'Only events this expression accepts are queued, e.g. `data.status in ["APPROVED"] && subject.attributes.country == "ES"` (docs/filters-and-transformations.md)',
    }),
    Type.Null(),
  ]),
  transform: Type.Union([
    Type.Object(
      {
        body: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 10_000,
            description: 'JSONata over the rendered body; its result is the body sent',
          }),
        ),
        headers: Type.Optional(
          Type.Record(HeaderName, Type.String({ minLength: 1, maxLength: 2000 }), {
            maxProperties: 16,
            description: 'Header name → JSONata over the rendered body giving its value (text, number or boolean)',
          }),
        ),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    Type.Null(),
  ]),
  retrySchedule: Type.Union([
    Type.Array(Type.String({ minLength: 1, maxLength: 20, description: 'a delay: 500ms, 5s, 5m, 2h, 1d' }), {
      minItems: 1,
      maxItems: 50,
      description: 'Delays between tries, replacing TIDINGS_RETRY_SCHEDULE for this endpoint; null uses it',
    }),
    Type.Null(),
  ]),
};

export const CreateEndpointBody = Type.Object(
  {
    type: Type.Optional(Fields.type),
    url: Fields.url,
    destination: Type.Optional(Fields.destination),
    description: Type.Optional(Fields.description),
    eventTypes: Type.Optional(Fields.eventTypes),
    workflows: Type.Optional(Fields.workflows),
    format: Type.Optional(Fields.format),
    auth: Type.Optional(Fields.auth),
    tls: Type.Optional(Fields.tls),
    headers: Type.Optional(Fields.headers),
    ordering: Type.Optional(Fields.ordering),
    rateLimit: Type.Optional(Fields.rateLimit),
    proxy: Type.Optional(Fields.proxy),
    filter: Type.Optional(Fields.filter),
    transform: Type.Optional(Fields.transform),
    retrySchedule: Type.Optional(Fields.retrySchedule),
  },
  { additionalProperties: false },
);

export const UpdateEndpointBody = Type.Object(
  {
    type: Type.Optional(Fields.type),
    url: Type.Optional(Fields.url),
    destination: Type.Optional(Fields.destination),
    description: Type.Optional(Fields.description),
    eventTypes: Type.Optional(Fields.eventTypes),
    workflows: Type.Optional(Fields.workflows),
    format: Type.Optional(Fields.format),
    auth: Type.Optional(Fields.auth),
    tls: Type.Optional(Fields.tls),
    headers: Type.Optional(Fields.headers),
    ordering: Type.Optional(Fields.ordering),
    rateLimit: Type.Optional(Fields.rateLimit),
    proxy: Type.Optional(Fields.proxy),
    filter: Type.Optional(Fields.filter),
    transform: Type.Optional(Fields.transform),
    retrySchedule: Type.Optional(Fields.retrySchedule),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const EndpointSchema = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'http | amqp | nats | redis-stream | mqtt' }),
  url: Type.String(),
  destination: Type.Union([
    Type.Object({
      exchange: Type.Optional(Type.String()),
      routingKey: Type.Optional(Type.String()),
      subject: Type.Optional(Type.String()),
      stream: Type.Optional(Type.String()),
      maxLen: Type.Optional(Type.Integer()),
      topic: Type.Optional(Type.String()),
    }),
    Type.Null(),
  ]),
  description: Type.Union([Type.String(), Type.Null()]),
  eventTypes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  workflows: Type.Union([Type.Array(Type.String()), Type.Null()]),
  format: Type.String(),
  auth: Type.Object(
    {
      type: Type.String(),
      algorithm: Type.Optional(Type.String()),
      name: Type.Optional(Type.String()),
      cert: Type.Optional(Type.String()),
      username: Type.Optional(Type.String()),
      tokenUrl: Type.Optional(Type.String()),
      clientId: Type.Optional(Type.String()),
      clientAuth: Type.Optional(Type.String()),
      keyId: Type.Optional(Type.String()),
      scope: Type.Optional(Type.String()),
      audience: Type.Optional(Type.String()),
    },
    { description: 'Never carries a secret: no header value, no private key, no password, no client secret' },
  ),
  tls: Type.Union([Type.Object({ ca: Type.String() }), Type.Null()]),
  headers: Type.Record(Type.String(), Type.String()),
  ordering: Type.String(),
  rateLimit: Type.Union([Type.Integer(), Type.Null()]),
  proxy: Type.Union([Type.String(), Type.Null()]),
  filter: Type.Union([Type.String(), Type.Null()]),
  transform: Type.Union([
    Type.Object({
      body: Type.Optional(Type.String()),
      headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    }),
    Type.Null(),
  ]),
  retrySchedule: Type.Union([Type.Array(Type.String()), Type.Null()]),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  failingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'First failed attempt since the last success; the endpoint is disabled when this gets too old',
  }),
  pausedUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description:
      'While failing, the next probe waits until then (circuit breaker); changing the endpoint or replaying ends the pause',
  }),
  secretRotation: Type.Union([Type.Object({ previousSecretExpiresAt: Type.String() }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  secret: Type.Optional(Type.String({ description: 'Only in the answer that created or changed it' })),
  publicKey: Type.Optional(Type.String({ description: 'whpk_ key verifying ed25519 signatures' })),
});

export const DeliverySchema = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventSequence: Type.Integer(),
  subjectId: Type.String(),
  status: Type.String({ description: 'pending | succeeded | failed (dead letter)' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const AttemptSchema = Type.Object({
  id: Type.String(),
  deliveryId: Type.String(),
  eventId: Type.String(),
  attempt: Type.Integer(),
  startedAt: Type.String(),
  outcome: Type.String(),
  httpStatus: Type.Union([Type.Integer(), Type.Null()]),
  latencyMs: Type.Integer(),
  responseExcerpt: Type.Union([Type.String(), Type.Null()]),
  errorClass: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Union([Type.String(), Type.Null()], {
    description:
      "Why the try failed without an answer (timeout, connection, TLS), or a SET recipient's RFC 8935 refusal as `err: description`",
  }),
});
