import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { notFound, wrongField } from '../../errors/tidings-error.js';
import { publicSubject } from '../../subjects/subject.js';
import type { WriteAnswer } from '../../subjects/subject-service.js';
import type { AppDeps } from '../app-deps.js';
import { callerOf } from '../plugins/auth.js';
import { traceparentOf } from '../plugins/request-tracing.js';
import { EventSchema, errorResponses, IdempotencyHeaders, JsonObject, SubjectId, SubjectSchema } from '../schemas.js';

const StateName = Type.String({ minLength: 1, maxLength: 100 });

const CreateBody = Type.Object(
  {
    workflow: Type.String({ minLength: 1, maxLength: 100 }),
    id: Type.Optional(SubjectId),
    parentId: Type.Optional(SubjectId),
    attributes: Type.Optional(JsonObject),
    to: Type.Optional(StateName),
    type: Type.Optional(
      Type.String({ minLength: 1, maxLength: 300, description: 'Which initial event, when several' }),
    ),
    data: Type.Optional(JsonObject),
  },
  { additionalProperties: false },
);

const EventBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 300, description: 'Event type (FIT-Connect event URIs accepted)' }),
    to: Type.Optional(StateName),
    data: Type.Optional(JsonObject),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    status: Type.Optional(StateName),
    parentId: Type.Optional(SubjectId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
  },
  { additionalProperties: false },
);

const encodeCursor = (createdAt: string, id: string) =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the validation error
  }
  throw wrongField('cursor', 'cursor is not one this server handed out');
}

function send(reply: FastifyReply, answer: WriteAnswer) {
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(answer.status).send(answer.body);
}

function idempotencyOf(request: FastifyRequest, key: string | undefined) {
  return key === undefined
    ? undefined
    : { key, method: request.method, path: request.url.split('?')[0] ?? '', body: request.body };
}

/** Subjects: create (with the initial transition), read, list, update attributes, and transitions. */
export const subjectRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.post(
    '/v1/subjects',
    {
      config: { auth: 'tenant', scope: 'write' },
      schema: {
        tags: ['subjects'],
        summary: "Create a subject; records its workflow's creation event",
        headers: IdempotencyHeaders,
        body: CreateBody,
        response: { 201: Type.Ref('Subject'), ...errorResponses(400, 401, 403, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const answer = await deps.subjects.create(
        callerOf(request).tenantId,
        request.body,
        idempotencyOf(request, request.headers['idempotency-key']),
        traceparentOf(request),
      );
      return send(reply, answer);
    },
  );

  app.get(
    '/v1/subjects',
    {
      config: { auth: 'tenant', scope: 'read' },
      schema: {
        tags: ['subjects'],
        summary: 'List subjects, oldest first, filtered by workflow, status or parent',
        querystring: ListQuery,
        response: {
          200: Type.Object({
            subjects: Type.Array(Type.Ref('Subject')),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { cursor, limit = 50, ...filter } = request.query;
      const subjects = await deps.store.listSubjects(callerOf(request).tenantId, {
        ...filter,
        ...(cursor ? { after: decodeCursor(cursor) } : {}),
        limit,
      });
      const last = subjects.at(-1);
      return {
        subjects: subjects.map(publicSubject),
        nextCursor: last && subjects.length === limit ? encodeCursor(last.createdAt, last.id) : null,
      };
    },
  );

  app.get(
    '/v1/subjects/:id',
    {
      config: { auth: 'tenant', scope: 'read' },
      schema: {
        tags: ['subjects'],
        summary: 'Get a subject',
        params: Type.Object({ id: SubjectId }),
        response: { 200: Type.Ref('Subject'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const subject = await deps.store.getSubject(callerOf(request).tenantId, request.params.id);
      if (!subject) throw notFound(`subject ${request.params.id}`);
      return publicSubject(subject);
    },
  );

  app.patch(
    '/v1/subjects/:id',
    {
      config: { auth: 'tenant', scope: 'write' },
      schema: {
        tags: ['subjects'],
        summary: 'Merge attributes (null removes one); immutable attributes are refused. Records no event.',
        params: Type.Object({ id: SubjectId }),
        body: Type.Object(
          { attributes: JsonObject, expectedVersion: Type.Optional(Type.Integer({ minimum: 1 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('Subject'), ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request, reply) =>
      send(reply, await deps.subjects.patchAttributes(callerOf(request).tenantId, request.params.id, request.body)),
  );

  app.post(
    '/v1/subjects/:id/events',
    {
      config: { auth: 'tenant', scope: 'write' },
      schema: {
        tags: ['subjects'],
        summary: 'Record a transition; 409 invalid_transition when the workflow forbids it',
        params: Type.Object({ id: SubjectId }),
        headers: IdempotencyHeaders,
        body: EventBody,
        response: { 201: Type.Ref('Event'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const answer = await deps.subjects.transition(
        callerOf(request).tenantId,
        request.params.id,
        request.body,
        idempotencyOf(request, request.headers['idempotency-key']),
        traceparentOf(request),
      );
      return send(reply, answer);
    },
  );
};

export const SHARED_SCHEMAS = [SubjectSchema, EventSchema];
