/** Every Redis key of the callback service (the client adds <region prefix>callback:). */
export const CallbackKeys = {
  /**
   * Held by the instance working on one queued retry. Expires on its own (the call's timeout plus
   * a margin), so a retry claimed by an instance that dies is taken over by another.
   */
  claim: (retryId: string) => `claim:${retryId}`,
} as const;
