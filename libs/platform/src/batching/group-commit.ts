/**
 * Group commit of writes: `run(item)` queues one item; one batch is written at a time, and what
 * callers queue meanwhile goes out together in the next batch (up to `maxItems`), as one call.
 * Each caller's promise settles with the batch that carried its item and gets its own item's
 * result, so a caller still learns that *its* write is durable before it answers anyone.
 *
 * There is no linger timer: alone, a write goes out on the next turn of the event loop; under load,
 * concurrent requests share one storage command instead of paying one each (the same shape as the
 * Kafka ProduceBatcher). A failed call rejects every item of its batch; the next batch is tried
 * afresh.
 */
export class GroupCommit<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Writes a batch; answers one result per item, in the items' order. */
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxItems = 100,
    private readonly maxInFlight = 1,
    private readonly onBatch?: (items: number) => void,
  ) {}

  run(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a batch (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    // Writes asked for in the same turn of the event loop share the first batch too.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.maxItems);
      this.inFlight++;
      this.onBatch?.(batch.length);
      let answer: Promise<R[]>;
      try {
        answer = this.write(batch.map((w) => w.item));
      } catch (err) {
        answer = Promise.reject(err);
      }
      answer
        .then(
          (results) => {
            if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
            batch.forEach((w, i) => w.resolve(results[i]!));
          },
          (err: unknown) => batch.forEach((w) => w.reject(err ?? new Error('group commit failed'))),
        )
        .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
        .finally(() => {
          this.inFlight--;
          this.flush();
        });
    }
  }
}
