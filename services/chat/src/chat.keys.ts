/** Every Redis key of the chat service (the client adds <region prefix>chat:). */
export const ChatKeys = {
  /**
   * A conversation's last assigned seq. No TTL: it is the hot copy of the durable high-water mark
   * (the stored messages), rebuilt from storage whenever it is missing.
   */
  seq: (sdkAppId: number, conversationId: string) => `seq:${sdkAppId}:${conversationId}`,
  /** First result of a send with this random from this sender to this peer. Expires after the dedupe window. */
  dedupe: (sdkAppId: number, from: string, to: string, random: number) => `dedupe:${sdkAppId}:${from}>${to}:${random}`,
  /** Held by the one chat instance running the retention job (expires on its own if that instance dies). */
  retentionLock: () => 'lock:retention',
} as const;
