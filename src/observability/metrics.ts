import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StoredEvent } from '../events/event.js';

/** The process's Prometheus metrics; one registry per app, so tests can build many apps. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  transitions: Counter<'workflow' | 'type'>;
  recordTransitions(events: readonly StoredEvent[]): void;
  /** Push tries by what became of the delivery: succeeded, retried, dead_lettered, endpoint_gone. */
  deliveryAttempts: Counter<'outcome'>;
  deliveryAttemptDuration: Histogram<'outcome'>;
  deliveryQueueDepth: Gauge;
  deliveryOldestPendingAge: Gauge;
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
  const deliveryAttempts = new Counter({
    name: 'tidings_delivery_attempts_total',
    help: 'Push attempts, by what became of the delivery (succeeded, retried, dead_lettered, endpoint_gone)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const deliveryAttemptDuration = new Histogram({
    name: 'tidings_delivery_attempt_duration_seconds',
    help: 'Latency of one push attempt, connect to response',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const deliveryQueueDepth = new Gauge({
    name: 'tidings_delivery_queue_depth',
    help: 'Deliveries pending (waiting for a try or being tried)',
    registers: [registry],
  });
  const deliveryOldestPendingAge = new Gauge({
    name: 'tidings_delivery_oldest_pending_age_seconds',
    help: 'Age of the oldest pending delivery (0 when none)',
    registers: [registry],
  });
  return {
    registry,
    deliveryAttempts,
    deliveryAttemptDuration,
    deliveryQueueDepth,
    deliveryOldestPendingAge,
    httpRequests,
    httpDuration,
    transitions,
    recordTransitions(events) {
      for (const e of events) transitions.inc({ workflow: e.workflow, type: e.type });
    },
  };
}
