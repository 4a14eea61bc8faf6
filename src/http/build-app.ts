import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { createHttpServer } from './create-http-server.js';
import { registerAuth } from './plugins/auth.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { SHARED_SCHEMAS, subjectRoutes } from './routes/subject-routes.js';
import { tenantRoutes } from './routes/tenant-routes.js';
import { workflowRoutes } from './routes/workflow-routes.js';
import { ErrorBodySchema } from './schemas.js';

export interface BuildAppOptions {
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** Route plugins added by later features (feeds, endpoints, ...). */
  plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
}

/**
 * Builds the HTTP API (of `api` and `all` processes) around explicit
 * dependencies: auth, the OpenAPI document and `/docs`, the operations routes
 * and every API route; `listen` is the caller's business. A `worker` builds
 * `buildOperationsApp` instead.
 */
export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}) {
  const app = createHttpServer(deps, {
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    sharedSchemas: [ErrorBodySchema, ...SHARED_SCHEMAS],
  });
  registerAuth(app, deps.apiKeys, deps.config.adminToken, deps.portalTokens);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tidings API',
        version: '1',
        description:
          'Event notification service for identity-verification, certificate-issuance and e-signature workflows.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <apiKey>' },
          reestroAuth: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'ReestroAuth apiKey=<apiKey>&portal.orgid=<tenantId>',
          },
          adminToken: { type: 'http', scheme: 'bearer', description: 'TIDINGS_ADMIN_TOKEN' },
        },
      },
      security: [{ apiKey: [] }, { reestroAuth: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, deps);
  await app.register(tenantRoutes, deps);
  await app.register(apiKeyRoutes, deps);
  await app.register(workflowRoutes, deps);
  await app.register(subjectRoutes, deps);
  for (const plugin of options.plugins ?? []) await app.register(plugin);

  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
