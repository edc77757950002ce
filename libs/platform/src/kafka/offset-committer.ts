export interface CommitOffset {
  topic: string;
  partition: number;
  /** The next record to read (handled offset + 1), as Kafka commits it. */
  offset: string;
}

/**
 * Commits a consumer group's handled offsets once per interval instead of after every batch.
 *
 * kafkajs with `autoCommit` commits after each fetched batch, and at low and medium rates a batch
 * is one record: one OffsetCommit round trip (and one write to `__consumer_offsets`) per record
 * per consumer group, the largest Kafka cost of a message in the session-7 profile. Here the
 * subscriber marks records handled; the newest handled offset of each partition is committed when
 * the interval ends (a timer armed by the first record after a commit, so a group at rest has
 * everything committed within one interval).
 *
 * At least once, as before: a record is only marked after its handler succeeded, so a crash
 * replays at most one interval of handled records (handlers are idempotent), and nothing unhandled
 * is ever committed. A failed commit keeps its offsets for the next one.
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, CommitOffset>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly commit: (offsets: CommitOffset[]) => Promise<void>,
    /** 0 commits after every record (kafkajs's behaviour). */
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A record (and, within its partition, every one before it) was handled. */
  handled(topic: string, partition: number, offset: string): void {
    this.pending.set(`${topic}\u0000${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    if (this.intervalMs === 0) {
      void this.flush();
      return;
    }
    this.arm();
  }

  /** Commits when the interval ends, unless a commit is already scheduled. */
  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** At a rebalance: partitions may have moved, and their new owner resumes from the committed offset. */
  reset(): void {
    this.pending.clear();
  }

  /** Offsets marked and not yet committed (for tests and metrics). */
  get uncommitted(): number {
    return this.pending.size;
  }

  /** Commits what is pending now; resolves once it is committed or the attempt failed. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.inFlight = this.commit(offsets)
      .catch((err: unknown) => {
        // Kept for the next commit unless a newer offset of the same partition came meanwhile.
        for (const o of offsets) {
          const key = `${o.topic}\u0000${o.partition}`;
          if (!this.pending.has(key)) this.pending.set(key, o);
        }
        this.onError(err);
        if (this.intervalMs > 0) this.arm();
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    await this.inFlight;
  }

  /** Stops the timer and commits what is pending (before the consumer leaves its group). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
