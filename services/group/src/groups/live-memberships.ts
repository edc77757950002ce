import type { RedisClient } from '@meridian/platform';
import { GroupKeys } from '../group.keys';

/** How long a user's list of joined AVChatRooms lives without a new join (the audiences stay authoritative). */
const LIVE_ROOMS_TTL_S = 7 * 86_400;

/**
 * Which AVChatRooms a user is in (get_joined_group_list WithHugeGroups): AVChatRooms have no
 * member documents, only each room's audience set, so each user also gets a small set of room
 * ids, added on join and removed on quit (a closed connection quits its rooms).
 */
export async function rememberLiveRoom(redis: RedisClient, sdkAppId: number, user: string, groupId: string): Promise<void> {
  const key = GroupKeys.liveRoomsOf(sdkAppId, user);
  await redis.redis.multi().sadd(key, groupId).expire(key, LIVE_ROOMS_TTL_S).exec();
}

export async function forgetLiveRoom(redis: RedisClient, sdkAppId: number, user: string, groupId: string): Promise<void> {
  await redis.redis.srem(GroupKeys.liveRoomsOf(sdkAppId, user), groupId);
}

/** The AVChatRooms whose audience the user is in now (stale ids, from a room destroyed meanwhile, left out). */
export async function liveRoomsOf(redis: RedisClient, sdkAppId: number, user: string): Promise<string[]> {
  const ids = await redis.redis.smembers(GroupKeys.liveRoomsOf(sdkAppId, user));
  const present = await Promise.all(ids.map(async (id) => (await redis.redis.zscore(GroupKeys.live(sdkAppId, id), user)) !== null));
  return ids.filter((_, i) => present[i]).sort();
}
