import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { wrongField } from '../../errors/tidings-error.js';
import { transmitterMetadata } from '../../signals/ssf-metadata.js';
import type { SsfStreamService } from '../../signals/ssf-stream-service.js';
import { SSF_STATUSES, type SsfStreamRecord } from '../../signals/storage/ssf-storage.js';
import { callerOf } from '../plugins/auth.js';
import { errorResponses, PollBody, SkippedEvents } from '../schemas.js';

const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const StreamId = Type.String({ minLength: 1, maxLength: 200 });

const Delivery = Type.Object(
  {
    method: Type.String({ maxLength: 200, description: 'urn:ietf:rfc:8935 (push) or urn:ietf:rfc:8936 (poll)' }),
    endpoint_url: Type.Optional(Uri),
    authorization_header: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

/**
 * A stream configuration as a receiver sends it. Transmitter-supplied fields
 * (`iss`, `events_supported`, ...) are accepted, so a receiver can PUT back
 * what it read, and ignored.
 */
const StreamBody = Type.Object(
  {
    stream_id: Type.Optional(StreamId),
    delivery: Type.Optional(Delivery),
    events_requested: Type.Optional(Type.Array(Uri, { maxItems: 1000 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    aud: Type.Optional(
      Type.Union([
        Type.String({ minLength: 1, maxLength: 500 }),
        Type.Array(Type.String({ maxLength: 500 }), { minItems: 1, maxItems: 1 }),
      ]),
    ),
    iss: Type.Optional(Type.String({ maxLength: 2000 })),
    events_supported: Type.Optional(Type.Array(Uri, { maxItems: 10_000 })),
    events_delivered: Type.Optional(Type.Array(Uri, { maxItems: 10_000 })),
    min_verification_interval: Type.Optional(Type.Integer({ minimum: 0 })),
    inactivity_timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const StreamConfig = Type.Object({
  stream_id: Type.String(),
  iss: Type.String(),
  aud: Type.String(),
  delivery: Type.Object({ method: Type.String(), endpoint_url: Type.String() }),
  events_supported: Type.Array(Type.String()),
  events_requested: Type.Array(Type.String()),
  events_delivered: Type.Array(Type.String()),
  description: Type.Optional(Type.String()),
  min_verification_interval: Type.Integer(),
});

const Status = Type.Union(SSF_STATUSES.map((s) => Type.Literal(s)));
const StatusBody = Type.Object({
  stream_id: Type.String(),
  status: Status,
  reason: Type.Optional(Type.String()),
});

const StreamQuery = Type.Object({ stream_id: Type.Optional(StreamId) }, { additionalProperties: false });

/** OpenID Shared Signals Framework 1.0: transmitter metadata, stream configuration, status and verification. */
export function ssfRoutes(ssf: SsfStreamService, issuer: string, minVerificationIntervalMs: number) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const read = { auth: 'tenant', scope: 'read' } as const;
    const write = { auth: 'tenant', scope: 'write' } as const;

    const configOf = async (s: SsfStreamRecord) => ({
      stream_id: s.id,
      iss: issuer,
      aud: s.aud,
      delivery: await ssf.deliveryOf(s),
      events_supported: ssf.eventsSupported(),
      events_requested: s.eventsRequested,
      events_delivered: ssf.eventsDelivered(s),
      ...(s.description !== null ? { description: s.description } : {}),
      min_verification_interval: Math.ceil(minVerificationIntervalMs / 1000),
    });
    const statusOf = (s: SsfStreamRecord) => ({
      stream_id: s.id,
      status: s.status,
      ...(s.reason !== null ? { reason: s.reason } : {}),
    });

    app.get(
      '/.well-known/ssf-configuration',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['shared-signals'],
          summary: 'OpenID Shared Signals transmitter configuration metadata',
          security: [],
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return transmitterMetadata(issuer);
      },
    );

    app.post(
      '/v1/ssf/streams',
      {
        config: write,
        schema: {
          tags: ['shared-signals'],
          summary: 'Create an SSF stream: push (RFC 8935, an endpoint) or poll (RFC 8936, a poll stream)',
          body: StreamBody,
          response: { 201: StreamConfig, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        if (request.body.stream_id !== undefined) throw wrongField('stream_id', 'the transmitter names new streams');
        const stream = await ssf.create(callerOf(request).tenantId, request.body);
        return reply.status(201).send(await configOf(stream));
      },
    );

    app.get(
      '/v1/ssf/streams',
      {
        config: read,
        schema: {
          tags: ['shared-signals'],
          summary: "A stream's configuration (stream_id given), or every stream of the tenant",
          querystring: StreamQuery,
          response: {
            200: Type.Union([StreamConfig, Type.Array(StreamConfig)]),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const tenantId = callerOf(request).tenantId;
        const { stream_id } = request.query;
        if (stream_id !== undefined) return configOf(await ssf.get(tenantId, stream_id));
        return Promise.all((await ssf.list(tenantId)).map(configOf));
      },
    );

    for (const [method, replace] of [
      ['PATCH', false],
      ['PUT', true],
    ] as const) {
      app.route({
        method,
        url: '/v1/ssf/streams',
        config: write,
        schema: {
          tags: ['shared-signals'],
          summary: replace ? 'Replace a stream configuration' : 'Update a stream configuration',
          body: StreamBody,
          response: { 200: StreamConfig, ...errorResponses(400, 401, 403, 404) },
        },
        handler: async (request) => configOf(await ssf.update(callerOf(request).tenantId, request.body, replace)),
      });
    }

    app.delete(
      '/v1/ssf/streams',
      {
        config: write,
        schema: {
          tags: ['shared-signals'],
          summary: 'Delete a stream, with the endpoint or poll stream that carried it',
          querystring: Type.Object({ stream_id: StreamId }, { additionalProperties: false }),
          response: { ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await ssf.delete(callerOf(request).tenantId, request.query.stream_id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/ssf/status',
      {
        config: read,
        schema: {
          tags: ['shared-signals'],
          summary: "A stream's status: enabled, paused or disabled",
          querystring: Type.Object({ stream_id: StreamId }, { additionalProperties: false }),
          response: { 200: StatusBody, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => statusOf(await ssf.get(callerOf(request).tenantId, request.query.stream_id)),
    );

    app.post(
      '/v1/ssf/status',
      {
        config: write,
        schema: {
          tags: ['shared-signals'],
          summary: "Change a stream's status (paused holds its events, disabled drops them)",
          body: Type.Object(
            { stream_id: StreamId, status: Status, reason: Type.Optional(Type.String({ maxLength: 500 })) },
            { additionalProperties: false },
          ),
          response: { 200: StatusBody, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { stream_id, status, reason } = request.body;
        return statusOf(await ssf.setStatus(callerOf(request).tenantId, stream_id, status, reason ?? null));
      },
    );

    app.post(
      '/v1/ssf/verify',
      {
        config: write,
        schema: {
          tags: ['shared-signals'],
          summary: 'Request a verification event over the stream (sent after the 204)',
          body: Type.Object(
            { stream_id: StreamId, state: Type.Optional(Type.String({ maxLength: 500 })) },
            { additionalProperties: false },
          ),
          response: { ...errorResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        await ssf.requestVerification(callerOf(request).tenantId, request.body.stream_id, request.body.state);
        return reply.status(204).send();
      },
    );

    app.post(
      '/v1/ssf/poll/:streamId',
      {
        config: write,
        schema: {
          tags: ['shared-signals'],
          summary: "RFC 8936 poll of an SSF poll stream: its verification SETs, then its events' SETs",
          params: Type.Object({ streamId: StreamId }),
          body: PollBody,
          response: {
            200: Type.Object({
              sets: Type.Record(Type.String(), Type.String()),
              moreAvailable: Type.Boolean(),
              skipped: Type.Optional(SkippedEvents),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const gone = new AbortController();
        reply.raw.once('close', () => gone.abort());
        return ssf.poll(callerOf(request).tenantId, request.params.streamId, request.body, gone.signal);
      },
    );
  };
}
