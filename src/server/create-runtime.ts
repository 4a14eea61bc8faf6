import type { Config } from '../config/config.js';
import { buildApp } from '../http/build-app.js';
import { createMetrics } from '../observability/metrics.js';
import type { Store } from '../storage/store.js';
import { SubjectService } from '../subjects/subject-service.js';
import { TimerScheduler } from '../timers/timer-scheduler.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';
import { loadWorkflows } from './load-workflows.js';
import { openStore } from './open-store.js';

export interface RuntimeOptions {
  /** Defaults to the store the config names. */
  store?: Store;
  registry?: WorkflowRegistry;
  clock?: () => Date;
  logger?: boolean | { level: string };
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
  const subjects = new SubjectService({
    store,
    registry,
    clock,
    onCommitted: (events) => metrics.recordTransitions(events),
  });
  const app = await buildApp(
    { config, store, registry, subjects, metrics, clock },
    { logger: options.logger ?? false },
  );
  const timers = new TimerScheduler({ store, subjects, clock, logger: app.log });

  return {
    config,
    store,
    registry,
    subjects,
    metrics,
    app,
    timers,
    /** Starts the background jobs this process's role runs. */
    startWorkers() {
      if (config.role !== 'api') timers.start(config.timerIntervalMs);
    },
    async close() {
      await timers.stop();
      await app.close();
      await store.close();
    },
  };
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;
