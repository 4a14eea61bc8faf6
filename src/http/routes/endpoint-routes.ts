import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ATTEMPT_OUTCOMES, DELIVERY_STATUSES, publicAttempt, publicDelivery } from '../../delivery/delivery.js';
import { statsSeries, statsTotals } from '../../delivery/delivery-stats.js';
import { type EndpointRecord, publicEndpoint } from '../../delivery/endpoint.js';
import {
  AttemptSchema,
  CreateEndpointBody,
  DeliverySchema,
  EndpointSchema,
  UpdateEndpointBody,
} from '../../delivery/endpoint-schemas.js';
import { type EndpointService, secretFields } from '../../delivery/endpoint-service.js';
import type { DeliveryStore } from '../../delivery/storage/delivery-store.js';
import { TEST_EVENT_TYPE, type TestPushResult } from '../../delivery/test-push.js';
import { notFound, TidingsError, wrongField } from '../../errors/tidings-error.js';
import { instantOf } from '../date-time.js';
import { callerOf } from '../plugins/auth.js';
import { errorResponses } from '../schemas.js';

export interface EndpointRouteDeps {
  endpoints: EndpointService;
  deliveries: DeliveryStore;
  clock: () => Date;
  /** Wakes the dispatcher after a replay or retry so it does not wait for its next poll. */
  nudge: () => void;
  /** One signed test push to the endpoint, recorded nowhere (`src/delivery/test-push.ts`). */
  sendTest: (endpoint: EndpointRecord) => Promise<TestPushResult>;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const tenantRoute = (scope: 'read' | 'manage') => ({ auth: 'tenant' as const, scope });
const tags = ['endpoints'];

const EventIdFilter = Type.String({
  minLength: 1,
  maxLength: 200,
  description: "Only this event's delivery to the endpoint",
});

const pageFields = (statuses: readonly string[]) => ({
  status: Type.Optional(Type.Union(statuses.map((s) => Type.Literal(s)))),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  eventId: Type.Optional(EventIdFilter),
});

const DeliveriesQuery = Type.Object(pageFields(DELIVERY_STATUSES), { additionalProperties: false });

const AttemptsQuery = Type.Object(
  {
    ...pageFields(ATTEMPT_OUTCOMES),
    deliveryId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "Only this delivery's attempts" }),
    ),
  },
  { additionalProperties: false },
);

function cursorOf(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const value = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(value)) throw wrongField('cursor', 'cursor is not one this server handed out');
  return value;
}
const nextCursor = <T>(rows: T[], limit: number, key: (row: T) => string) => {
  const last = rows.at(-1);
  return last !== undefined && rows.length === limit ? Buffer.from(key(last)).toString('base64url') : null;
};

/** `/v1/endpoints` and the delivery routes under it: configuration, secrets, attempt history, replay. */
export function endpointRoutes(deps: EndpointRouteDeps) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const owned = async (tenantId: string, id: string) => deps.endpoints.get(tenantId, id);

    app.post(
      '/v1/endpoints',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: 'Create an endpoint; the answer carries its signing secret, shown this once',
          body: CreateEndpointBody,
          response: { 201: EndpointSchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const endpoint = await deps.endpoints.create(callerOf(request).tenantId, request.body);
        return reply.status(201).send({ ...publicEndpoint(endpoint), ...secretFields(endpoint) });
      },
    );

    app.get(
      '/v1/endpoints',
      {
        config: tenantRoute('read'),
        schema: {
          tags,
          summary: 'List endpoints',
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
              cursor: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              endpoints: Type.Array(EndpointSchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 50;
        const after = cursorOf(request.query.cursor);
        const rows = await deps.deliveries.listEndpoints(callerOf(request).tenantId, {
          ...(after ? { after } : {}),
          limit,
        });
        return { endpoints: rows.map(publicEndpoint), nextCursor: nextCursor(rows, limit, (e) => e.id) };
      },
    );

    app.get(
      '/v1/endpoints/:id',
      {
        config: tenantRoute('read'),
        schema: {
          tags,
          summary: 'Get an endpoint (never its secrets)',
          params: IdParams,
          response: { 200: EndpointSchema, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => publicEndpoint(await owned(callerOf(request).tenantId, request.params.id)),
    );

    app.patch(
      '/v1/endpoints/:id',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: 'Change an endpoint; `enabled: true` re-enables one disabled by a 410 or by hand',
          params: IdParams,
          body: UpdateEndpointBody,
          response: { 200: EndpointSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { endpoint, newSecret } = await deps.endpoints.update(
          callerOf(request).tenantId,
          request.params.id,
          request.body,
        );
        return { ...publicEndpoint(endpoint), ...(newSecret ? secretFields(endpoint) : {}) };
      },
    );

    app.delete(
      '/v1/endpoints/:id',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: 'Delete an endpoint with its deliveries and attempts',
          params: IdParams,
          response: errorResponses(401, 403, 404),
        },
      },
      async (request, reply) => {
        await deps.endpoints.remove(callerOf(request).tenantId, request.params.id);
        return reply.status(204).send();
      },
    );

    const SecretAnswer = Type.Object({
      secret: Type.String(),
      publicKey: Type.Optional(Type.String()),
      previousSecretExpiresAt: Type.Union([Type.String(), Type.Null()]),
    });
    const secretAnswer = (e: Awaited<ReturnType<typeof owned>>) => ({
      ...secretFields(e),
      previousSecretExpiresAt:
        e.previousSecret !== null && e.previousSecretExpiresAt !== null
          ? new Date(e.previousSecretExpiresAt).toISOString()
          : null,
    });

    app.post(
      '/v1/endpoints/:id/reveal-secret',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: "Show the endpoint's current signing secret",
          params: IdParams,
          response: { 200: SecretAnswer, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => secretAnswer(await owned(callerOf(request).tenantId, request.params.id)),
    );

    app.post(
      '/v1/endpoints/:id/rotate-secret',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: 'New signing secret; the old one keeps signing beside it for the grace period (default 24 h)',
          params: IdParams,
          body: Type.Optional(
            Type.Object(
              { gracePeriodSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600 })) },
              { additionalProperties: false },
            ),
          ),
          response: { 200: SecretAnswer, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const endpoint = await deps.endpoints.rotateSecret(
          callerOf(request).tenantId,
          request.params.id,
          request.body?.gracePeriodSeconds,
        );
        return secretAnswer(endpoint);
      },
    );

    const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
    app.post(
      '/v1/endpoints/:id/test',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: 'Send a signed test event to the endpoint now and show the answer',
          description:
            `The body is \`{"type":"${TEST_EVENT_TYPE}","endpointId":...,"time":...}\` (JSON, whatever the endpoint's format), ` +
            "sent with the endpoint's headers, auth, TLS CA, proxy and transport, and signed with its current " +
            'secrets like any push. It waits for the answer (up to the push timeout). Nothing is recorded: no ' +
            "delivery, no attempt, and the endpoint's health and circuit do not change. A disabled endpoint is tested too.",
          params: IdParams,
          response: {
            200: Type.Object({
              webhookId: Type.String({ description: 'The `webhook-id` header sent: `msg_test_<uuid>`' }),
              ok: Type.Boolean({ description: 'A 2xx answer, or a broker confirmed the publish' }),
              status: Nullable(Type.Integer({ description: 'HTTP status of the answer' })),
              latencyMs: Type.Integer(),
              excerpt: Nullable(Type.String({ description: 'The first KiB of the answer body' })),
              receipt: Nullable(Type.String({ description: "The broker's receipt of the publish" })),
              errorClass: Nullable(Type.String({ description: 'timeout, connection, tls, broker, token, ...' })),
              message: Nullable(Type.String()),
            }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => deps.sendTest(await owned(callerOf(request).tenantId, request.params.id)),
    );

    const OutcomeCounts = Type.Object(
      Object.fromEntries(ATTEMPT_OUTCOMES.map((o) => [o, Type.Integer()])) as Record<
        (typeof ATTEMPT_OUTCOMES)[number],
        ReturnType<typeof Type.Integer>
      >,
    );
    app.get(
      '/v1/stats/deliveries',
      {
        config: tenantRoute('read'),
        schema: {
          tags,
          summary: "The tenant's push attempts over a recent window, by outcome and latency, and its queue now",
          description:
            'Aggregated in the database over the window only (attempts are found by id order, no scan of older ' +
            'ones). `buckets` covers the whole window oldest first, zero-filled. `queue` counts the pending ' +
            "deliveries of the tenant's endpoints and the creation time of the oldest.",
          querystring: Type.Object(
            {
              windowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60 })),
              bucketSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600, default: 60 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              from: Type.String({ format: 'date-time' }),
              to: Type.String({ format: 'date-time' }),
              bucketSeconds: Type.Integer(),
              buckets: Type.Array(
                Type.Object({
                  start: Type.String({ format: 'date-time' }),
                  attempts: OutcomeCounts,
                  meanLatencyMs: Nullable(Type.Integer()),
                  maxLatencyMs: Nullable(Type.Integer()),
                }),
              ),
              totals: Type.Object({
                attempts: OutcomeCounts,
                meanLatencyMs: Nullable(Type.Integer()),
                maxLatencyMs: Nullable(Type.Integer()),
              }),
              queue: Type.Object({
                pending: Type.Integer({ description: "Pending deliveries of the tenant's endpoints" }),
                oldestPendingAt: Nullable(Type.String({ format: 'date-time' })),
                oldestPendingAgeSeconds: Nullable(Type.Integer()),
              }),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const tenantId = callerOf(request).tenantId;
        const bucketMs = (request.query.bucketSeconds ?? 60) * 1000;
        const windowMs = (request.query.windowMinutes ?? 60) * 60_000;
        const count = Math.ceil(windowMs / bucketMs);
        const nowMs = deps.clock().getTime();
        // Whole buckets ending with the one that holds now.
        const toMs = (Math.floor(nowMs / bucketMs) + 1) * bucketMs;
        const fromMs = toMs - count * bucketMs;
        const [groups, queue] = await Promise.all([
          deps.deliveries.attemptStats(tenantId, fromMs, toMs, bucketMs),
          deps.deliveries.tenantQueueStats(tenantId),
        ]);
        const oldest = queue.oldestCreatedAt;
        return {
          from: new Date(fromMs).toISOString(),
          to: new Date(toMs).toISOString(),
          bucketSeconds: bucketMs / 1000,
          buckets: statsSeries(groups, fromMs, bucketMs, count),
          totals: statsTotals(groups),
          queue: {
            pending: queue.pending,
            oldestPendingAt: oldest === null ? null : new Date(oldest).toISOString(),
            oldestPendingAgeSeconds: oldest === null ? null : Math.max(0, Math.floor((nowMs - oldest) / 1000)),
          },
        };
      },
    );

    app.get(
      '/v1/endpoints/:id/deliveries',
      {
        config: tenantRoute('read'),
        schema: {
          tags,
          summary: 'Deliveries to this endpoint, newest event first; `eventId` finds the one of an event',
          params: IdParams,
          querystring: DeliveriesQuery,
          response: {
            200: Type.Object({
              deliveries: Type.Array(DeliverySchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { tenantId } = callerOf(request);
        await owned(tenantId, request.params.id);
        const limit = request.query.limit ?? 50;
        const before = cursorOf(request.query.cursor);
        const rows = await deps.deliveries.listDeliveries(tenantId, request.params.id, {
          ...(request.query.status ? { status: request.query.status } : {}),
          ...(before ? { before } : {}),
          ...(request.query.eventId ? { eventId: request.query.eventId } : {}),
          limit,
        });
        return { deliveries: rows.map(publicDelivery), nextCursor: nextCursor(rows, limit, (d) => d.id) };
      },
    );

    app.get(
      '/v1/endpoints/:id/attempts',
      {
        config: tenantRoute('read'),
        schema: {
          tags,
          summary:
            'HTTP attempts to this endpoint, newest first; `status` filters by outcome, `eventId` and `deliveryId` to one delivery',
          params: IdParams,
          querystring: AttemptsQuery,
          response: {
            200: Type.Object({
              attempts: Type.Array(AttemptSchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { tenantId } = callerOf(request);
        await owned(tenantId, request.params.id);
        const limit = request.query.limit ?? 50;
        const before = cursorOf(request.query.cursor);
        if (before !== undefined && !/^\d+$/.test(before))
          throw wrongField('cursor', 'cursor is not one this server handed out');
        const rows = await deps.deliveries.listAttempts(tenantId, request.params.id, {
          ...(request.query.status ? { status: request.query.status } : {}),
          ...(before ? { before } : {}),
          ...(request.query.eventId ? { eventId: request.query.eventId } : {}),
          ...(request.query.deliveryId ? { deliveryId: request.query.deliveryId } : {}),
          limit,
        });
        return { attempts: rows.map(publicAttempt), nextCursor: nextCursor(rows, limit, (a) => String(a.id)) };
      },
    );

    app.post(
      '/v1/endpoints/:id/replay',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: 'Queue again the failed (or, with failedOnly false, all) deliveries created since a time',
          params: IdParams,
          body: Type.Object(
            { since: Type.String({ format: 'date-time' }), failedOnly: Type.Optional(Type.Boolean({ default: true })) },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ requeued: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { tenantId } = callerOf(request);
        const sinceMs = instantOf(request.body.since);
        if (sinceMs === null) throw wrongField('since', 'since is not a time this server can read');
        await owned(tenantId, request.params.id);
        const requeued = await deps.deliveries.requeue(
          tenantId,
          {
            endpointId: request.params.id,
            sinceMs,
            failedOnly: request.body.failedOnly ?? true,
          },
          deps.clock().getTime(),
        );
        deps.nudge();
        return reply.status(202).send({ requeued });
      },
    );

    app.get(
      '/v1/deliveries/:id',
      {
        config: tenantRoute('read'),
        schema: {
          tags,
          summary: 'One delivery: its endpoint, event, status, attempts so far and last error',
          params: IdParams,
          response: { 200: DeliverySchema, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const delivery = await deps.deliveries.getDelivery(callerOf(request).tenantId, request.params.id);
        if (!delivery) throw notFound(`delivery ${request.params.id}`);
        return publicDelivery(delivery);
      },
    );

    app.post(
      '/v1/deliveries/:id/retry',
      {
        config: tenantRoute('manage'),
        schema: {
          tags,
          summary: 'Try one delivery again now (a dead letter restarts its retry schedule)',
          params: IdParams,
          response: { 202: DeliverySchema, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const { tenantId } = callerOf(request);
        const changed = await deps.deliveries.requeue(
          tenantId,
          { deliveryId: request.params.id },
          deps.clock().getTime(),
        );
        const delivery = await deps.deliveries.getDelivery(tenantId, request.params.id);
        if (!delivery) throw notFound(`delivery ${request.params.id}`);
        if (changed === 0)
          throw new TidingsError('conflict', 'the delivery is being tried right now', { target: 'id' });
        deps.nudge();
        return reply.status(202).send(publicDelivery(delivery));
      },
    );
  };
}
