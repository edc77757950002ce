import * as http2 from 'node:http2';
import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { apnsPayload, type Notification } from '../offline-push-info';
import { credentialKey, signJwt } from './jwt';
import { APNS_PRODUCTION_ENDPOINT, type ApnsConfig, type DeviceTarget, type PushProvider, type SendResult } from './provider';

export interface ApnsProviderOptions {
  /** Whole request, including waiting for the connection. */
  requestTimeoutMs?: number;
  /** Apple rejects provider tokens older than an hour; renew well before. */
  tokenRefreshMs?: number;
  /** Apple answers TooManyProviderTokenUpdates to renewals more often than every 20 minutes. */
  minTokenRefreshMs?: number;
  /** `apns-expiration` = now + this; 0 asks APNs to try once and not store the notification. */
  expirationSeconds?: number;
  /** An idle HTTP/2 session is closed after this long; the next send reconnects. */
  sessionIdleMs?: number;
  /** Clock (ms since epoch); injectable so token ageing can be tested. */
  now?: () => number;
}

export const APNS_PROVIDER_OPTIONS = Symbol('APNS_PROVIDER_OPTIONS');

const DEFAULTS: Required<ApnsProviderOptions> = {
  requestTimeoutMs: 10_000,
  tokenRefreshMs: 50 * 60_000,
  minTokenRefreshMs: 20 * 60_000,
  // Matches Tencent's default offline message retention (MsgLifeTime 7 days).
  expirationSeconds: 7 * 24 * 3600,
  sessionIdleMs: 10 * 60_000,
  now: Date.now,
};

interface ProviderToken {
  jwt: string;
  issuedAt: number;
  /** Minted because APNs rejected the previous one, not because it aged. */
  forced: boolean;
}

type Exchange = { status: number; reason?: string; apnsId?: string } | { error: Error; refused: boolean };

/**
 * APNs over HTTP/2 with provider-token (JWT ES256) authentication. One HTTP/2 session per
 * endpoint, shared by all apps and sends (Apple asks providers to keep connections open rather
 * than reconnect per notification); a session that gets GOAWAY or fails is replaced on next use.
 */
@Injectable()
export class ApnsProvider implements PushProvider<'apns'>, OnModuleDestroy {
  readonly kind = 'apns' as const;
  private readonly logger = new Logger(ApnsProvider.name);
  private readonly options: Required<ApnsProviderOptions>;
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly tokens = new Map<string, ProviderToken>();

  constructor(@Optional() @Inject(APNS_PROVIDER_OPTIONS) options?: ApnsProviderOptions) {
    const merged = { ...DEFAULTS, ...options };
    // A refresh period below Apple's floor would earn TooManyProviderTokenUpdates on every renewal.
    this.options = { ...merged, tokenRefreshMs: Math.max(merged.tokenRefreshMs, merged.minTokenRefreshMs) };
  }

  async send(target: DeviceTarget, n: Notification, config: ApnsConfig): Promise<SendResult> {
    let origin: string;
    let jwt: string;
    try {
      origin = new URL(config.endpoint ?? APNS_PRODUCTION_ENDPOINT).origin;
      jwt = this.providerToken(config);
    } catch (err: unknown) {
      // A bad endpoint or signing key will not heal by retrying the same configuration.
      return { ok: false, retryable: false, detail: `APNs configuration: ${errorText(err)}` };
    }
    const body = JSON.stringify(apnsPayload(n));
    let res = await this.exchange(origin, target.token, jwt, config, body);
    if ('status' in res && res.status === 403 && res.reason === 'ExpiredProviderToken') {
      const fresh = this.replaceRejectedToken(config, jwt);
      if (fresh) res = await this.exchange(origin, target.token, fresh, config, body);
    }
    return toSendResult(res);
  }

  /** Closes every HTTP/2 session; later sends reconnect. */
  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((s) => new Promise<void>((resolve) => (s.closed || s.destroyed ? resolve() : s.close(() => resolve())))));
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private providerToken(config: ApnsConfig): string {
    const key = credentialKey(config.teamId, config.keyId, config.privateKeyPem);
    const cached = this.tokens.get(key);
    if (cached && this.options.now() - cached.issuedAt < this.options.tokenRefreshMs) return cached.jwt;
    return this.mint(key, config, false);
  }

  /**
   * A token to retry with after APNs called `rejected` expired, or undefined to give up. If another
   * send already replaced it, that one is used. A token minted by such a forced renewal is not
   * renewed again within the 20-minute floor: a clock skewed enough to keep failing would
   * otherwise make every send re-sign and trip TooManyProviderTokenUpdates.
   */
  private replaceRejectedToken(config: ApnsConfig, rejected: string): string | undefined {
    const key = credentialKey(config.teamId, config.keyId, config.privateKeyPem);
    const cached = this.tokens.get(key);
    if (cached && cached.jwt !== rejected) return cached.jwt;
    if (cached?.forced && this.options.now() - cached.issuedAt < this.options.minTokenRefreshMs) return undefined;
    return this.mint(key, config, true);
  }

  private mint(key: string, config: ApnsConfig, forced: boolean): string {
    const issuedAt = this.options.now();
    const jwt = signJwt('ES256', { kid: config.keyId }, { iss: config.teamId, iat: Math.floor(issuedAt / 1000) }, config.privateKeyPem);
    this.tokens.set(key, { jwt, issuedAt, forced });
    return jwt;
  }

  /** One POST; a send that never reached APNs on a stale session is repeated once on a new one. */
  private async exchange(origin: string, token: string, jwt: string, config: ApnsConfig, body: string): Promise<Exchange> {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': `/3/device/${encodeURIComponent(token)}`,
      authorization: `bearer ${jwt}`,
      'apns-topic': config.bundleId,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-expiration': String(this.options.expirationSeconds === 0 ? 0 : Math.floor(this.options.now() / 1000) + this.options.expirationSeconds),
      'content-type': 'application/json',
    };
    const first = await this.request(origin, headers, body);
    return 'error' in first && first.refused ? this.request(origin, headers, body) : first;
  }

  private session(origin: string): http2.ClientHttp2Session {
    const existing = this.sessions.get(origin);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(origin);
    const forget = () => {
      if (this.sessions.get(origin) === session) this.sessions.delete(origin);
    };
    session.on('error', (err) => {
      forget();
      this.logger.warn({ origin, err: errorText(err) }, 'APNs session failed');
    });
    // After GOAWAY Node lets in-flight streams finish and refuses new ones: new sends need a new session.
    session.on('goaway', forget);
    session.on('close', forget);
    session.setTimeout(this.options.sessionIdleMs, () => {
      forget();
      session.close();
    });
    this.sessions.set(origin, session);
    return session;
  }

  private request(origin: string, headers: http2.OutgoingHttpHeaders, body: string): Promise<Exchange> {
    return new Promise((resolve) => {
      const session = this.session(origin);
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(headers);
      } catch (err: unknown) {
        // The session is shutting down (ERR_HTTP2_GOAWAY_SESSION / INVALID_SESSION) though its
        // events have not fired yet; nothing was sent, so the retry on a new session is safe.
        if (this.sessions.get(origin) === session) this.sessions.delete(origin);
        resolve({ error: asError(err), refused: true });
        return;
      }
      let settled = false;
      const finish = (result: Exchange) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        finish({ error: new Error(`APNs request timed out after ${this.options.requestTimeoutMs} ms`), refused: false });
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, this.options.requestTimeoutMs);
      let status = 0;
      let apnsId: string | undefined;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        apnsId = typeof h['apns-id'] === 'string' ? h['apns-id'] : undefined;
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // REFUSED_STREAM guarantees the server did not process the request, so repeating cannot duplicate.
      const refused = () => stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM;
      // A stream of a torn-down session can end without ever having had a response.
      const done = () =>
        finish(status ? { status, reason: reasonOf(Buffer.concat(chunks).toString('utf8')), apnsId } : { error: new Error(`APNs stream closed without a response (code ${stream.rstCode ?? 'none'})`), refused: refused() });
      stream.on('end', done);
      stream.on('error', (err) => finish({ error: err, refused: refused() }));
      stream.on('close', done);
      stream.end(body);
    });
  }
}

function reasonOf(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'reason' in parsed && typeof parsed.reason === 'string' ? parsed.reason : undefined;
  } catch {
    return undefined;
  }
}

/** Apple's documented status codes and reasons, reduced to what the caller must do. */
function toSendResult(res: Exchange): SendResult {
  if ('error' in res) return { ok: false, retryable: true, detail: errorText(res.error) };
  const { status, reason } = res;
  const detail = reason ?? res.apnsId;
  if (status === 200) return { ok: true, status, ...(res.apnsId ? { detail: res.apnsId } : {}) };
  // 410 is Unregistered (or ExpiredToken): the app was removed or the token replaced.
  if (status === 410 || (status === 400 && reason === 'BadDeviceToken')) return { ok: false, invalidToken: true, status, detail };
  // Still expired after one renewal: our renewal is rate-limited, so a later attempt can succeed.
  if (status === 429 || status >= 500 || (status === 403 && reason === 'ExpiredProviderToken')) return { ok: false, retryable: true, status, detail };
  return { ok: false, retryable: false, status, detail };
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
const errorText = (err: unknown): string => asError(err).message;
