/**
 * Coalesces the lookups that arrive in the same turn of the event loop into one call per group
 * key: `run(key, items)` adds the items to the key's open batch, which goes out once the current
 * callbacks have run (setImmediate) or when it reaches `maxItems`; every caller then gets the
 * whole answer of the call that carried its items, and picks its part.
 *
 * Under load, concurrent handlers (push's deliveries of different conversations, for example)
 * make one gRPC call where they made one each; alone, a caller pays one event-loop turn.
 */
export class Coalescer<T, R> {
  private readonly open = new Map<string, Batch<T, R>>();

  constructor(
    private readonly call: (key: string, items: T[]) => Promise<R>,
    private readonly maxItems = 500,
  ) {}

  run(key: string, items: readonly T[]): Promise<R> {
    let batch = this.open.get(key);
    if (batch && batch.items.length + items.length > this.maxItems) {
      this.send(key, batch);
      batch = undefined;
    }
    if (!batch) {
      const created: Batch<T, R> = { items: [], seen: new Set(), waiters: [], timer: undefined };
      created.timer = setImmediate(() => this.send(key, created));
      this.open.set(key, created);
      batch = created;
    }
    for (const item of items) {
      if (batch.seen.has(item)) continue;
      batch.seen.add(item);
      batch.items.push(item);
    }
    const target = batch;
    return new Promise<R>((resolve, reject) => target.waiters.push({ resolve, reject }));
  }

  private send(key: string, batch: Batch<T, R>): void {
    if (this.open.get(key) === batch) this.open.delete(key);
    if (batch.timer) clearImmediate(batch.timer);
    batch.timer = undefined;
    let answer: Promise<R>;
    try {
      answer = this.call(key, batch.items);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (r) => batch.waiters.forEach((w) => w.resolve(r)),
      (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }
}

interface Batch<T, R> {
  items: T[];
  seen: Set<T>;
  waiters: { resolve: (r: R) => void; reject: (err: unknown) => void }[];
  timer: NodeJS.Immediate | undefined;
}
