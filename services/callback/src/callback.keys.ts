/** Every Redis key of the callback service (the client adds <region prefix>callback:). */
export const CallbackKeys = {
  /**
   * Held by the instance working on one queued retry. Expires on its own (the call's timeout plus
   * a margin), so a retry claimed by an instance that dies is taken over by another.
   */
  claim: (retryId: string) => `claim:${retryId}`,
  /**
   * The sender's media objects a 1:1 message carries, deleted when it is recalled (media-recalls.ts).
   * Expires with the objects themselves (MERIDIAN_MEDIA_EXPIRE_DAYS).
   */
  mediaOfMessage: (sdkAppId: number, conversationId: string, msgKey: string) => `media:msg:${sdkAppId}:${conversationId}:${msgKey}`,
} as const;
