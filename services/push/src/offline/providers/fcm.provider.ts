import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Notification } from '../offline-push-info';
import { credentialKey, signJwt } from './jwt';
import { transportError } from './transport-error';
import { FCM_ENDPOINT, GOOGLE_TOKEN_URI, type DeviceTarget, type FcmConfig, type PushProvider, type SendResult } from './provider';

export interface FcmProviderOptions {
  /** Per HTTP call (token exchange and send each). */
  requestTimeoutMs?: number;
  /** A cached access token is replaced this long before Google says it expires. */
  tokenEarlyRefreshMs?: number;
  /** `exp - iat` of the assertion; Google accepts at most an hour. */
  assertionLifetimeSeconds?: number;
  now?: () => number;
}

export const FCM_PROVIDER_OPTIONS = Symbol('FCM_PROVIDER_OPTIONS');

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const DEFAULTS: Required<FcmProviderOptions> = {
  requestTimeoutMs: 10_000,
  tokenEarlyRefreshMs: 60_000,
  assertionLifetimeSeconds: 3600,
  now: Date.now,
};

interface AccessToken {
  value: string;
  expiresAt: number;
}

/** A token exchange that failed, carrying whether a later attempt can succeed. */
class TokenError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** FCM body pieces we read from error answers (google.rpc.Status with FCM details). */
interface GoogleError {
  status?: string;
  message?: string;
  details?: { '@type'?: string; errorCode?: string; fieldViolations?: { field?: string }[] }[];
}

/**
 * FCM HTTP v1 with a service account: an RS256 assertion is exchanged for an OAuth2 access token
 * (JWT bearer grant), cached per service account until shortly before it expires; concurrent
 * sends that find no token share one exchange.
 */
@Injectable()
export class FcmProvider implements PushProvider<'fcm'> {
  readonly kind = 'fcm' as const;
  private readonly options: Required<FcmProviderOptions>;
  private readonly tokens = new Map<string, AccessToken>();
  private readonly pending = new Map<string, Promise<AccessToken>>();

  constructor(@Optional() @Inject(FCM_PROVIDER_OPTIONS) options?: FcmProviderOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  async send(target: DeviceTarget, n: Notification, config: FcmConfig): Promise<SendResult> {
    const url = `${trimSlash(config.endpoint ?? FCM_ENDPOINT)}/v1/projects/${encodeURIComponent(config.projectId)}/messages:send`;
    const body = JSON.stringify({ message: fcmMessage(target.token, n) });
    try {
      let token = await this.accessToken(config);
      let res = await this.post(url, token.value, body);
      if (res.status === 401) {
        // Revoked or rotated early: replace it once; a second 401 is a real credential problem.
        await res.body?.cancel();
        token = await this.accessToken(config, token);
        res = await this.post(url, token.value, body);
      }
      return await toSendResult(res);
    } catch (err: unknown) {
      if (err instanceof TokenError) return { ok: false, retryable: err.retryable, ...(err.status ? { status: err.status } : {}), detail: err.message };
      // Network failure or timeout (fetch rejects only for those).
      return { ok: false, retryable: true, detail: transportError(err) };
    }
  }

  /** The cached access token, or a new one; `rejected` is a token the send endpoint refused. */
  private accessToken(config: FcmConfig, rejected?: AccessToken): Promise<AccessToken> {
    const tokenUri = config.tokenUri ?? GOOGLE_TOKEN_URI;
    const key = credentialKey(config.clientEmail, tokenUri, config.privateKeyPem);
    const cached = this.tokens.get(key);
    if (cached && cached !== rejected && cached.expiresAt - this.options.tokenEarlyRefreshMs > this.options.now()) return Promise.resolve(cached);
    if (cached === rejected) this.tokens.delete(key);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const exchange = this.exchange(config, tokenUri)
      .then((token) => {
        this.tokens.set(key, token);
        return token;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, exchange);
    return exchange;
  }

  private async exchange(config: FcmConfig, tokenUri: string): Promise<AccessToken> {
    const iat = Math.floor(this.options.now() / 1000);
    let assertion: string;
    try {
      assertion = signJwt(
        'RS256',
        { typ: 'JWT' },
        { iss: config.clientEmail, scope: FCM_SCOPE, aud: tokenUri, iat, exp: iat + this.options.assertionLifetimeSeconds },
        config.privateKeyPem,
      );
    } catch (err: unknown) {
      // A malformed key will not heal by retrying the same configuration.
      throw new TokenError(`FCM signing key: ${err instanceof Error ? err.message : String(err)}`, false);
    }
    const res = await fetch(tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      signal: AbortSignal.timeout(this.options.requestTimeoutMs),
    });
    const json: unknown = await res.json().catch(() => undefined);
    const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    if (!res.ok || typeof fields.access_token !== 'string') {
      // invalid_grant / invalid_client (4xx) mean the service account is wrong or disabled.
      const reason = typeof fields.error === 'string' ? fields.error : `HTTP ${res.status}`;
      throw new TokenError(`OAuth2 token exchange failed: ${reason}`, res.status === 429 || res.status >= 500, res.status);
    }
    const expiresIn = typeof fields.expires_in === 'number' ? fields.expires_in : this.options.assertionLifetimeSeconds;
    return { value: fields.access_token, expiresAt: this.options.now() + expiresIn * 1000 };
  }

  private post(url: string, accessToken: string, body: string): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(this.options.requestTimeoutMs),
    });
  }
}

/** The v1 `Message` for one registration token. */
export function fcmMessage(token: string, n: Notification): Record<string, unknown> {
  // Without a title Android shows the app name; an empty string would show an empty line instead.
  const message: Record<string, unknown> = { token, notification: n.title ? { title: n.title, body: n.body } : { body: n.body } };
  // FCM data values must be strings; the app reads `ext` as on APNs.
  if (n.ext !== undefined) message.data = { ext: n.ext };
  const androidNotification: Record<string, string> = {};
  if (n.android.sound) androidNotification.sound = n.android.sound;
  if (n.android.googleChannelId) androidNotification.channel_id = n.android.googleChannelId;
  message.android = { notification: androidNotification };

  // iOS devices registered through FCM: carry the APNs-only parts in the apns override.
  const aps: Record<string, unknown> = {};
  if (n.apns.title || n.apns.subtitle) {
    aps.alert = { title: n.apns.title ?? n.title, ...(n.apns.subtitle ? { subtitle: n.apns.subtitle } : {}), body: n.body };
  }
  if (n.sound) aps.sound = n.sound;
  if (n.badgeIncrement && n.badge !== undefined) aps.badge = n.badge;
  if (n.apns.mutableContent) aps['mutable-content'] = 1;
  const apns: Record<string, unknown> = {};
  if (Object.keys(aps).length) apns.payload = { aps };
  if (n.apns.image) apns.fcm_options = { image: n.apns.image };
  if (Object.keys(apns).length) message.apns = apns;
  return message;
}

async function toSendResult(res: Response): Promise<SendResult> {
  const status = res.status;
  if (res.ok) {
    await res.body?.cancel();
    return { ok: true, status };
  }
  const json: unknown = await res.json().catch(() => undefined);
  const error: GoogleError = typeof json === 'object' && json !== null && 'error' in json && typeof json.error === 'object' && json.error !== null ? json.error : {};
  const fcmCode = error.details?.find((d) => typeof d.errorCode === 'string')?.errorCode;
  const detail = fcmCode ?? error.status ?? `HTTP ${status}`;
  const retryAfter = retryAfterMs(res.headers.get('retry-after'));
  const withRetryAfter = retryAfter === undefined ? {} : { retryAfterMs: retryAfter };
  if ((status === 404 && (fcmCode === 'UNREGISTERED' || error.status === 'NOT_FOUND')) || (status === 400 && isTokenArgument(error))) {
    return { ok: false, invalidToken: true, status, detail };
  }
  if (status === 429 || status >= 500) return { ok: false, retryable: true, status, detail, ...withRetryAfter };
  return { ok: false, retryable: false, status, detail };
}

/**
 * INVALID_ARGUMENT also covers bad payloads; only a complaint about `message.token` (as a field
 * violation, or Google's "not a valid FCM registration token" text) condemns the registration.
 */
function isTokenArgument(error: GoogleError): boolean {
  if (error.status !== 'INVALID_ARGUMENT') return false;
  const fieldViolation = error.details?.some((d) => d.fieldViolations?.some((v) => v.field === 'message.token'));
  return Boolean(fieldViolation) || /registration token/i.test(error.message ?? '');
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');
