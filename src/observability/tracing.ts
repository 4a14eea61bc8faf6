/**
 * Tracing as the core sees it: a span it starts, names the parent of, and
 * ends. No OpenTelemetry type crosses this line; `otel-tracing.ts` adapts the
 * SDK to it. Tracing off is `tracing: null` in the deps: the core then calls
 * nothing (`deps.tracing?.startSpan(...)`), stores no trace context and sends
 * no `traceparent` (bench `tracing`: no measurable cost).
 */
export type SpanKind = 'server' | 'client' | 'producer' | 'internal';

export type SpanAttributes = Record<string, string | number | boolean>;

export interface TraceSpan {
  /** This span's W3C `traceparent`: stored with an event, sent on a push, so the next hop continues the trace. */
  readonly traceparent: string;
  setAttributes(attributes: SpanAttributes): void;
  /** Ends the span; a message marks it failed. */
  end(error?: string): void;
}

export interface Tracing {
  /**
   * Starts a span. `parent` is a W3C `traceparent`; absent or malformed, the
   * span starts a new trace (a caller's bad header is ignored, never refused).
   */
  startSpan(name: string, parent: string | null | undefined, kind: SpanKind, attributes?: SpanAttributes): TraceSpan;
  /** Exports what is buffered and stops (shutdown). */
  shutdown(): Promise<void>;
}
