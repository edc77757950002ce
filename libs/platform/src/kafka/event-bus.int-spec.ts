import { randomUUID } from 'node:crypto';
import { TEST_NAMESPACE, TEST_PORT_OFFSET } from '@meridian/testing';
import { loadPlatformConfig } from '../config/platform-config';
import { HealthRegistry } from '../health/health';
import { Metrics } from '../metrics/metrics';
import { EventBus } from './event-bus';

/**
 * EventBus's keyConcurrency against the real broker: records of different keys in one partition
 * are handled at once, records of one key never at once and always in order, each record once
 * when nothing fails.
 */
describe('EventBus keyConcurrency', () => {
  const topic = `test.eventbus.${randomUUID().slice(0, 8)}`;
  const config = loadPlatformConfig('push', { ...process.env, MERIDIAN_REGION: 'ap-singapore', MERIDIAN_NAMESPACE: TEST_NAMESPACE, MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET) });
  const bus = new EventBus({ ...config, service: 'push' }, new Metrics(config), new HealthRegistry(), [topic]);
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  const perKey = 8;
  const handled: { key: string; i: number }[] = [];
  const inFlight = new Map<string, number>();
  let inFlightNow = 0;
  let maxInFlight = 0;
  let maxSameKey = 0;

  beforeAll(async () => {
    bus.subscribe({
      name: `keyconc${randomUUID().slice(0, 8)}`,
      topics: [topic],
      fromBeginning: true,
      keyConcurrency: 8,
      handler: async ({ envelope, key }) => {
        inFlightNow++;
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, inFlightNow);
        maxSameKey = Math.max(maxSameKey, inFlight.get(key)!);
        await new Promise((r) => setTimeout(r, 20));
        handled.push({ key, i: Number(envelope.sessionKicked!.loginId) });
        inFlight.set(key, inFlight.get(key)! - 1);
        inFlightNow--;
      },
    });
    await bus.onModuleInit();
    // All records first, then the consumer: its first batches hold several keys per partition.
    for (let i = 0; i < perKey; i++) {
      await Promise.all(keys.map((key) => bus.publish(topic, key, { sessionKicked: { userId: key, loginId: String(i), platform: '', gatewayRegion: '', gatewayInstance: '', connectionId: '', reason: 'test', gatewayAddress: '' } })));
    }
    await bus.onApplicationBootstrap();
  }, 60_000);

  afterAll(() => bus.onApplicationShutdown());

  it('handles different keys at once and one key in order, every record once', async () => {
    for (const deadline = Date.now() + 30_000; handled.length < keys.length * perKey && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    expect(handled).toHaveLength(keys.length * perKey);
    for (const key of keys) {
      expect(handled.filter((h) => h.key === key).map((h) => h.i)).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
    expect(maxSameKey).toBe(1);
    expect(maxInFlight).toBeGreaterThan(1);
  }, 40_000);
});
