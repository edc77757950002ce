import { Inject, Injectable } from '@nestjs/common';
import { GrpcClients, LoadingCache } from '@meridian/platform';
import { authV1 } from '@meridian/proto';
import { CALLBACK_CONFIG, type CallbackConfig } from '../callback.config';

export interface AppCallbackSettings {
  url: string;
  commands: Set<string>;
  /** Secret: never logged. Empty = no Sign/RequestTime. */
  token: string;
  timeoutMs: number;
  /** What a failed before-callback does: deliver (Tencent's default) or block with 80003. */
  failurePolicy: 'deliver' | 'block';
  /** The operator let this app's callbacks reach loopback, private or link-local addresses. */
  allowPrivateTargets: boolean;
}

/**
 * Each app's callback settings from auth (with the token), kept for MERIDIAN_CALLBACK_APP_CACHE_S:
 * a change reaches every instance within that time.
 */
@Injectable()
export class AppCallbacksCache {
  private readonly cache: LoadingCache<AppCallbackSettings | null>;

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {
    this.cache = new LoadingCache({ name: 'callback_app_settings', maxEntries: 100_000, ttlMs: config.MERIDIAN_CALLBACK_APP_CACHE_S * 1000 });
  }

  /** The app's settings, or null when it has no callback URL (or does not exist). */
  get(sdkAppId: number): Promise<AppCallbackSettings | null> {
    return this.cache.get(String(sdkAppId), () => this.load(sdkAppId));
  }

  private async load(sdkAppId: number): Promise<AppCallbackSettings | null> {
    const { app } = await this.clients.service<authV1.AuthServiceClient>('auth').getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: true });
    const c = app?.callback;
    if (!c?.url) return null;
    return {
      url: c.url,
      commands: new Set(c.commands),
      token: c.token,
      timeoutMs: c.timeoutMs || this.config.MERIDIAN_CALLBACK_DEFAULT_TIMEOUT_MS,
      failurePolicy: c.failurePolicy === authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK ? 'block' : 'deliver',
      allowPrivateTargets: app?.allowPrivateCallbackTargets ?? false,
    };
  }
}
