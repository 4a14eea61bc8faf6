import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TidingsError } from '../../errors/tidings-error.js';
import type { AppDeps } from '../app-deps.js';
import { errorResponses } from '../schemas.js';

/** Liveness, readiness (the database answers) and Prometheus metrics; no auth. */
export const healthRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get(
    '/healthz',
    { config: { auth: 'public' }, schema: { tags: ['operations'], summary: 'Liveness' } },
    async () => ({
      status: 'ok',
    }),
  );

  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 503 while the database is unreachable',
        response: errorResponses(503),
      },
    },
    async () => {
      try {
        await deps.store.ping();
      } catch {
        throw new TidingsError('not_ready', 'the database is unreachable', { target: 'database' });
      }
      return { status: 'ready', storage: deps.store.kind };
    },
  );

  app.get(
    '/metrics',
    { config: { auth: 'public' }, schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: true } },
    async (_request, reply) => {
      reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );
};
