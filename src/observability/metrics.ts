import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { StoredEvent } from '../events/event.js';

/** The process's Prometheus metrics; one registry per app, so tests can build many apps. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  transitions: Counter<'workflow' | 'type'>;
  recordTransitions(events: readonly StoredEvent[]): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'tidings_http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'tidings_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'tidings_transitions_total',
    help: 'Committed workflow transitions, by workflow and event type',
    labelNames: ['workflow', 'type'] as const,
    registers: [registry],
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    transitions,
    recordTransitions(events) {
      for (const e of events) transitions.inc({ workflow: e.workflow, type: e.type });
    },
  };
}
