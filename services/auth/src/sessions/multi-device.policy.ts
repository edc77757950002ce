import { platformClass, type Platform } from '@meridian/contracts';

export type MultiDevicePolicyName = 'single' | 'dual' | 'triple' | 'multi';

export interface PolicySettings {
  policy: MultiDevicePolicyName;
  /** MULTI: sessions allowed per native platform (Tencent: 1, up to 3 on Ultimate). */
  maxPerPlatform: number;
  /** MULTI: concurrent Web sessions (Tencent: 1, up to 10 on Ultimate). */
  maxWeb: number;
}

export interface SessionLike {
  loginId: string;
  platform: Platform;
  loginAtMs: number;
}

/**
 * Which existing sessions a new login on `platform` displaces (oldest first), per Tencent's
 * console policies:
 * - single: one device in total;
 * - dual: one native (mobile or desktop) and one Web;
 * - triple: one mobile, one desktop and one Web;
 * - multi: every platform at once, each limited to maxPerPlatform (Web: maxWeb) sessions.
 */
export function sessionsToKick<S extends SessionLike>(existing: readonly S[], platform: Platform, settings: PolicySettings): S[] {
  const sameSlot = (s: S): boolean => {
    switch (settings.policy) {
      case 'single':
        return true;
      case 'dual':
        return (platform === 'Web') === (s.platform === 'Web');
      case 'triple':
        return platformClass(platform) === platformClass(s.platform);
      case 'multi':
        return s.platform === platform;
    }
  };
  const limit = settings.policy === 'multi' ? Math.max(1, platform === 'Web' ? settings.maxWeb : settings.maxPerPlatform) : 1;
  const competing = existing.filter(sameSlot).sort((a, b) => a.loginAtMs - b.loginAtMs);
  // The new session takes one slot of `limit`; the oldest beyond that must go.
  const excess = competing.length - (limit - 1);
  return excess > 0 ? competing.slice(0, excess) : [];
}
