import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { LogController } from 'fastify';
import type { Config } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { clientErrorHandler, frameworkErrors, registerRequestGuards } from './plugins/request-guards.js';
import { registerRequestTracing } from './plugins/request-tracing.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** What every Tidings HTTP server needs, whatever routes it carries. */
export interface HttpServerDeps {
  config: Config;
  metrics: Metrics;
  /** Tracing on: a server span per request (`plugins/request-tracing.ts`). */
  tracing?: Tracing | null;
}

export interface HttpServerOptions {
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** Schemas with an `$id` that the routes' schemas `$ref` (the error body always among them). */
  sharedSchemas: readonly TSchema[];
}

/**
 * Two validators: bodies are checked strictly (no coercion, unknown fields are
 * errors, nothing silently removed); query strings and params coerce text to
 * numbers, as URLs can only carry text.
 */
function validators(sharedSchemas: readonly TSchema[]) {
  const options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
  const body = addFormats(new Ajv({ ...options, coerceTypes: false }));
  const query = addFormats(new Ajv({ ...options, coerceTypes: true }));
  for (const schema of sharedSchemas) {
    body.addSchema(schema);
    query.addSchema(schema);
  }
  return { body, query };
}

/**
 * A fastify instance with what every route relies on, and no route: limits
 * and timeouts, the validators, error mapping, request guards, tracing and
 * the request metrics. The API (`build-app.ts`) and a worker's operations
 * endpoints (`build-operations-app.ts`) add their routes to it. The
 * validators are built when the first route asks for one (a worker's routes
 * never do).
 */
export function createHttpServer(deps: HttpServerDeps, options: HttpServerOptions) {
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
  let ajv: ReturnType<typeof validators> | undefined;
  app.setValidatorCompiler(({ schema, httpPart }) => {
    ajv ??= validators(options.sharedSchemas);
    return (httpPart === 'body' ? ajv.body : ajv.query).compile(schema as object);
  });
  for (const schema of options.sharedSchemas) app.addSchema(schema);

  registerRequestTracing(app, deps.tracing ?? null);
  registerErrorHandling(app);
  registerRequestGuards(app);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  return app;
}

export type HttpServer = ReturnType<typeof createHttpServer>;
