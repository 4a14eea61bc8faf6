/**
 * Group commit for attempt records: calls made while the event loop is busy
 * are queued and written together, one transaction (one fsync) per batch,
 * each caller's promise settling once its batch is committed. Recording each
 * attempt in its own transaction capped push throughput at the commit rate
 * (bench `push`, one receiver: SQLite ~650–1,000 deliveries/s, the event
 * loop blocked in fsync a third of the time; PostgreSQL ~450/s); see
 * bench/RESULTS.md for the figures with batching.
 */
export class GroupCommit<T, R> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private flushing = false;

  /**
   * @param commitBatch writes every item in one transaction and returns one result per item, in order.
   * @param commitOne   the fallback when a batch fails: each item in its own transaction, so one bad item fails alone.
   */
  constructor(
    private readonly commitBatch: (items: T[]) => Promise<R[]>,
    private readonly commitOne: (item: T) => Promise<R>,
    private readonly maxBatch = 256,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      let results: R[] | null = null;
      try {
        results = await this.commitBatch(batch.map((b) => b.item));
      } catch {
        results = null;
      }
      if (results) {
        for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
      } else {
        for (const b of batch) await this.commitOne(b.item).then(b.resolve, b.reject);
      }
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
