import type { Logger } from 'pino';
import { TidingsError } from '../errors/tidings-error.js';
import type { Store } from '../storage/store.js';
import type { SubjectService } from '../subjects/subject-service.js';

export interface TimerSchedulerDeps {
  store: Store;
  subjects: SubjectService;
  clock: () => Date;
  logger?: Pick<Logger, 'warn' | 'error'>;
  batchSize?: number;
}

/**
 * Fires due workflow timers through the ordinary transition path, guarded by
 * the subject version the timer was armed at: if anything changed the subject
 * since, the commit is refused and the newer write's own timer stands. That
 * guard is also what makes a timer fire once when several workers race for it.
 */
export class TimerScheduler {
  private handle: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly deps: TimerSchedulerDeps) {}

  /** Fires every timer due at the injected clock's now; returns how many fired. */
  async runOnce(): Promise<number> {
    const { store, subjects, clock } = this.deps;
    let fired = 0;
    const due = await store.dueTimers(clock().toISOString(), this.deps.batchSize ?? 100);
    for (const timer of due) {
      try {
        await subjects.transition(timer.tenantId, timer.subjectId, {
          type: timer.fire,
          ...(timer.to ? { to: timer.to } : {}),
          data: timer.data ?? {},
          expectedVersion: timer.subjectVersion,
          recordedBy: 'service',
        });
        fired += 1;
      } catch (error) {
        if (!(error instanceof TidingsError) || error.code === 'internal') {
          this.deps.logger?.error({ err: error, timer: timer.name, subjectId: timer.subjectId }, 'timer failed');
          continue;
        }
        // The subject moved on (or the timer no longer applies): drop this stale timer.
        await store.deleteTimer(timer.tenantId, timer.subjectId, timer.subjectVersion);
      }
    }
    return fired;
  }

  start(intervalMs: number): void {
    if (this.handle) return;
    this.handle = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((error: unknown) => {
          // The database is away (restart, failover): try again next interval rather than crash the process.
          this.deps.logger?.error({ err: error }, 'timer run failed');
          return 0;
        })
        .finally(() => {
          this.running = null;
        });
    }, intervalMs);
    this.handle.unref();
  }

  async stop(): Promise<void> {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
    await this.running;
  }
}
