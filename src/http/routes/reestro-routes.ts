import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { validationError } from '../../errors/tidings-error.js';
import { parseFeedQuery } from '../../feeds/query-params.js';
import type { ReestroFeed } from '../../feeds/reestro-feed.js';
import { callerOf } from '../plugins/auth.js';

/**
 * `GET /realty/crypto/v2/events` (seed 003): the Reestro crypto API's event
 * feed at its own path, with its own auth header (`ReestroAuth apiKey=...&portal.orgid=...`,
 * handled by the auth plugin) and its query (`afterEventId`, `count` 1..100, default 30).
 */
export function reestroRoutes(feed: ReestroFeed) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/realty/crypto/v2/events',
      {
        config: { auth: 'tenant', scope: 'read' },
        schema: {
          tags: ['feed'],
          summary: "Seed 003's crypto event feed: form validation errors, releases and finished signings",
          querystring: Type.Object({
            afterEventId: Type.Optional(Type.String({ maxLength: 100 })),
            count: Type.Optional(Type.String({ maxLength: 20 })),
          }),
          response: {
            200: Type.Object({ lastEventId: Type.String(), events: Type.Array(Type.Unknown()) }),
          },
        },
      },
      async (request) => {
        const query = request.query as Record<string, string | undefined>;
        const parsed = parseFeedQuery({ afterEventId: query.afterEventId, count: query.count });
        if (!parsed.ok) throw validationError(parsed.errors);
        const { afterEventId, count } = parsed.value;
        return feed.page(callerOf(request).tenantId, afterEventId, count);
      },
    );
  };
}
