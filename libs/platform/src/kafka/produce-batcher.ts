/** One record to produce (topic already prefixed). */
export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export type SendBatch = (topicMessages: { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string> }[] }[]) => Promise<void>;

interface Waiting {
  records: OutgoingRecord[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Natural batching of produces. One request is in flight at a time; what callers publish
 * meanwhile goes out together in the next request (up to `maxRecords`), and each caller's promise
 * settles with the request that carried its records — so a caller still learns that *its* records
 * are on the broker (acks=-1) before it answers anyone: durability does not move. There is no
 * linger timer: an idle producer sends on the next turn of the event loop, a busy one sends fewer,
 * larger requests. One request at a time also keeps records in the order publish was called,
 * which per-key ordering relies on.
 */
export class ProduceBatcher {
  private readonly queue: Waiting[] = [];
  private sending = false;
  private scheduled = false;

  /**
   * `maxBytes` bounds a request's record values (all partitions together, so each partition's
   * record batch stays under the broker's message.max.bytes, 1 MiB by default): twelve hundred
   * 12 KB messages to one conversation must not become one batch the broker refuses whole.
   */
  constructor(
    private readonly send: SendBatch,
    private readonly maxRecords = 500,
    private readonly maxBytes = 512 * 1024,
    private readonly onBatch?: (records: number) => void,
  ) {}

  enqueue(records: OutgoingRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      this.schedule();
    });
  }

  /** Records waiting for the next request (for tests and metrics). */
  get waiting(): number {
    return this.queue.reduce((n, w) => n + w.records.length, 0);
  }

  private schedule(): void {
    if (this.sending || this.scheduled) return;
    this.scheduled = true;
    // Publishes made in the same turn of the event loop (one send's several records, concurrent
    // requests already read from their sockets) share the first request too.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.sending || !this.queue.length) return;
    const batch: Waiting[] = [];
    let count = 0;
    let bytes = 0;
    const size = (w: Waiting) => w.records.reduce((n, r) => n + r.value.length + r.key.length, 0);
    // The first caller always goes (even alone over the limits); others join while both fit.
    while (this.queue.length && (count === 0 || (count + this.queue[0]!.records.length <= this.maxRecords && bytes + size(this.queue[0]!) <= this.maxBytes))) {
      const w = this.queue.shift()!;
      batch.push(w);
      count += w.records.length;
      bytes += size(w);
    }
    const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
    for (const w of batch) {
      for (const r of w.records) {
        let list = byTopic.get(r.topic);
        if (!list) byTopic.set(r.topic, (list = []));
        list.push({ key: r.key, value: r.value, headers: r.headers });
      }
    }
    this.sending = true;
    this.onBatch?.(count);
    this.send([...byTopic].map(([topic, messages]) => ({ topic, messages }))).then(
      () => this.settle(batch, undefined),
      (err: unknown) => this.settle(batch, err ?? new Error('produce failed')),
    );
  }

  private settle(batch: Waiting[], err: unknown): void {
    this.sending = false;
    for (const w of batch) {
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
    this.flush();
  }
}
