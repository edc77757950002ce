/** Every Redis key of the gateway service (the client adds <region prefix>gateway:). */
export const GatewayKeys = {
  /** REST calls of one app and command in one second. Expires 2 s after its second. */
  restRate: (sdkAppId: number, command: string, second: number) => `rl:${sdkAppId}:${command}:${second}`,
  /** All REST calls of one app in one second. Expires 2 s after its second. */
  restAppRate: (sdkAppId: number, second: number) => `rl:${sdkAppId}:*:${second}`,
  /** A granted media upload (media.service.ts). Expires when its presign has expired, plus a minute to confirm. */
  mediaUpload: (uploadId: string) => `media:up:${uploadId}`,
} as const;
