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
  /**
   * Where the two queue gauges read from, when `/metrics` is scraped: the
   * count is a scan of the pending deliveries (5–7 ms on the event loop at
   * 20,000 pending, SQLite), so it is paid per scrape, not every second.
   */
  watchDeliveryQueue(read: () => Promise<QueueStats>, clock: () => Date): void;
}

export interface QueueStats {
  pending: number;
  /** Epoch ms of the oldest pending delivery's creation; null when none. */
  oldestCreatedAt: number | null;
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
  let queue: { read: () => Promise<QueueStats>; clock: () => Date } | null = null;
  // Both gauges are collected in one scrape: they share one read. A failed
  // read (the database closing) leaves the gauges as they were, not a failed scrape.
  let reading: { at: number; stats: Promise<QueueStats | null> } | null = null;
  const stats = async (): Promise<QueueStats | null> => {
    if (!queue) return null;
    const now = Date.now();
    if (!reading || now - reading.at > 100) reading = { at: now, stats: queue.read().catch(() => null) };
    return reading.stats;
  };
  new Gauge({
    name: 'tidings_delivery_queue_depth',
    help: 'Deliveries pending (waiting for a try or being tried)',
    registers: [registry],
    async collect() {
      const read = await stats();
      if (read) this.set(read.pending);
    },
  });
  new Gauge({
    name: 'tidings_delivery_oldest_pending_age_seconds',
    help: 'Age of the oldest pending delivery (0 when none)',
    registers: [registry],
    async collect() {
      const read = await stats();
      if (!read || !queue) return;
      const { oldestCreatedAt } = read;
      const now = queue.clock().getTime();
      this.set(oldestCreatedAt === null ? 0 : Math.max(0, (now - oldestCreatedAt) / 1000));
    },
  });
  return {
    registry,
    deliveryAttempts,
    deliveryAttemptDuration,
    httpRequests,
    httpDuration,
    transitions,
    watchDeliveryQueue(read, clock) {
      queue = { read, clock };
    },
    recordTransitions(events) {
      for (const e of events) transitions.inc({ workflow: e.workflow, type: e.type });
    },
  };
}
