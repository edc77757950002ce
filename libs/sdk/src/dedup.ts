/** A set that remembers only its most recent `capacity` keys (insertion order). */
export class BoundedSet {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds `key`; false when it was already there. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}

/**
 * Exactly-once to the app on top of at-least-once delivery (docs/protocol.md, Delivery): a push
 * is dropped when its delivery id was seen, a message when its (conversation, seq) was handed to
 * the app already — whether it came by push, by a catch-up sync or as the answer to our own send.
 * Per conversation it also keeps the sync cursor: the seq up to which nothing can be missing.
 */
export class Deduplicator {
  private readonly dids: BoundedSet;
  private readonly messages: BoundedSet;
  private readonly cursors = new Map<string, number>();

  constructor(capacity = 10_000) {
    this.dids = new BoundedSet(capacity);
    this.messages = new BoundedSet(capacity);
  }

  /** True the first time a delivery id is seen. */
  firstDelivery(did: string): boolean {
    return this.dids.add(did);
  }

  /** True the first time (conversation, seq) is seen; a recorded message is never emitted again. */
  firstMessage(conversationID: string, seq: number): boolean {
    return this.messages.add(`${conversationID}#${seq}`);
  }

  seenMessage(conversationID: string, seq: number): boolean {
    return this.messages.has(`${conversationID}#${seq}`);
  }

  /**
   * Moves the sync cursor: `seq` is known to be held when everything before it is (contiguous),
   * or when a sync from storage returned it (`fromSync`: storage answers without gaps).
   */
  advance(conversationID: string, seq: number, fromSync = false): void {
    const cur = this.cursors.get(conversationID);
    if (cur === undefined) {
      // Unknown conversation: its first push only tells us where to resume from.
      this.cursors.set(conversationID, fromSync ? seq : seq - 1);
      if (!fromSync) this.advance(conversationID, seq);
      return;
    }
    if (fromSync ? seq > cur : seq === cur + 1) {
      let next = seq;
      while (this.seenMessage(conversationID, next + 1)) next++;
      this.cursors.set(conversationID, next);
    }
  }

  /** Sets the cursor from the conversation list (never moves it back). */
  baseline(conversationID: string, lastSeq: number): void {
    const cur = this.cursors.get(conversationID);
    if (cur === undefined || lastSeq > cur) this.cursors.set(conversationID, lastSeq);
  }

  /** The seq to sync after for each known conversation. */
  syncCursors(): Map<string, number> {
    return new Map(this.cursors);
  }

  cursor(conversationID: string): number | undefined {
    return this.cursors.get(conversationID);
  }

  forget(conversationID: string): void {
    this.cursors.delete(conversationID);
  }
}
