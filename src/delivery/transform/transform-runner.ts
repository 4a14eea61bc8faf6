import { Worker } from 'node:worker_threads';
import type { EndpointTransform } from '../endpoint.js';
import {
  DEFAULT_TRANSFORM_LIMITS,
  type TransformAnswer,
  type TransformLimits,
  type TransformRequest,
} from './transform-limits.js';

/** A transformation that failed: a bad result, a guardrail, the time or the memory bound. The attempt's class is `transform`. */
export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

export interface Transformed {
  /** The body to send instead of the rendering; `null` when the transform leaves it as it is. */
  body: string | null;
  /** Headers to add, lower-cased names. */
  headers: Record<string, string>;
}

interface Job {
  request: TransformRequest;
  resolve: (value: Transformed) => void;
  reject: (error: TransformError) => void;
}

/** One worker thread and the job it runs; a worker runs one job at a time so a terminated one takes no bystander with it. */
interface Slot {
  worker: Worker | null;
  /** The worker has loaded and said so; its job's deadline runs from then. */
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

const WORKER_URL = new URL('./transform-worker.js', import.meta.url);

/**
 * Runs endpoint transformations in worker threads with a bounded heap
 * (`resourceLimits`) and a hard deadline (the worker is terminated, then
 * replaced on the next job): a hostile expression costs its own push a
 * failed attempt and nothing else. Workers start on first use and do not
 * keep the process alive.
 */
export class TransformRunner {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(
    private readonly limits: TransformLimits = DEFAULT_TRANSFORM_LIMITS,
    size = 2,
  ) {
    this.slots = Array.from({ length: size }, () => ({ worker: null, ready: false, job: null, timer: null }));
  }

  /** The transformed push of `body` (the immutable rendering, JSON text). */
  run(transform: EndpointTransform, body: string): Promise<Transformed> {
    return new Promise((resolve, reject) => {
      const expressions = {
        ...(transform.body !== undefined ? { body: transform.body } : {}),
        ...(transform.headers !== undefined ? { headers: transform.headers } : {}),
      };
      this.queue.push({ request: { id: this.nextId++, body, expressions, limits: this.limits }, resolve, reject });
      this.pump();
    });
  }

  /** Fails what waits and terminates the workers; a later `run` starts new ones. */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new TransformError('the transform runner is closed'));
    await Promise.all(this.slots.map((slot) => this.stop(slot, 'the transform runner is closed')));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job !== null) continue;
      const job = this.queue.shift();
      if (!job) return;
      this.start(slot, job);
    }
  }

  private start(slot: Slot, job: Job): void {
    const worker = slot.worker ?? this.spawn(slot);
    slot.job = job;
    worker.postMessage(job.request);
    if (slot.ready) this.arm(slot);
  }

  /** The hard deadline of the slot's job: past it the worker is terminated. */
  private arm(slot: Slot): void {
    slot.timer = setTimeout(() => {
      void this.stop(slot, `the transform took longer than ${this.limits.hardTimeoutMs} ms`);
      this.pump();
    }, this.limits.hardTimeoutMs);
    slot.timer.unref();
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(WORKER_URL, {
      resourceLimits: {
        maxOldGenerationSizeMb: this.limits.heapMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.floor(this.limits.heapMb / 4)),
        stackSizeMb: 4,
      },
    });
    worker.unref();
    worker.on('message', (answer: TransformAnswer | 'ready') => {
      if (answer === 'ready') {
        if (slot.worker !== worker) return;
        slot.ready = true;
        if (slot.job && !slot.timer) this.arm(slot);
        return;
      }
      const job = slot.job;
      if (slot.worker !== worker || !job || job.request.id !== answer.id) return;
      this.finish(slot);
      if (answer.ok) job.resolve({ body: answer.body, headers: answer.headers });
      else job.reject(new TransformError(answer.message));
      this.pump();
    });
    const lost = (why: string) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.ready = false;
      const job = slot.job;
      this.finish(slot);
      job?.reject(new TransformError(why));
      this.pump();
    };
    worker.on('error', (error: Error & { code?: string }) =>
      lost(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the transform ran out of its ${this.limits.heapMb} MB of memory`
          : `the transform worker failed: ${error.message.slice(0, 200)}`,
      ),
    );
    worker.on('exit', () => lost('the transform worker stopped'));
    slot.worker = worker;
    return worker;
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** Terminates the slot's worker, failing its job with `why`. */
  private async stop(slot: Slot, why: string): Promise<void> {
    const worker = slot.worker;
    const job = slot.job;
    slot.worker = null;
    slot.ready = false;
    this.finish(slot);
    job?.reject(new TransformError(why));
    if (worker) await worker.terminate();
  }
}
