import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TidingsError } from '../../errors/tidings-error.js';
import type { AppDeps } from '../app-deps.js';
import { errorResponses } from '../schemas.js';

/**
 * `/readyz` answers within a second whatever the database does: a database
 * that has not answered `SELECT 1` by then is not ready. A load balancer that
 * waits longer than its own probe timeout would count a frozen database as a
 * dead process (measured before this bound: 15 s for the first answer during a freeze).
 */
export const READY_DEADLINE_MS = 750;

/** Resolves when `work` does, rejects when it fails or `ms` pass first. */
function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  work.catch(() => {}); // a late failure is already answered by the deadline
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** What the operations routes read: the database to ping and the metrics to show. */
export type HealthDeps = Pick<AppDeps, 'store' | 'metrics'>;

/**
 * Liveness, readiness (the database answers) and Prometheus metrics; no auth.
 * Every role serves them: an `api` or `all` process beside its API, a `worker`
 * alone (`build-operations-app.ts`).
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthDeps> = async (app, deps) => {
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
        await within(deps.store.ping(), READY_DEADLINE_MS);
      } catch {
        throw new TidingsError('not_ready', `the database did not answer within ${READY_DEADLINE_MS} ms`, {
          target: 'database',
        });
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
