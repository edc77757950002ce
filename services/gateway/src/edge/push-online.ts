import type { authV1 } from '@meridian/proto';

/**
 * Tencent's PushOnline: a user with no connection but an offline push registration can still be
 * reached (reference §8.2). Auth knows connections, push knows registrations: an `Offline` result
 * becomes `PushOnline` when push names a platform for the user, with a PushOnline detail per
 * registered platform.
 */
export async function withPushOnline(results: authV1.UserOnlineStatus[], registrations: (userIds: string[]) => Promise<{ userId: string; platform: string }[]>): Promise<authV1.UserOnlineStatus[]> {
  const offline = results.filter((r) => r.state === 'Offline').map((r) => r.userId);
  if (!offline.length) return results;
  const platforms = new Map<string, string[]>();
  for (const reg of await registrations(offline)) platforms.set(reg.userId, [...(platforms.get(reg.userId) ?? []), reg.platform]);
  return results.map((r) => {
    const on = r.state === 'Offline' ? platforms.get(r.userId) : undefined;
    return on ? { ...r, state: 'PushOnline', detail: [...r.detail, ...on.map((platform) => ({ platform, status: 'PushOnline' }))] } : r;
  });
}
