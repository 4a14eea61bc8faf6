import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { SpanAttributes, SpanKind as TidingsSpanKind, TraceSpan, Tracing } from './tracing.js';

export interface OtelTracingOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<url>/v1/traces`. */
  otlpEndpoint?: string | null;
  /** Any other exporter (tests: `InMemorySpanExporter`); exported span by span, unbatched. */
  exporter?: SpanExporter;
}

const KINDS: Record<TidingsSpanKind, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  internal: SpanKind.INTERNAL,
};

/** `00-<trace id>-<span id>-<flags>`, the W3C Trace Context header of a span. */
function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

function parentContext(parent: string | null | undefined): Context {
  const spanContext = parent ? parseTraceParent(parent) : null;
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, { ...spanContext, isRemote: true }) : ROOT_CONTEXT;
}

/**
 * The OpenTelemetry SDK behind the `Tracing` port. Its own tracer provider,
 * never registered as the global one: parents are passed explicitly (stored
 * with the event, read from a header), so no context manager is needed.
 */
export function otelTracing(options: OtelTracingOptions): Tracing {
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('tidings');
  return {
    startSpan(name, parent, kind, attributes) {
      const span = tracer.startSpan(
        name,
        { kind: KINDS[kind], ...(attributes ? { attributes } : {}) },
        parentContext(parent),
      );
      return wrap(span);
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

function wrap(span: Span): TraceSpan {
  return {
    traceparent: traceparentOf(span),
    setAttributes(attributes: SpanAttributes) {
      span.setAttributes(attributes);
    },
    end(error?: string) {
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end();
    },
  };
}
