import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ErrorCode, MeridianError, isPlatform, isValidUserId } from '@meridian/contracts';
import { Metrics } from '@meridian/platform';
import { buildNotification, parseOfflinePushInfo, validateOfflinePushInfo } from './offline-push-info';
import { OfflineRepository } from './offline.repository';
import { ApnsProvider } from './providers/apns.provider';
import { FcmProvider } from './providers/fcm.provider';
import type { ApnsConfig, FcmConfig, ProviderKind, PushProvider, SendResult, WebhookConfig } from './providers/provider';
import { WebhookProvider } from './providers/webhook.provider';

const KINDS: readonly ProviderKind[] = ['apns', 'fcm', 'webhook'];
const TOKEN_MAX_BYTES = 4096;

export interface OfflineInput {
  sdkAppId: number;
  userIds: string[];
  /** The delivery body (JSON); its MsgBody, when present, gives the notification text. */
  body: Buffer;
  /** Tencent OfflinePushInfo JSON text, possibly empty. */
  offlinePushInfo: Buffer;
}

/**
 * Offline push: for recipients with no online device, a notification through the provider each
 * of their devices registered with (APNs, FCM or the app's webhook), with the app's credentials.
 * Invalid tokens are deleted; a retryable failure is tried once more.
 */
@Injectable()
export class OfflinePushService {
  private readonly logger = new Logger(OfflinePushService.name);
  private readonly providers: Record<ProviderKind, PushProvider>;
  private readonly sent: Counter<'provider' | 'result'>;

  constructor(
    @Inject(OfflineRepository) private readonly repo: OfflineRepository,
    @Inject(ApnsProvider) apns: ApnsProvider,
    @Inject(FcmProvider) fcm: FcmProvider,
    @Inject(WebhookProvider) webhook: WebhookProvider,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.providers = { apns, fcm, webhook } as Record<ProviderKind, PushProvider>;
    this.sent = new Counter({
      name: 'meridian_push_offline_total',
      help: 'Offline notifications by provider and result',
      labelNames: ['provider', 'result'],
      registers: [metrics.registry],
    });
  }

  async registerToken(sdkAppId: number, userId: string, platform: string, provider: string, token: string): Promise<void> {
    if (!isValidUserId(userId) || !isPlatform(platform)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid user or platform');
    if (!token) return this.repo.removeToken(sdkAppId, userId, platform);
    if (!(KINDS as readonly string[]).includes(provider)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `provider is one of ${KINDS.join(', ')}`);
    if (Buffer.byteLength(token) > TOKEN_MAX_BYTES) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'token too long');
    await this.repo.saveToken(sdkAppId, userId, platform, provider as ProviderKind, token);
  }

  /** The users' offline push registrations (platform per user); at most 500 users. */
  async pushPlatforms(sdkAppId: number, userIds: string[]): Promise<{ userId: string; platform: string }[]> {
    if (userIds.length > 500 || !userIds.every(isValidUserId)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'at most 500 valid user ids');
    return (await this.repo.tokensOf(sdkAppId, [...new Set(userIds)])).map((t) => ({ userId: t.userId, platform: t.platform }));
  }

  async setProviderConfig(sdkAppId: number, provider: string, json: string): Promise<void> {
    if (!(KINDS as readonly string[]).includes(provider)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `provider is one of ${KINDS.join(', ')}`);
    if (!json) return this.repo.setConfig(sdkAppId, provider as ProviderKind, undefined);
    let config: unknown;
    try {
      config = JSON.parse(json);
    } catch {
      throw new MeridianError(ErrorCode.JSON_FORMAT, 'provider config is not JSON');
    }
    const missing = requiredFields(provider as ProviderKind).filter((f) => typeof (config as Record<string, unknown>)?.[f] !== 'string' || !(config as Record<string, string>)[f]);
    if (missing.length) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${provider} config needs ${missing.join(', ')}`);
    await this.repo.setConfig(sdkAppId, provider as ProviderKind, config);
  }

  async send(input: OfflineInput): Promise<{ sent: number; failed: number }> {
    if (!input.userIds.length) return { sent: 0, failed: 0 };
    // Validated where the message entered; anything unreadable here means "no offline push".
    let infoJson: unknown;
    try {
      const infoText = input.offlinePushInfo.toString('utf8');
      infoJson = infoText ? (JSON.parse(infoText) as unknown) : undefined;
    } catch {
      return { sent: 0, failed: 0 };
    }
    if (infoJson !== undefined && validateOfflinePushInfo(infoJson).length) return { sent: 0, failed: 0 };
    let msgBody: unknown;
    try {
      msgBody = (JSON.parse(input.body.toString('utf8')) as { MsgBody?: unknown }).MsgBody;
    } catch {
      msgBody = undefined;
    }
    const notification = buildNotification({ msgBody, offlinePushInfo: parseOfflinePushInfo(infoJson) });
    if (!notification) return { sent: 0, failed: 0 };
    const tokens = await this.repo.tokensOf(input.sdkAppId, input.userIds);
    if (!tokens.length) return { sent: 0, failed: 0 };
    const configs = await this.repo.configOf(input.sdkAppId);
    let sent = 0;
    let failed = 0;
    await Promise.all(
      tokens.map(async (t) => {
        const config = configs[t.provider];
        if (!config) {
          this.sent.inc({ provider: t.provider, result: 'not_configured' });
          failed++;
          return;
        }
        const target = { sdkAppId: t.sdkAppId, userId: t.userId, platform: t.platform, token: t.token };
        const provider = this.providers[t.provider];
        let result: SendResult = await provider.send(target, notification, config as ApnsConfig & FcmConfig & WebhookConfig);
        if (!result.ok && result.retryable) {
          await new Promise((r) => setTimeout(r, Math.min(result.retryAfterMs ?? 500, 5000)));
          result = await provider.send(target, notification, config as ApnsConfig & FcmConfig & WebhookConfig);
        }
        if (result.invalidToken) await this.repo.removeToken(t.sdkAppId, t.userId, t.platform);
        this.sent.inc({ provider: t.provider, result: result.ok ? 'ok' : result.invalidToken ? 'invalid_token' : 'failed' });
        if (result.ok) sent++;
        else {
          failed++;
          this.logger.warn({ provider: t.provider, status: result.status, detail: result.detail }, 'offline push failed');
        }
      }),
    );
    return { sent, failed };
  }
}

function requiredFields(kind: ProviderKind): string[] {
  switch (kind) {
    case 'apns':
      return ['teamId', 'keyId', 'privateKeyPem', 'bundleId'];
    case 'fcm':
      return ['projectId', 'clientEmail', 'privateKeyPem'];
    case 'webhook':
      return ['url'];
  }
}
