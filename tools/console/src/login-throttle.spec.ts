import { LoginThrottle, type ThrottlePolicy } from './login-throttle';

const POLICY: ThrottlePolicy = {
  perAddress: { free: 3, baseMs: 1000, maxMs: 60_000 },
  perUser: { free: 10, baseMs: 1000, maxMs: 30_000 },
  forgetMs: 15 * 60_000,
  knownMs: 86_400_000,
  maxEntries: 100,
};

describe(LoginThrottle.name, () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets the first failures through, then delays grow exponentially up to the cap', () => {
    const t = new LoginThrottle(POLICY, clock);
    for (let i = 0; i < 3; i++) {
      expect(t.waitMs('admin', '198.51.100.7')).toBe(0);
      t.failed('admin', '198.51.100.7');
    }
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const w = t.waitMs('admin', '198.51.100.7');
      waits.push(w);
      now += w;
      expect(t.waitMs('admin', '198.51.100.7')).toBe(0);
      t.failed('admin', '198.51.100.7');
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('a correct password works once the delay has passed (no fixed lock-out)', () => {
    const t = new LoginThrottle(POLICY, clock);
    for (let i = 0; i < 4; i++) t.failed('admin', '198.51.100.7');
    expect(t.waitMs('admin', '198.51.100.7')).toBe(2000);
    now += 2000;
    expect(t.waitMs('admin', '198.51.100.7')).toBe(0);
    t.succeeded('admin', '198.51.100.7');
    expect(t.waitMs('admin', '198.51.100.7')).toBe(0);
  });

  it("an attacker's failures at other addresses delay the user by at most the per-user cap", () => {
    const t = new LoginThrottle(POLICY, clock);
    for (let i = 0; i < 500; i++) t.failed('admin', `203.0.113.${i % 250}`);
    // The operator, from an address of their own that never failed, waits at most perUser.maxMs.
    expect(t.waitMs('admin', '198.51.100.7')).toBe(30_000);
    now += 30_000;
    expect(t.waitMs('admin', '198.51.100.7')).toBe(0);
    // Other users are not affected at all.
    expect(t.waitMs('ops', '203.0.113.1')).toBe(0);
  });

  it('an address the user signed in from before skips the per-user delay, but not its own', () => {
    const t = new LoginThrottle(POLICY, clock);
    t.succeeded('admin', '198.51.100.7');
    for (let i = 0; i < 50; i++) t.failed('admin', `203.0.113.${i}`);
    expect(t.waitMs('admin', '198.51.100.9')).toBeGreaterThan(0);
    expect(t.waitMs('admin', '198.51.100.7')).toBe(0);
    for (let i = 0; i < 3; i++) t.failed('admin', '198.51.100.7');
    expect(t.waitMs('admin', '198.51.100.7')).toBe(1000);
  });

  it('forgets failures after forgetMs without one, and keeps at most maxEntries counters', () => {
    const t = new LoginThrottle(POLICY, clock);
    for (let i = 0; i < 6; i++) t.failed('admin', '198.51.100.7');
    now += POLICY.forgetMs + 1;
    expect(t.waitMs('admin', '198.51.100.7')).toBe(0);
    for (let i = 0; i < 1000; i++) t.failed(`user${i}`, '203.0.113.1');
    expect((t as unknown as { byAddress: Map<string, unknown> }).byAddress.size).toBeLessThanOrEqual(POLICY.maxEntries);
  });
});
