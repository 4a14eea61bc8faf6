import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors/tidings-error.js';
import { publicEvent } from '../../events/event.js';
import type { PullDelivery } from '../../feeds/create-pull-delivery.js';
import { loadRenderContexts } from '../../feeds/render-contexts.js';
import { renderEach } from '../../feeds/skipped-event.js';
import { FORMATS, resolveFormat } from '../../formats/index.js';
import type { Store } from '../../storage/store.js';
import type { WorkflowRegistry } from '../../workflows/workflow-registry.js';
import { callerOf } from '../plugins/auth.js';
import { errorResponses, SkippedEvents, SubjectId } from '../schemas.js';

const HistoryEvent = Type.Object({
  id: Type.String(),
  sequence: Type.Integer(),
  subjectId: Type.String(),
  workflow: Type.String(),
  type: Type.String(),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.String(),
  occurredAt: Type.String({ format: 'date-time' }),
  subjectVersion: Type.Integer(),
  data: Type.Unknown(),
  renderings: Type.Object(
    {
      native: Type.Unknown({ description: 'CloudEvents 1.0 JSON' }),
      vendor: Type.Unknown({ description: "The workflow's own wire format (its seed's)" }),
      set: Type.String({ description: 'The signed SET (compact JWS), as in the SET log' }),
    },
    { description: 'The event in every format it renders to' },
  ),
});

/**
 * `GET /v1/subjects/{id}/history`: one subject's events oldest first, each
 * with its transition (from, to, time) and its renderings, so a reader (the
 * console's subject page) sees what every consumer of the event got.
 */
export function subjectHistoryRoutes(pull: PullDelivery, store: Store, registry: WorkflowRegistry, issuer: string) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/subjects/:id/history',
      {
        config: { auth: 'tenant', scope: 'read' },
        schema: {
          tags: ['subjects'],
          summary:
            "A subject's events, oldest first, each with from/to, time and its native, vendor and SET renderings",
          params: Type.Object({ id: SubjectId }),
          querystring: Type.Object(
            {
              offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              events: Type.Array(HistoryEvent),
              offset: Type.Integer(),
              limit: Type.Integer(),
              totalCount: Type.Integer(),
              path: Type.Array(
                Type.Object({
                  from: Type.Union([Type.String(), Type.Null()]),
                  to: Type.String(),
                  type: Type.String(),
                  count: Type.Integer({ description: 'How many of its events took this transition' }),
                }),
                {
                  description: 'Every distinct transition of all its events, not only this page: the whole path taken',
                },
              ),
              skipped: Type.Optional(SkippedEvents),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const tenantId = callerOf(request).tenantId;
        const { id } = request.params;
        const offset = request.query.offset ?? 0;
        const limit = request.query.limit ?? 50;
        const subject = await store.getSubject(tenantId, id);
        if (!subject) throw notFound(`subject ${id}`);
        const scope = { subjectId: id, withChildren: false };
        const [events, totalCount, path] = await Promise.all([
          pull.storage.feed.listLogEvents(tenantId, scope, offset, limit),
          pull.storage.feed.countLogEvents(tenantId, scope),
          pull.storage.feed.listSubjectTransitions(tenantId, id),
        ]);
        const [contexts, sets] = await Promise.all([
          loadRenderContexts(pull.storage.feed, tenantId, events, issuer),
          pull.sets.jwsFor(tenantId, events),
        ]);
        const contextOf = new Map(contexts.map((c) => [c.event, c]));
        const unsigned = new Set(sets.skipped.map((s) => s.eventId));
        // Each event on its own, as the feed does: one that cannot be rendered is reported, not a 500.
        const { rendered, skipped } = renderEach(
          events.filter((e) => !unsigned.has(e.id)),
          (event) => {
            const ctx = contextOf.get(event);
            if (!ctx) throw new Error(`no render context for event ${event.id}`);
            const vendor = resolveFormat('vendor', registry.get(event.workflow)?.definition.format ?? 'native');
            const item = {
              ...publicEvent(event),
              renderings: {
                native: FORMATS.native.render(ctx),
                // A `set` workflow's vendor rendering is the SET itself.
                vendor: vendor === FORMATS.set ? (sets.jws.get(event.sequence) ?? '') : vendor.render(ctx),
                set: sets.jws.get(event.sequence) ?? '',
              },
            };
            JSON.stringify(item); // a console page of 50: writing each twice is cheap, and names the one too deep
            return item;
          },
        );
        return {
          events: rendered.map((r) => r.value),
          offset,
          limit,
          totalCount,
          path,
          ...(sets.skipped.length + skipped.length > 0 ? { skipped: [...sets.skipped, ...skipped] } : {}),
        };
      },
    );
  };
}
