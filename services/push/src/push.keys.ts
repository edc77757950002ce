/** Every Redis key of the push service (the client adds <region prefix>push:). */
export const PushKeys = {
  /** Set for 1 s after an app starts a broadcast (Tencent: pushes at least 1 s apart). */
  broadcastGap: (sdkAppId: number) => `bc:gap:${sdkAppId}`,
  /** Broadcasts started by an app on one UTC day. Expires after two days. */
  broadcastDay: (sdkAppId: number, day: string) => `bc:day:${sdkAppId}:${day}`,
} as const;
