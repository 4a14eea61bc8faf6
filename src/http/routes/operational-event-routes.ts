import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { notFound, wrongField } from '../../errors/tidings-error.js';
import { publicEvent, type StoredEvent } from '../../events/event.js';
import type { FeedStorage } from '../../feeds/storage/feed-storage.js';
import type { Store, Tenant } from '../../storage/store.js';
import { OPERATIONAL_WORKFLOW } from '../../workflows/builtin/operational.js';
import type { WorkflowRegistry } from '../../workflows/workflow-registry.js';
import { EventSchema, errorResponses } from '../schemas.js';

/** A feed event (`EventSchema`'s fields) with the tenant it belongs to. */
const OperationalEventSchema = Type.Object({
  tenantId: Type.String(),
  tenantName: Type.String(),
  ...EventSchema.properties,
});

/** Tenants read at once: a pool's worth of queries in flight, not one per tenant. */
const TENANTS_AT_ONCE = 8;

/** Newest first across tenants: time, then the (time-ordered) id for events of the same millisecond. */
const newestFirst = (a: StoredEvent, b: StoredEvent) =>
  b.occurredAt.localeCompare(a.occurredAt) || b.id.localeCompare(a.id);

/**
 * `GET /v1/operational-events` (admin token): the `operational` workflow's
 * events of every tenant (or one), newest first, for the console's operator
 * view (`docs/operational-events.md`). Each tenant's feed is read from its
 * end as `GET /v1/events/latest?workflow=operational` reads it, and the pages
 * are merged; events stay the tenants' own, this only lets the operator see
 * them together.
 */
export function operationalEventRoutes(feed: FeedStorage, store: Store, registry: WorkflowRegistry) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/operational-events',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['tenants'],
          summary: "Operational events of every tenant (or one), newest first, with the tenant's name (admin token)",
          description:
            "The `operational` workflow's events (endpoint.failing, endpoint.disabled, endpoint.recovered, " +
            "delivery.dead-lettered, ...) across tenants. `type` must be one of the workflow's event types, " +
            'listed in `types`; an unknown `tenantId` is 404.',
          security: [{ adminToken: [] }],
          querystring: Type.Object(
            {
              tenantId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only this tenant' })),
              type: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Only this event type' })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              events: Type.Array(OperationalEventSchema),
              types: Type.Array(Type.String(), { description: "The operational workflow's event types" }),
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { tenantId, type, limit = 50 } = request.query;
        const workflow = registry.get(OPERATIONAL_WORKFLOW);
        const types = workflow ? [...workflow.eventTypes] : [];
        if (type !== undefined && !types.includes(type)) {
          throw wrongField('type', `type should be one of the operational workflow's types: ${types.join(', ')}`);
        }
        let tenants: Tenant[];
        if (tenantId !== undefined) {
          const tenant = await store.getTenant(tenantId);
          if (!tenant) throw notFound(`tenant ${tenantId}`, 'tenantId');
          tenants = [tenant];
        } else {
          tenants = await store.listTenants();
        }
        if (!workflow) return { events: [], types };
        const filter = { workflow: OPERATIONAL_WORKFLOW, limit, ...(type !== undefined ? { type } : {}) };
        const found: Array<{ tenant: Tenant; event: StoredEvent }> = [];
        for (let i = 0; i < tenants.length; i += TENANTS_AT_ONCE) {
          const batch = tenants.slice(i, i + TENANTS_AT_ONCE);
          const pages = await Promise.all(batch.map((t) => feed.listFeedEventsNewest(t.id, null, filter)));
          for (const [j, page] of pages.entries()) {
            const tenant = batch[j] as Tenant;
            for (const event of page?.events ?? []) found.push({ tenant, event });
          }
        }
        found.sort((a, b) => newestFirst(a.event, b.event));
        return {
          events: found.slice(0, limit).map(({ tenant, event }) => ({
            tenantId: tenant.id,
            tenantName: tenant.name,
            ...publicEvent(event),
          })),
          types,
        };
      },
    );
  };
}
