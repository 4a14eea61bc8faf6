import { createHttpServer, type HttpServerDeps, type HttpServerOptions } from './create-http-server.js';
import { type HealthDeps, healthRoutes } from './routes/health-routes.js';
import { ErrorBodySchema } from './schemas.js';

/**
 * The HTTP surface of a `worker` process: `/healthz`, `/readyz` and
 * `/metrics` for an orchestrator and Prometheus (a worker's push and timer
 * metrics exist in no other process), and nothing of the API: no API route,
 * no auth, no OpenAPI document or `/docs`, no console. Building the API
 * (module loading, schema compilation) was most of a worker's start-up.
 */
export async function buildOperationsApp(
  deps: HttpServerDeps & HealthDeps,
  options: Pick<HttpServerOptions, 'logger'> = {},
) {
  const app = createHttpServer(deps, { ...options, sharedSchemas: [ErrorBodySchema] });
  await app.register(healthRoutes, deps);
  return app;
}
