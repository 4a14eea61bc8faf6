import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TraceSpan, Tracing } from '../../observability/tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span; null when tracing is off. */
    traceSpan: TraceSpan | null;
  }
}

/**
 * A server span per API request, child of the caller's W3C `traceparent`
 * when it sends one. Tracing off: the request keeps `traceSpan: null` and no
 * hook is added, so a request costs what it cost before.
 */
export function registerRequestTracing(app: FastifyInstance, tracing: Tracing | null): void {
  app.decorateRequest('traceSpan', null);
  if (!tracing) return;
  app.addHook('onRequest', async (request) => {
    const header = request.headers.traceparent;
    const route = request.routeOptions.url ?? 'unmatched';
    request.traceSpan = tracing.startSpan(
      `${request.method} ${route}`,
      typeof header === 'string' ? header : undefined,
      'server',
      { 'http.request.method': request.method, 'http.route': route },
    );
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = request.traceSpan;
    if (!span) return;
    span.setAttributes({ 'http.response.status_code': reply.statusCode });
    span.end(reply.statusCode >= 500 ? `HTTP ${reply.statusCode}` : undefined);
  });
}

/** The traceparent a write continues from: the request span's, when tracing is on. */
export function traceparentOf(request: FastifyRequest): string | undefined {
  return request.traceSpan?.traceparent;
}
