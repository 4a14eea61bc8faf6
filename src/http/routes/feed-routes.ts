import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound, validationError } from '../../errors/tidings-error.js';
import type { PullDelivery } from '../../feeds/create-pull-delivery.js';
import { LOG_KINDS, type LogKind } from '../../feeds/log-service.js';
import { type Parsed, parseFeedQuery, parseLogQuery, parseNewestQuery } from '../../feeds/query-params.js';
import { pageJson } from '../../feeds/skipped-event.js';
import type { StreamRecord } from '../../feeds/storage/stream-storage.js';
import { callerOf } from '../plugins/auth.js';
import { errorResponses, PollBody, SkippedEvents, SubjectId } from '../schemas.js';

/** Query values stay text here: `query-params.ts` checks them and names the field in each error. */
const Text = Type.Optional(Type.String({ maxLength: 1000 }));

const FeedQuery = Type.Object({
  afterEventId: Type.Optional(Type.String({ maxLength: 1000, description: 'Continue after this event id (a GUID)' })),
  count: Type.Optional(Type.String({ maxLength: 1000, description: '1..100, default 30' })),
  format: Type.Optional(Type.String({ maxLength: 1000, description: 'vendor (default), native or set' })),
  workflow: Text,
  type: Text,
});

const LogQuery = Type.Object({
  offset: Type.Optional(Type.String({ maxLength: 1000, description: '>= 0, default 0' })),
  limit: Type.Optional(Type.String({ maxLength: 1000, description: '1..500, default 100' })),
});

const EventLog = Type.Object({
  eventLog: Type.Array(Type.String({ description: 'compact JWS (application/secevent+jwt)' })),
  offset: Type.Integer(),
  limit: Type.Integer(),
  totalCount: Type.Integer(),
  skipped: Type.Optional(SkippedEvents),
});

const Names = Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 100 });

const CreateStreamBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    eventTypes: Type.Optional(Names),
    workflows: Type.Optional(Names),
    startAt: Type.Optional(Type.Union([Type.Literal('now'), Type.Literal('beginning')])),
  },
  { additionalProperties: false },
);

const StreamSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  eventTypes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  workflows: Type.Union([Type.Array(Type.String()), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

const publicStream = (s: StreamRecord) => ({
  id: s.id,
  name: s.name,
  eventTypes: s.eventTypes,
  workflows: s.workflows,
  createdAt: s.createdAt,
});

function parsedOrThrow<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw validationError(parsed.errors);
  return parsed.value;
}

/**
 * Sends a large read answer as JSON.stringify's text. The schema serializer
 * walks long strings in JS: on a SET log of 500 it took ~30% of the request's
 * CPU (bench `feed`). The response schemas stay for the OpenAPI document; these
 * bodies match them.
 */
function sendJson(reply: FastifyReply, body: unknown) {
  return sendJsonText(reply, JSON.stringify(body));
}

function sendJsonText(reply: FastifyReply, text: string) {
  return reply.type('application/json; charset=utf-8').send(text);
}

/** Pull delivery over HTTP: the cursor feed, the SET logs, RFC 8936 poll streams and subject erasure. */
export function feedRoutes(pull: PullDelivery) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const read = { auth: 'tenant', scope: 'read' } as const;
    const write = { auth: 'tenant', scope: 'write' } as const;

    app.get(
      '/v1/events',
      {
        config: read,
        schema: {
          tags: ['feed'],
          summary: 'Tenant-wide cursor feed, oldest first: {lastEventId, events}',
          querystring: FeedQuery,
          response: {
            200: Type.Object({
              lastEventId: Type.Union([Type.String(), Type.Null()]),
              events: Type.Array(Type.Unknown()),
              skipped: Type.Optional(SkippedEvents),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const query = parsedOrThrow(parseFeedQuery(request.query));
        const { eventIds, ...page } = await pull.feed.page(callerOf(request).tenantId, query);
        // An event rendered but too deep to write is left out here and reported (`pageJson`).
        return sendJsonText(reply, pageJson(page, eventIds));
      },
    );

    app.get(
      '/v1/events/latest',
      {
        config: read,
        schema: {
          tags: ['feed'],
          summary: "The tenant's feed from its end, newest first, to page back through and to follow from",
          description:
            'Newest events first (`count`, `format`, `workflow`, `type` as in `GET /v1/events`); ' +
            '`nextBeforeEventId` pages further back (null at the start of the feed). `newestEventId` is the ' +
            "tenant's newest event whatever the filter: pass it as `afterEventId` to `GET /v1/events` to follow new ones.",
          querystring: Type.Object(
            {
              beforeEventId: Type.Optional(
                Type.String({ maxLength: 1000, description: 'Continue before this event id (a GUID)' }),
              ),
              count: FeedQuery.properties.count,
              format: FeedQuery.properties.format,
              workflow: Text,
              type: Text,
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              newestEventId: Type.Union([Type.String(), Type.Null()]),
              nextBeforeEventId: Type.Union([Type.String(), Type.Null()]),
              events: Type.Array(Type.Unknown()),
              skipped: Type.Optional(SkippedEvents),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const query = parsedOrThrow(parseNewestQuery(request.query));
        const { eventIds, ...page } = await pull.feed.newest(callerOf(request).tenantId, query);
        return sendJsonText(reply, pageJson(page, eventIds));
      },
    );

    for (const kind of Object.keys(LOG_KINDS) as LogKind[]) {
      app.get(
        `/v1/${kind}/:id/events`,
        {
          config: read,
          schema: {
            tags: ['feed'],
            summary:
              kind === 'cases'
                ? "A FIT-Connect case's SET log, its submissions' and replies' events included"
                : `The SET log of one ${kind === 'subjects' ? 'subject' : kind.slice(0, -1)}`,
            params: Type.Object({ id: SubjectId }),
            querystring: LogQuery,
            response: { 200: EventLog, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request, reply) =>
          sendJson(
            reply,
            await pull.logs.log(
              callerOf(request).tenantId,
              kind,
              request.params.id,
              parsedOrThrow(parseLogQuery(request.query)),
            ),
          ),
      );
    }

    app.post(
      '/v1/subjects/:id/erase',
      {
        config: write,
        schema: {
          tags: ['subjects'],
          summary:
            "Erase a subject's personal data (attributes, event payloads, receivers' answers to its pushes); keeps a tombstone",
          params: Type.Object({ id: SubjectId }),
          response: {
            200: Type.Object({ id: Type.String(), erasedAt: Type.String({ format: 'date-time' }) }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { id } = request.params;
        const erasedAt = await pull.storage.feed.eraseSubject(
          callerOf(request).tenantId,
          id,
          pull.clock().toISOString(),
        );
        if (erasedAt === null) throw notFound(`subject ${id}`);
        return { id, erasedAt };
      },
    );

    app.post(
      '/v1/streams',
      {
        config: write,
        schema: {
          tags: ['streams'],
          summary: 'Create a named RFC 8936 poll stream with an event filter',
          body: CreateStreamBody,
          response: { 201: StreamSchema, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const stream = await pull.polls.create(callerOf(request).tenantId, request.body);
        return reply.status(201).send(publicStream(stream));
      },
    );

    app.get(
      '/v1/streams',
      {
        config: read,
        schema: {
          tags: ['streams'],
          summary: 'List poll streams',
          response: { 200: Type.Object({ streams: Type.Array(StreamSchema) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => ({ streams: (await pull.polls.list(callerOf(request).tenantId)).map(publicStream) }),
    );

    app.get(
      '/v1/streams/:id',
      {
        config: read,
        schema: {
          tags: ['streams'],
          summary: 'Get a poll stream',
          params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
          response: { 200: StreamSchema, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => publicStream(await pull.polls.get(callerOf(request).tenantId, request.params.id)),
    );

    app.delete(
      '/v1/streams/:id',
      {
        config: write,
        schema: {
          tags: ['streams'],
          summary: 'Delete a poll stream and its pending SETs',
          params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
          response: { ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await pull.polls.delete(callerOf(request).tenantId, request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/streams/:id/set-errors',
      {
        config: read,
        schema: {
          tags: ['streams'],
          summary: "The newest setErrs the stream's poller reported, for finding out why a receiver refused SETs",
          params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
          querystring: Type.Object(
            { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              setErrors: Type.Array(
                Type.Object({
                  jti: Type.String(),
                  err: Type.String(),
                  description: Type.String(),
                  reportedAt: Type.String({ format: 'date-time' }),
                }),
              ),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => ({
        setErrors: await pull.polls.setErrors(
          callerOf(request).tenantId,
          request.params.id,
          request.query.limit ?? 100,
        ),
      }),
    );

    app.post(
      '/v1/streams/:id/poll',
      {
        config: write,
        schema: {
          tags: ['streams'],
          summary: 'RFC 8936 poll: acknowledge SETs and receive the pending ones (long poll unless returnImmediately)',
          params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
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
        return pull.polls.poll(callerOf(request).tenantId, request.params.id, request.body, gone.signal);
      },
    );
  };
}
