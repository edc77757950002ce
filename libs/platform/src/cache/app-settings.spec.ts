import { TOPICS } from '@meridian/contracts';
import type { authV1 } from '@meridian/proto';
import type { GrpcClients } from '../grpc/clients';
import type { ConsumedEvent, EventBus, Subscription } from '../kafka/event-bus';
import { AppSettings } from './app-settings';

/** Small fakes: auth's GetApp answers from a map; the bus hands the test the subscription. */
function setup() {
  const apps = new Map<number, Partial<authV1.App>>();
  let calls = 0;
  const subscriptions: Subscription[] = [];
  const clients = {
    service: () => ({
      getApp: async ({ sdkAppId }: { sdkAppId: number }) => {
        calls++;
        return { app: apps.get(sdkAppId) as authV1.App | undefined };
      },
    }),
  } as unknown as GrpcClients;
  const bus = { subscribe: (s: Subscription) => subscriptions.push(s) } as unknown as EventBus;
  const settings = new AppSettings(clients, bus, { name: 'test_app_settings', ttlMs: 600_000, derive: (app) => app?.recallWindowS || 120 });
  const deliver = (sdkAppId: number, payload: Record<string, unknown>) =>
    subscriptions[0]!.handler!({ envelope: { sdkAppId, ...payload } } as unknown as ConsumedEvent);
  return { apps, settings, subscriptions, deliver, calls: () => calls };
}

describe(AppSettings.name, () => {
  it('subscribes per instance to auth\'s app changes', () => {
    const { subscriptions } = setup();
    expect(subscriptions).toEqual([expect.objectContaining({ name: 'test_app_settings.app-changes', topics: [TOPICS.appChanges], perInstance: true })]);
  });

  it('derives the service\'s view once, and loads again only that app after its AppChangedEvent', async () => {
    const { apps, settings, deliver, calls } = setup();
    apps.set(1, { recallWindowS: 5 });
    apps.set(2, { recallWindowS: 0 });
    expect([await settings.get(1), await settings.get(2)]).toEqual([5, 120]);
    apps.set(1, { recallWindowS: 60 });
    apps.set(2, { recallWindowS: 60 });
    expect(await settings.get(1)).toBe(5);
    expect(calls()).toBe(2);
    // Another kind of event on the same key changes nothing; the app's change drops app 1 only.
    await deliver(1, { accountsChanged: { userIds: ['x'], what: 'mute' } });
    expect(await settings.get(1)).toBe(5);
    await deliver(1, { appChanged: { what: 'settings' } });
    expect([await settings.get(1), await settings.get(2)]).toEqual([60, 120]);
    expect(calls()).toBe(3);
  });
});
