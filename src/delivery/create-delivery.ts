import type { Config } from '../config/config.js';
import { SecretSealer } from '../keys/secret-sealer.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { Store } from '../storage/store.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import { Dispatcher, type DispatcherDeps, type DispatcherOptions } from './dispatcher.js';
import { EndpointService } from './endpoint-service.js';
import { parseAllowedRanges } from './ip-classification.js';
import { OperationalEvents } from './operational-events.js';
import type { SetSigner } from './prepare-push.js';
import { type ResolveAll, systemResolveAll } from './ssrf-guard.js';
import type { DeliveryStore } from './storage/delivery-store.js';
import type { OperationalIntentStorage } from './storage/operational-intent-storage.js';
import { sealedDeliveryStore } from './storage/sealed-delivery-store.js';

export interface DeliveryDeps {
  config: Config;
  store: Store;
  deliveries: DeliveryStore;
  registry: WorkflowRegistry;
  metrics: Metrics;
  clock: () => Date;
  options?: Partial<DispatcherOptions>;
  resolveAll?: ResolveAll;
  /** Signs SETs for `format: set`; without it such endpoints are refused. */
  setSigner?: SetSigner;
  renderContexts?: DispatcherDeps['renderContexts'];
  onError?: (error: unknown) => void;
  /** Wakes the dispatchers of other processes too (PostgreSQL NOTIFY), after a replay or retry queued deliveries. */
  notifyWorkers?: () => void;
  tracing?: Tracing | null;
  /** The operational events' outbox (`operational-intent.ts`). */
  intents: OperationalIntentStorage;
}

/**
 * Wires push delivery: the endpoint service, and the dispatcher the worker
 * role starts. The endpoint routes are the API's (`server/build-api-app.ts`).
 */
export function createDelivery(input: DeliveryDeps) {
  const deps = {
    ...input,
    // Endpoint secrets sealed with TIDINGS_KEY_ENCRYPTION_KEYS when set, stored as given otherwise;
    // reading accepts every format, so setting keys later keeps older endpoints working.
    deliveries: sealedDeliveryStore(input.deliveries, new SecretSealer(input.config.keyEncryptionKeys)),
  };
  const resolveAll = deps.resolveAll ?? systemResolveAll;
  const allowedRanges = parseAllowedRanges(deps.config.allowedEndpointRanges);
  const operational = new OperationalEvents({
    store: deps.store,
    registry: deps.registry,
    intents: deps.intents,
    clock: deps.clock,
    failingAfterMs: deps.config.endpointFailingAfterMs,
    onCommitted: (events) => {
      deps.metrics.recordTransitions(events);
      dispatcher.nudge();
      deps.notifyWorkers?.();
    },
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  const dispatcher = new Dispatcher({
    operational,
    store: deps.store,
    deliveries: deps.deliveries,
    registry: deps.registry,
    metrics: deps.metrics,
    clock: deps.clock,
    issuer: deps.config.issuer,
    retrySchedule: deps.config.retrySchedule,
    allowInsecureEndpoints: deps.config.allowInsecureEndpoints,
    allowedRanges,
    resolveAll,
    pushProxy: deps.config.pushProxy,
    ...(deps.setSigner ? { setSigner: deps.setSigner } : {}),
    ...(deps.renderContexts ? { renderContexts: deps.renderContexts } : {}),
    ...(deps.onError ? { onError: deps.onError } : {}),
    ...(deps.options ? { options: deps.options } : {}),
    tracing: deps.tracing ?? null,
  });
  deps.metrics.watchDeliveryQueue(() => deps.deliveries.queueStats(), deps.clock);
  const endpoints = new EndpointService({
    deliveries: deps.deliveries,
    registry: deps.registry,
    clock: deps.clock,
    allowInsecureEndpoints: deps.config.allowInsecureEndpoints,
    allowedRanges,
    resolveAll,
    canSignSets: () => deps.setSigner !== undefined,
    operational,
  });
  /** After a replay or retry queued deliveries: this process's dispatcher and, on PostgreSQL, the workers'. */
  const wakeDispatchers = () => {
    dispatcher.nudge();
    deps.notifyWorkers?.();
  };
  return { deliveries: deps.deliveries, endpoints, dispatcher, operational, wakeDispatchers };
}
