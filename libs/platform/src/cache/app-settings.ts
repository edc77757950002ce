import { TOPICS } from '@meridian/contracts';
import type { authV1 } from '@meridian/proto';
import type { Registry } from 'prom-client';
import type { GrpcClients } from '../grpc/clients';
import type { EventBus } from '../kafka/event-bus';
import { LoadingCache } from './loading-cache';

export interface AppSettingsOptions<V> {
  /** Names the cache in metrics and the per-instance consumer group of auth's app changes. */
  name: string;
  /** How long an entry is trusted when no AppChangedEvent arrives (events lost or late). */
  ttlMs: number;
  /** The service's view of the app; `undefined` when auth does not know it. */
  derive: (app: authV1.App | undefined) => V;
  registry?: Registry;
}

/**
 * One service's cached view of each app's settings, read from auth (which forwards to the app's
 * home region) and dropped when auth announces a change of the app (`auth.app-changes.v1`, read by
 * every instance): a change applies from the next call once its event has arrived, normally
 * within milliseconds, and within `ttlMs` at worst. Construct it before the application starts
 * (it subscribes).
 */
export class AppSettings<V> {
  private readonly cache: LoadingCache<V>;

  constructor(
    private readonly clients: GrpcClients,
    bus: EventBus,
    private readonly options: AppSettingsOptions<V>,
  ) {
    this.cache = new LoadingCache({ name: options.name, maxEntries: 100_000, ttlMs: options.ttlMs, registry: options.registry });
    bus.subscribe({
      name: `${options.name}.app-changes`,
      topics: [TOPICS.appChanges],
      perInstance: true,
      handler: async ({ envelope }) => {
        if (envelope.appChanged) this.cache.invalidate(String(envelope.sdkAppId));
      },
    });
  }

  get(sdkAppId: number): Promise<V> {
    return this.cache.get(String(sdkAppId), async () => {
      const { app } = await this.clients.service<authV1.AuthServiceClient>('auth').getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: false });
      return this.options.derive(app);
    });
  }
}
