import { Inject, Injectable } from '@nestjs/common';
import { GrpcClients, LoadingCache } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { CHAT_CONFIG, type ChatConfig } from '../chat.config';

export interface ChatAppSettings {
  /** Seconds a stored 1:1 message stays in roaming storage. */
  roamingSeconds: number;
}

const DAY_S = 86_400;

/**
 * The per-app settings the chat service needs, read from auth (which forwards to the app's home
 * region) and kept for MERIDIAN_CHAT_APP_CACHE_S, so a change reaches every instance within that.
 */
@Injectable()
export class AppSettingsCache {
  private readonly cache: LoadingCache<ChatAppSettings>;

  constructor(
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {
    this.cache = new LoadingCache({ name: 'chat_app_settings', maxEntries: 100_000, ttlMs: config.MERIDIAN_CHAT_APP_CACHE_S * 1000 });
  }

  get(sdkAppId: number): Promise<ChatAppSettings> {
    return this.cache.get(String(sdkAppId), () => this.load(sdkAppId));
  }

  private async load(sdkAppId: number): Promise<ChatAppSettings> {
    const { app } = await this.clients.service<authV1.AuthServiceClient>('auth').getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: false });
    const days = app?.roamingDays ?? 0;
    return { roamingSeconds: days > 0 ? days * DAY_S : this.config.MERIDIAN_CHAT_DEFAULT_LIFETIME_S };
  }
}
