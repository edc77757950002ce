/**
 * StatsBuffer against the real Redis (medium tier): what it writes in one pipeline reads back
 * exactly as the per-event countStat/addDistinct wrote it — same keys, same counts, same distinct
 * estimates — so the console and getappinfo see no difference.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { testTopology } from '@meridian/testing';
import { StatsBuffer, addDistinct, countStat, distinctSeries, statSeries } from './app-stats';

describe(StatsBuffer.name, () => {
  let buffered: Redis;
  let direct: Redis;
  const ns = `test-statsbuffer-${randomUUID().slice(0, 8)}:`;

  beforeAll(() => {
    buffered = new Redis(testTopology().dataPlane.redisUrl, { keyPrefix: `${ns}b:` });
    direct = new Redis(testTopology().dataPlane.redisUrl, { keyPrefix: `${ns}d:` });
  });

  afterAll(async () => {
    const keys = await direct.keys(`${ns}*`);
    const raw = new Redis(testTopology().dataPlane.redisUrl);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
    buffered.disconnect();
    direct.disconnect();
  });

  it('writes the same buckets as the per-event calls, in one flush', async () => {
    const buffer = new StatsBuffer();
    const t0 = Date.UTC(2026, 11, 1, 23, 59, 30);
    const events = Array.from({ length: 300 }, (_, i) => ({ time: t0 + i * 1000, user: `u${i % 37}` }));
    for (const e of events) {
      buffer.count(7, 'c2cMessages', e.time);
      buffer.addDistinct(7, [['c2cSenders', e.user], ['activeUsers', e.user]], e.time);
      await countStat(direct, 7, 'c2cMessages', e.time);
      await addDistinct(direct, 7, [['c2cSenders', e.user], ['activeUsers', e.user]], e.time);
    }
    const { keys } = await buffer.flush(buffered);
    expect(keys).toBeGreaterThan(0);
    expect(buffer.empty).toBe(true);
    const at = t0 + 300_000;
    for (const period of ['minute', 'hour', 'day'] as const) {
      expect(await statSeries(buffered, 7, 'c2cMessages', period, at, 10)).toEqual(await statSeries(direct, 7, 'c2cMessages', period, at, 10));
    }
    expect(await distinctSeries(buffered, 7, 'c2cSenders', at, 3)).toEqual(await distinctSeries(direct, 7, 'c2cSenders', at, 3));
    // The window crossed midnight: two day buckets, 37 senders in all.
    const days = (await distinctSeries(buffered, 7, 'c2cSenders', at, 2)).map((p) => p.value);
    expect(days.every((v) => v > 0)).toBe(true);
    // TTLs are set like the direct path's.
    const [[, ttl]] = (await buffered.pipeline().ttl(`stats:7:c2cMessages:day:${Date.UTC(2026, 11, 1)}`).exec())!;
    expect(ttl).toBeGreaterThan(30 * 86_400);
  });
});
