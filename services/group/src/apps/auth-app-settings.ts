import { Inject, Injectable } from '@nestjs/common';
import { AppSettings, EventBus, GrpcClients, Metrics } from '@meridian/platform';
import { GROUP_CONFIG, type GroupConfig } from '../group.config';

export interface GroupAuthAppSettings {
  /** Seconds within which a member may recall their own message. */
  recallWindowS: number;
}

/**
 * The app settings kept by auth that the group service needs (the group service's own per-app
 * settings, declared fields and member limits, are GroupAppSettingsDoc). From auth through the
 * platform's AppSettings: a change applies once auth's AppChangedEvent has arrived, and within
 * MERIDIAN_GROUP_APP_CACHE_S at worst. An app's 0 means MERIDIAN_GROUP_RECALL_WINDOW_S.
 */
@Injectable()
export class AuthAppSettings {
  private readonly settings: AppSettings<GroupAuthAppSettings>;

  constructor(
    @Inject(GROUP_CONFIG) config: GroupConfig,
    @Inject(GrpcClients) clients: GrpcClients,
    @Inject(EventBus) bus: EventBus,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.settings = new AppSettings(clients, bus, {
      name: 'group_app_settings',
      ttlMs: config.MERIDIAN_GROUP_APP_CACHE_S * 1000,
      registry: metrics.registry,
      derive: (app) => ({ recallWindowS: app?.recallWindowS || config.MERIDIAN_GROUP_RECALL_WINDOW_S }),
    });
  }

  get(sdkAppId: number): Promise<GroupAuthAppSettings> {
    return this.settings.get(sdkAppId);
  }
}
