import type { Notification } from '../offline-push-info';

/** The device a notification goes to, as registered by the app's SDK. */
export interface DeviceTarget {
  sdkAppId: number;
  userId: string;
  /** Platform name as the device registered it (Tencent style, e.g. `iPhone`, `Android`). */
  platform: string;
  /** Provider token: APNs device token (hex), FCM registration token, or the app's own for webhooks. */
  token: string;
}

/**
 * Outcome of one send. Providers never throw for provider or network failures; they classify:
 * `invalidToken` means the registration must be deleted, `retryable` that the same send may
 * succeed later (with backoff); neither means it will not succeed as configured.
 */
export interface SendResult {
  ok: boolean;
  invalidToken?: boolean;
  retryable?: boolean;
  /** HTTP status of the provider's answer, absent for transport failures. */
  status?: number;
  /** Provider reason or transport error; never contains tokens, keys or message text. */
  detail?: string;
  /** The provider's Retry-After, when it sent one. */
  retryAfterMs?: number;
}

export const APNS_PRODUCTION_ENDPOINT = 'https://api.push.apple.com';
export const APNS_SANDBOX_ENDPOINT = 'https://api.sandbox.push.apple.com';
export const FCM_ENDPOINT = 'https://fcm.googleapis.com';
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** Per-app APNs credentials (token-based authentication with a .p8 key). */
export interface ApnsConfig {
  /** Origin only; defaults to {@link APNS_PRODUCTION_ENDPOINT}. `http://` means cleartext HTTP/2 (tests). */
  endpoint?: string;
  teamId: string;
  keyId: string;
  /** The .p8 key: EC P-256 private key, PKCS#8 PEM. */
  privateKeyPem: string;
  /** Sent as `apns-topic`. */
  bundleId: string;
}

/** Per-app FCM credentials (the fields of a Google service-account JSON that are needed). */
export interface FcmConfig {
  /** Defaults to {@link FCM_ENDPOINT}. */
  endpoint?: string;
  projectId: string;
  clientEmail: string;
  /** RSA private key, PEM. */
  privateKeyPem: string;
  /** Defaults to {@link GOOGLE_TOKEN_URI}. */
  tokenUri?: string;
}

/** Per-app webhook for apps that run their own push delivery. */
export interface WebhookConfig {
  url: string;
  /** When set, the body is signed with HMAC-SHA256 in `X-Meridian-Signature`. */
  secret?: string;
}

export interface ProviderConfigByKind {
  apns: ApnsConfig;
  fcm: FcmConfig;
  webhook: WebhookConfig;
}

export type ProviderKind = keyof ProviderConfigByKind;
export type ProviderConfig = ProviderConfigByKind[ProviderKind];

/** One offline push channel. Implementations keep their own connections and credential caches. */
export interface PushProvider<K extends ProviderKind = ProviderKind> {
  readonly kind: K;
  send(target: DeviceTarget, n: Notification, config: ProviderConfigByKind[K]): Promise<SendResult>;
}
