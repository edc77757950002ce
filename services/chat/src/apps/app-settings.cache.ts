import { Inject, Injectable } from '@nestjs/common';
import { AppSettings, EventBus, GrpcClients, Metrics } from '@meridian/platform';
import { CHAT_CONFIG, type ChatConfig } from '../chat.config';

export interface ChatAppSettings {
  /** Seconds a stored 1:1 message stays in roaming storage. */
  roamingSeconds: number;
  /** Seconds within which a sender may recall their own message. */
  recallWindowS: number;
}

const DAY_S = 86_400;

/**
 * The per-app settings the chat service needs, from auth through the platform's AppSettings:
 * a change applies once auth's AppChangedEvent has arrived, and within MERIDIAN_CHAT_APP_CACHE_S
 * at worst. An app's 0 means the platform default (roaming MERIDIAN_CHAT_DEFAULT_LIFETIME_S,
 * recall MERIDIAN_CHAT_RECALL_WINDOW_S).
 */
@Injectable()
export class AppSettingsCache {
  private readonly settings: AppSettings<ChatAppSettings>;

  constructor(
    @Inject(CHAT_CONFIG) config: ChatConfig,
    @Inject(GrpcClients) clients: GrpcClients,
    @Inject(EventBus) bus: EventBus,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.settings = new AppSettings(clients, bus, {
      name: 'chat_app_settings',
      ttlMs: config.MERIDIAN_CHAT_APP_CACHE_S * 1000,
      registry: metrics.registry,
      derive: (app) => {
        const days = app?.roamingDays ?? 0;
        return {
          roamingSeconds: days > 0 ? days * DAY_S : config.MERIDIAN_CHAT_DEFAULT_LIFETIME_S,
          recallWindowS: app?.recallWindowS || config.MERIDIAN_CHAT_RECALL_WINDOW_S,
        };
      },
    });
  }

  get(sdkAppId: number): Promise<ChatAppSettings> {
    return this.settings.get(sdkAppId);
  }
}
