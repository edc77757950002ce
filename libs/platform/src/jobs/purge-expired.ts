/** What purgeExpired needs of a store of sequenced messages. */
export interface ExpiringMessages<T extends { _id: string; seq: number }> {
  /** Up to `limit` messages past their retention. */
  expired(limit: number): Promise<T[]>;
  /** The stream (conversation, group) a message belongs to. */
  streamOf(m: T): string;
  /** Records `m.seq` as its stream's durable floor (never lowers it). */
  raiseFloor(highest: T): Promise<void>;
  deleteIds(ids: string[]): Promise<number>;
}

/**
 * Deletes every expired message, batch by batch. Before a batch goes, each stream's highest seq
 * in it is kept as that stream's floor, so a sequence counter rebuilt after a Redis loss (from
 * max(newest stored seq, floor)) never reuses a number even when no message is left. Returns
 * how many were deleted.
 */
export async function purgeExpired<T extends { _id: string; seq: number }>(store: ExpiringMessages<T>, batchSize: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await store.expired(batchSize);
    if (!batch.length) return deleted;
    const highest = new Map<string, T>();
    for (const m of batch) {
      const k = store.streamOf(m);
      if ((highest.get(k)?.seq ?? 0) < m.seq) highest.set(k, m);
    }
    for (const m of highest.values()) await store.raiseFloor(m);
    deleted += await store.deleteIds(batch.map((m) => m._id));
    if (batch.length < batchSize) return deleted;
  }
}
