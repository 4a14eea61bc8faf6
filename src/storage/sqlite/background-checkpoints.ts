import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints on a thread of their own, so no request waits for one.
 *
 * SQLite checkpoints by itself inside the commit that takes the WAL past
 * 1,000 pages: that commit copies the pages into the database file and
 * syncs both files, on the event loop. With 101 endpoints, each event's
 * fan-out writes ~300 pages, so every third or fourth fan-out paid for one:
 * bench `isolation` saw fan-outs of 10–14 ms and 66 event-loop stalls over
 * 8 ms in 8 s; with the automatic checkpoint off, 6–9 ms and 29.
 *
 * Here a worker thread with its own connection runs a PASSIVE checkpoint
 * every `intervalMs` when something was committed meanwhile (SQLite allows a
 * checkpoint beside the writer and readers). The main connection keeps an
 * automatic checkpoint at `safetyNetPages` (~40 MB of WAL at 4 KiB pages)
 * in case the thread falls behind: then the WAL stays bounded as before.
 */
export class BackgroundCheckpoints {
  private constructor(private readonly worker: Worker) {}

  static start(
    path: string,
    options: { intervalMs?: number; onError?: (message: string) => void } = {},
  ): BackgroundCheckpoints {
    const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
      workerData: { path, intervalMs: options.intervalMs ?? 200 },
    });
    worker.on('message', (message: { error?: string }) => {
      if (message.error) options.onError?.(message.error);
    });
    worker.on('error', (error) => options.onError?.(error.message));
    worker.unref(); // never what keeps a process alive
    return new BackgroundCheckpoints(worker);
  }

  /** Closes the thread's connection before the main one closes, so the last connection is the main one. */
  async stop(): Promise<void> {
    this.worker.ref(); // while we wait for it, the thread is what the process waits on
    const stopped = new Promise<void>((resolve) => {
      const done = () => resolve();
      this.worker.once('exit', done);
      this.worker.on('message', (message: { stopped?: boolean }) => {
        if (message.stopped) done();
      });
    });
    this.worker.postMessage({ op: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}

/** Pages of WAL after which the main connection checkpoints by itself anyway. */
export const SAFETY_NET_PAGES = 10_000;
