import type { Config } from '../config/config.js';
import { createDelivery } from '../delivery/create-delivery.js';
import type { DispatcherOptions } from '../delivery/dispatcher.js';
import { PostgresDeliveryStore } from '../delivery/storage/postgres-delivery-store.js';
import { SqliteDeliveryStore } from '../delivery/storage/sqlite-delivery-store.js';
import { createPullDelivery } from '../feeds/create-pull-delivery.js';
import { loadRenderContexts } from '../feeds/render-contexts.js';
import { buildOperationsApp } from '../http/build-operations-app.js';
import { SecretSealer } from '../keys/secret-sealer.js';
import { createMetrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { createSignals } from '../signals/create-signals.js';
import { notifyOutbox, OutboxListener } from '../storage/postgres/outbox-notifier.js';
import type { PostgresStore } from '../storage/postgres/postgres-store.js';
import type { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';
import { SubjectService } from '../subjects/subject-service.js';
import { ApiKeyLookup } from '../tenants/api-key-lookup.js';
import { TimerScheduler } from '../timers/timer-scheduler.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import { loadWorkflows } from './load-workflows.js';
import { openStore } from './open-store.js';

export interface RuntimeOptions {
  /** Defaults to the store the config names. */
  store?: Store;
  registry?: WorkflowRegistry;
  clock?: () => Date;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** Push dispatcher tuning (timeouts, poll interval); tests shorten them. */
  delivery?: Partial<DispatcherOptions>;
  /** Tracing to use instead of the configured one (tests: an in-memory exporter); null turns it off. */
  tracing?: Tracing | null;
}

/**
 * The configured tracing: OpenTelemetry with the OTLP exporter when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, none otherwise. The SDK is loaded only
 * then, so a process without tracing does not even import it.
 */
async function configuredTracing(config: Config): Promise<Tracing | null> {
  if (config.otlpEndpoint === null) return null;
  const { otelTracing } = await import('../observability/otel-tracing.js');
  return otelTracing({ serviceName: config.otelServiceName, otlpEndpoint: config.otlpEndpoint });
}

/**
 * Assembles one Tidings process from its configuration: store, workflows,
 * services, HTTP app and background jobs. Tests use it with a temp data dir;
 * `tidings serve` uses it and listens.
 */
export async function createRuntime(config: Config, options: RuntimeOptions = {}) {
  const clock = options.clock ?? (() => new Date());
  const store = options.store ?? openStore(config);
  await store.migrate();
  const registry = options.registry ?? loadWorkflows(config);
  const metrics = createMetrics();
  const tracing = options.tracing !== undefined ? options.tracing : await configuredTracing(config);
  const subjects = new SubjectService({
    store,
    registry,
    clock,
    tracing,
    onCommitted: (events) => {
      metrics.recordTransitions(events);
      // wake the push dispatcher now rather than at its next poll
      push.dispatcher.nudge();
    },
  });
  const sealer = new SecretSealer(config.keyEncryptionKeys);
  const deliveries =
    store.kind === 'sqlite'
      ? new SqliteDeliveryStore((store as SqliteStore).db, () => (store as SqliteStore).outboxBelow())
      : new PostgresDeliveryStore(
          (store as PostgresStore).pool,
          (store as PostgresStore).leasePool,
          (store as PostgresStore).recordPool,
        );
  const pull = createPullDelivery({
    config,
    store,
    deliveries,
    registry,
    clock,
    sealer,
    keyOverlapMs: config.keyOverlapMs,
    operational: () => push.operational,
  });
  const push = createDelivery({
    config,
    store,
    deliveries,
    registry,
    metrics,
    clock,
    setSigner: pull.signer,
    tracing,
    intents: pull.storage.intents,
    renderContexts: (tenantId, events) => loadRenderContexts(pull.storage.feed, tenantId, events, config.issuer),
    onError: (error) => app.log.error({ err: error }, 'push dispatcher tick failed'),
    ...(store.kind === 'postgres' ? { notifyWorkers: () => void notifyOutbox((store as PostgresStore).pool) } : {}),
    // SQLite ticks are in-process statements: run them without a timer's gap (`immediateTicks`).
    options: {
      immediateTicks: store.kind === 'sqlite',
      totalTimeoutMs: config.pushTimeoutMs,
      connectTimeoutMs: config.pushConnectTimeoutMs,
      perEndpointConcurrency: config.pushConcurrency,
      disableAfterFailingMs: config.disableAfterFailingMs,
      ...options.delivery,
    },
  });
  const signals = createSignals({
    config,
    store,
    registry,
    endpoints: push.endpoints,
    deliveries: push.deliveries,
    polls: pull.polls,
    feed: pull.storage.feed,
    signer: pull.signer,
    sender: push.dispatcher.sender,
    clock,
    logger: { warn: (obj, msg) => app.log.warn(obj, msg) },
  });
  const appDeps = { config, store, registry, subjects, metrics, clock, apiKeys: new ApiKeyLookup(store), tracing };
  const logger = options.logger ?? false;
  // A worker answers only /healthz, /readyz and /metrics; the API's modules are imported for the other roles only.
  const app =
    config.role === 'worker'
      ? await buildOperationsApp(appDeps, { logger })
      : await (await import('./build-api-app.js')).buildApiApp(
          { deps: appDeps, config, pull, push, signals },
          { logger },
        );
  const timers = new TimerScheduler({ store, subjects, clock, logger: app.log });
  // On PostgreSQL, commits of every process NOTIFY; a worker LISTENs on a
  // connection of its own and wakes its dispatcher (SQLite: one process, the
  // in-process nudge above suffices).
  const listener =
    store.kind === 'postgres' && config.role !== 'api'
      ? new OutboxListener({
          connection: listenerConnection((store as PostgresStore).pool.options),
          onNotify: () => push.dispatcher.nudge(),
          onListening: (listening) => {
            push.dispatcher.setListening(listening);
            app.log.info({ listening }, listening ? 'listening for commits' : 'not listening for commits: polling');
          },
          onError: (error) => app.log.warn({ err: error }, 'LISTEN connection lost; reconnecting'),
        })
      : null;

  return {
    config,
    store,
    registry,
    subjects,
    metrics,
    app,
    timers,
    /** Pull delivery: signing keys, SET logs, feed, poll streams, retention. */
    pull,
    /** Signs SETs ({header, claims} from renderSet) into compact JWS; for push delivery's `format: set`. */
    signer: pull.signer,
    /** Push delivery: endpoints, the outbox dispatcher and its workers. */
    push,
    /** The OpenID Shared Signals transmitter's streams. */
    signals,
    /** PostgreSQL worker roles: the LISTEN connection that wakes the dispatcher (null otherwise). */
    outboxListener: listener,
    /** The process's tracing (null: off). */
    tracing,
    /** Starts the background jobs this process's role runs. */
    startWorkers() {
      if (config.role !== 'api') timers.start(config.timerIntervalMs);
      if (config.role !== 'api') pull.retention.start(undefined, app.log);
      if (config.role !== 'api') push.dispatcher.start();
      // records the operational events whose intents the causes wrote (`delivery/operational-events.ts`)
      if (config.role !== 'api') push.operational.start();
      listener?.start();
    },
    async close() {
      await listener?.stop();
      await timers.stop();
      await push.dispatcher.stop();
      await push.operational.stop();
      if (config.role !== 'api') {
        // What this worker pushed, for operators (and the multi-process tests; /metrics only while it listens).
        const { values } = await metrics.deliveryAttempts.get();
        const attempts = Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
        app.log.info({ attempts }, 'push dispatcher stopped');
      }
      await pull.close();
      await app.close();
      await store.close();
      await tracing?.shutdown();
    },
  };
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;

/** The pool's connection settings for the dedicated LISTEN connection. */
function listenerConnection(pool: PostgresStore['pool']['options']) {
  return {
    ...(pool.connectionString !== undefined ? { connectionString: pool.connectionString } : {}),
    ...(pool.connectionTimeoutMillis !== undefined ? { connectionTimeoutMillis: pool.connectionTimeoutMillis } : {}),
    // A LISTEN answered by a silent server would otherwise wait forever, never listening nor retrying.
    ...(pool.query_timeout !== undefined ? { query_timeout: pool.query_timeout } : {}),
    ...(pool.keepAliveInitialDelayMillis !== undefined
      ? { keepAliveInitialDelayMillis: pool.keepAliveInitialDelayMillis }
      : {}),
    application_name: 'tidings-listen',
  };
}
