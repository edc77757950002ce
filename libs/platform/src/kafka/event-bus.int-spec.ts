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
  const metrics = new Metrics(config);
  const bus = new EventBus({ ...config, service: 'push' }, metrics, new HealthRegistry(), [topic]);
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  const perKey = 8;
  const handled: { key: string; i: number; offset: string }[] = [];
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
      handler: async ({ envelope, key, offset }) => {
        inFlightNow++;
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, inFlightNow);
        maxSameKey = Math.max(maxSameKey, inFlight.get(key)!);
        await new Promise((r) => setTimeout(r, 20));
        handled.push({ key, i: Number(envelope.sessionKicked!.loginId), offset });
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

  it('handles different keys at once and one key in order, every record once (again only after a rebalance)', async () => {
    const distinct = () => new Set(handled.map((h) => h.offset)).size;
    for (const deadline = Date.now() + 30_000; distinct() < keys.length * perKey && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const joins = (await metrics.kafkaGroupJoins.get()).values.reduce((n, v) => n + v.value, 0);
    // Each record is in the log once (one offset per key and index: the producer did not append twice).
    const offsetsOf = new Map<string, Set<string>>();
    for (const h of handled) offsetsOf.set(`${h.key}/${h.i}`, (offsetsOf.get(`${h.key}/${h.i}`) ?? new Set()).add(h.offset));
    expect(offsetsOf.size).toBe(keys.length * perKey);
    expect([...offsetsOf.values()].every((o) => o.size === 1)).toBe(true);
    // Handled once each, unless the group rebalanced: records not yet committed then come again
    // (at least once; handlers are idempotent). A loaded CI machine saw one such rebalance.
    if (joins <= 1) expect(handled).toHaveLength(keys.length * perKey);
    else if (handled.length > keys.length * perKey) process.stdout.write(`[eventbus] ${joins} group joins: ${handled.length - keys.length * perKey} records handled again\n`);
    for (const key of keys) {
      // In order per key; a replay after a rebalance starts again from an earlier record of the key.
      const seen: number[] = [];
      for (const h of handled.filter((x) => x.key === key)) {
        if (h.i >= seen.length) {
          expect(h.i).toBe(seen.length);
          seen.push(h.i);
        } else expect(joins).toBeGreaterThan(1);
      }
      expect(seen).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
    expect(maxSameKey).toBe(1);
    expect(maxInFlight).toBeGreaterThan(1);
  }, 40_000);
});
