import { backoffDelay } from './backoff';

describe(backoffDelay.name, () => {
  it('doubles from the base up to the cap', () => {
    const none = { baseMs: 100, maxMs: 1000, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, none))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('makes the jitter fraction of each delay random, within [ceiling·(1−jitter), ceiling]', () => {
    const o = { baseMs: 1000, maxMs: 60_000, jitter: 0.5 };
    expect(backoffDelay(2, o, () => 0)).toBe(2000);
    expect(backoffDelay(2, o, () => 0.999999)).toBe(4000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, o);
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  it('survives huge attempt counts and bad jitter values', () => {
    expect(backoffDelay(10_000, { baseMs: 500, maxMs: 30_000, jitter: 0 })).toBe(30_000);
    expect(backoffDelay(1, { baseMs: 100, jitter: 7 }, () => 0)).toBe(0);
    expect(backoffDelay(-3, { baseMs: 100, jitter: -1 })).toBe(100);
  });
});
