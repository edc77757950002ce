import { randomUUID } from 'node:crypto';
import { TEST_NAMESPACE, TEST_PORT_OFFSET } from '@meridian/testing';
import { loadPlatformConfig } from '../config/platform-config';
import { HealthRegistry } from '../health/health';
import { Metrics } from '../metrics/metrics';
import { Kafka, logLevel } from 'kafkajs';
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
    // Offsets repeat across partitions: a record is its (key, index).
    const distinct = () => new Set(handled.map((h) => `${h.key}/${h.i}`)).size;
    for (const deadline = Date.now() + 30_000; distinct() < keys.length * perKey && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const joins = (await metrics.kafkaGroupJoins.get()).values.reduce((n, v) => n + v.value, 0);
    // Each record is in the log once (one offset per key and index: the producer did not append twice).
    const offsetsOf = new Map<string, Set<string>>();
    for (const h of handled) offsetsOf.set(`${h.key}/${h.i}`, (offsetsOf.get(`${h.key}/${h.i}`) ?? new Set()).add(h.offset));
    expect(offsetsOf.size).toBe(keys.length * perKey);
    expect([...offsetsOf.values()].every((o) => o.size === 1)).toBe(true);
    // Handled once each, unless the group rebalanced: records not yet committed then come again
    // (at least once; handlers are idempotent). A loaded CI machine saw one such rebalance.
    if (joins <= 1) expect({ joins, handled: handled.length }).toEqual({ joins, handled: keys.length * perKey });
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

/**
 * Offsets are committed once per interval (not after every batch), and a graceful shutdown commits
 * what was handled: a new consumer of the group starts after it, with nothing handled twice.
 */
describe('EventBus offset commits', () => {
  const topic = `test.eventcommit.${randomUUID().slice(0, 8)}`;
  const group = `commit${randomUUID().slice(0, 8)}`;
  const env = { ...process.env, MERIDIAN_REGION: 'ap-singapore', MERIDIAN_NAMESPACE: TEST_NAMESPACE, MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET) };
  const kick = (i: number) => ({ sessionKicked: { userId: `u${i}`, loginId: String(i), platform: '', gatewayRegion: '', gatewayInstance: '', connectionId: '', reason: 'test', gatewayAddress: '' } });

  function makeBus(commitIntervalMs: number, seen: number[]) {
    const base = loadPlatformConfig('push', { ...env, MERIDIAN_KAFKA_COMMIT_INTERVAL_MS: String(commitIntervalMs) });
    const bus = new EventBus({ ...base, service: 'push' }, new Metrics(base), new HealthRegistry(), [topic]);
    bus.subscribe({ name: group, topics: [topic], fromBeginning: true, handler: async ({ envelope }) => void seen.push(Number(envelope.sessionKicked!.loginId)) });
    return { bus, base };
  }
  const until = async (done: () => boolean | Promise<boolean>, ms = 30_000) => {
    for (const deadline = Date.now() + ms; !(await done()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
  };

  it('commits handled offsets within the interval, and on shutdown what the interval had not reached', async () => {
    const seen: number[] = [];
    const { bus, base } = makeBus(1000, seen);
    await bus.onModuleInit();
    await bus.onApplicationBootstrap();
    const admin = new Kafka({ clientId: 'commit-test', brokers: base.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const fullTopic = `${base.kafka.topicPrefix}${topic}`;
      const groupId = `${base.kafka.topicPrefix}push.${group}`;
      const committed = async () => (await admin.fetchOffsets({ groupId, topics: [fullTopic] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      for (let i = 0; i < 10; i++) await bus.publish(topic, `k${i}`, kick(i));
      await until(() => seen.length >= 10);
      await until(async () => (await committed()) >= 10, 15_000);
      expect(await committed()).toBe(10);

      // An interval longer than the test: only the shutdown can commit these.
      await bus.onApplicationShutdown();
      const slow = makeBus(60_000, seen);
      await slow.bus.onModuleInit();
      await slow.bus.onApplicationBootstrap();
      for (let i = 10; i < 15; i++) await slow.bus.publish(topic, `k${i}`, kick(i));
      await until(() => seen.length >= 15);
      await slow.bus.onApplicationShutdown();
      expect(await committed()).toBe(15);

      const after = makeBus(1000, seen);
      await after.bus.onModuleInit();
      await after.bus.onApplicationBootstrap();
      await after.bus.publish(topic, 'k15', kick(15));
      await until(() => seen.length >= 16);
      await new Promise((r) => setTimeout(r, 1500));
      await after.bus.onApplicationShutdown();
      // Each record handled exactly once over three consumers of the group.
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});

/**
 * EventBus's batchHandler against the real broker: a partition's fetched records come in one call
 * in offset order; a failed call gets the same records again; each record is handled (then
 * committed) once the call succeeds.
 */
describe('EventBus batchHandler', () => {
  const topic = `test.eventbus.${randomUUID().slice(0, 8)}`;
  const config = loadPlatformConfig('push', { ...process.env, MERIDIAN_REGION: 'ap-singapore', MERIDIAN_NAMESPACE: TEST_NAMESPACE, MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET) });
  const bus = new EventBus({ ...config, service: 'push' }, new Metrics(config), new HealthRegistry(), [topic]);
  const calls: { partition: number; ids: number[] }[] = [];
  const done = new Set<number>();
  let failures = 1;
  const TOTAL = 40;

  beforeAll(async () => {
    expect(() => bus.subscribe({ name: 'both', topics: [topic], handler: async () => undefined, batchHandler: async () => undefined })).toThrow('exactly one of');
    bus.subscribe({
      name: `batch${randomUUID().slice(0, 8)}`,
      topics: [topic],
      fromBeginning: true,
      partitionsConcurrently: 2,
      batchHandler: async (events) => {
        calls.push({ partition: events[0]!.partition, ids: events.map((e) => Number(e.envelope.sessionKicked!.loginId)) });
        if (failures > 0) {
          failures--;
          throw new Error('storage down');
        }
        for (const e of events) done.add(Number(e.envelope.sessionKicked!.loginId));
      },
    });
    await bus.onModuleInit();
    // Every record first, then the consumer: its first fetches hold many records per partition.
    await Promise.all(
      Array.from({ length: TOTAL }, (_, i) =>
        bus.publish(topic, `k${i % 4}`, { sessionKicked: { userId: `u${i}`, loginId: String(i), platform: '', gatewayRegion: '', gatewayInstance: '', connectionId: '', reason: 'test', gatewayAddress: '' } }),
      ),
    );
    await bus.onApplicationBootstrap();
  }, 60_000);

  afterAll(() => bus.onApplicationShutdown());

  it('hands over whole batches in order, retries a failed one whole, and handles every record', async () => {
    for (const deadline = Date.now() + 30_000; done.size < TOTAL && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    expect(done.size).toBe(TOTAL);
    // Batches, not records: fewer calls than records (the first failed and came again).
    expect(calls.length).toBeLessThan(TOTAL / 2);
    expect(calls.some((c) => c.ids.length > 1)).toBe(true);
    // The failed call's records came again, first in the next call of that partition.
    const [failed] = calls;
    const retry = calls.slice(1).find((c) => c.partition === failed!.partition);
    expect(retry!.ids.slice(0, failed!.ids.length)).toEqual(failed!.ids);
    // Within a partition, one key's records keep their publish order.
    for (const c of calls) {
      for (const k of [0, 1, 2, 3]) {
        const ofKey = c.ids.filter((i) => i % 4 === k);
        expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y));
      }
    }
  }, 60_000);
});
