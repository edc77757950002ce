import type { Platform } from '@meridian/contracts';
import { sessionsToKick, type PolicySettings, type SessionLike } from './multi-device.policy';

const s = (loginId: string, platform: Platform, loginAtMs: number): SessionLike => ({ loginId, platform, loginAtMs });
const ids = (list: SessionLike[]) => list.map((x) => x.loginId);
const policy = (p: PolicySettings['policy'], maxPerPlatform = 1, maxWeb = 1): PolicySettings => ({ policy: p, maxPerPlatform, maxWeb });

describe(sessionsToKick.name, () => {
  const all = [s('android', 'Android', 1), s('pc', 'PC', 2), s('web', 'Web', 3)];

  it('single: any login kicks every other device', () => {
    expect(ids(sessionsToKick(all, 'iPhone', policy('single')))).toEqual(['android', 'pc', 'web']);
    expect(sessionsToKick([], 'Web', policy('single'))).toEqual([]);
  });

  it('dual: a native login kicks the other native device, a Web login the other Web', () => {
    expect(ids(sessionsToKick(all, 'iPad', policy('dual')))).toEqual(['android', 'pc']);
    expect(ids(sessionsToKick(all, 'Web', policy('dual')))).toEqual(['web']);
  });

  it('triple: a login kicks only the device of the same class', () => {
    expect(ids(sessionsToKick(all, 'iPhone', policy('triple')))).toEqual(['android']);
    expect(ids(sessionsToKick(all, 'Mac', policy('triple')))).toEqual(['pc']);
    expect(ids(sessionsToKick(all, 'Web', policy('triple')))).toEqual(['web']);
  });

  it('multi: only the same platform competes, up to its limit, oldest first', () => {
    expect(sessionsToKick(all, 'iPhone', policy('multi'))).toEqual([]);
    expect(ids(sessionsToKick(all, 'Android', policy('multi')))).toEqual(['android']);
    const webs = [s('w1', 'Web', 1), s('w2', 'Web', 2), s('w3', 'Web', 3)];
    expect(sessionsToKick(webs, 'Web', policy('multi', 1, 10))).toEqual([]);
    expect(ids(sessionsToKick(webs, 'Web', policy('multi', 1, 3)))).toEqual(['w1']);
    expect(ids(sessionsToKick(webs, 'Web', policy('multi', 1, 2)))).toEqual(['w1', 'w2']);
  });
});
