import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { registerAuth } from './plugins/auth.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { clientErrorHandler, frameworkErrors, registerRequestGuards } from './plugins/request-guards.js';
import { registerRequestTracing } from './plugins/request-tracing.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { SHARED_SCHEMAS, subjectRoutes } from './routes/subject-routes.js';
import { tenantRoutes } from './routes/tenant-routes.js';
import { workflowRoutes } from './routes/workflow-routes.js';
import { ErrorBodySchema } from './schemas.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface BuildAppOptions {
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** Route plugins added by later features (feeds, endpoints, ...). */
  plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
}

/**
 * Two validators: bodies are checked strictly (no coercion, unknown fields are
 * errors, nothing silently removed); query strings and params coerce text to
 * numbers, as URLs can only carry text.
 */
function validators() {
  const options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
  const body = addFormats(new Ajv({ ...options, coerceTypes: false }));
  const query = addFormats(new Ajv({ ...options, coerceTypes: true }));
  for (const schema of [ErrorBodySchema, ...SHARED_SCHEMAS]) {
    body.addSchema(schema);
    query.addSchema(schema);
  }
  return { body, query };
}

/** Builds the HTTP API around explicit dependencies; `listen` is the caller's business. */
export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}) {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: deps.config.bodyLimitBytes,
    // Slow clients: a request (or its headers) not received in time is 408 and closed;
    // node checks every second instead of its default 30 s, so the limits hold as set.
    requestTimeout: deps.config.requestTimeoutMs,
    keepAliveTimeout: deps.config.keepAliveTimeoutMs,
    http: { headersTimeout: deps.config.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    frameworkErrors,
    clientErrorHandler,
    ajv: { customOptions: { removeAdditional: false } },
    // Per-request lines would dominate the log at thousands of requests/s; metrics count them instead.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON bodies are accepted: anything else is 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? ajv.body : ajv.query).compile(schema as object),
  );
  for (const schema of [ErrorBodySchema, ...SHARED_SCHEMAS]) app.addSchema(schema);

  registerRequestTracing(app, deps.tracing ?? null);
  registerErrorHandling(app);
  registerRequestGuards(app);
  registerAuth(app, deps.apiKeys, deps.config.adminToken, deps.portalTokens);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

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
