import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import { GroupKeys } from '../group.keys';

/** How long a user's list of joined AVChatRooms lives without a new join (the audiences stay authoritative). */
const LIVE_ROOMS_TTL_S = 7 * 86_400;

/**
 * AVChatRoom state in Redis: each room's audience (user ids scored by join time), the gateway
 * instances holding its connections and their delivery failures, batched member tips, and each
 * user's set of joined rooms (get_joined_group_list WithHugeGroups: AVChatRooms have no member
 * documents, so each user also gets a small set of room ids, added on join and removed on quit).
 */
@Injectable()
export class LiveRoomsRepository {
  constructor(@Inject(RedisClient) private readonly redis: RedisClient) {}

  /** `gateway` is "<region>|<address>" of the instance holding the connection, when known. */
  async join(sdkAppId: number, groupId: string, user: string, joinTime: number, gateway?: string): Promise<void> {
    const r = this.redis.redis;
    await r.zadd(GroupKeys.live(sdkAppId, groupId), joinTime, user);
    const rooms = GroupKeys.liveRoomsOf(sdkAppId, user);
    await r.multi().sadd(rooms, groupId).expire(rooms, LIVE_ROOMS_TTL_S).exec();
    if (gateway !== undefined) await r.hincrby(GroupKeys.liveGateways(sdkAppId, groupId), gateway, 1);
  }

  async leave(sdkAppId: number, groupId: string, user: string, gateway?: string): Promise<void> {
    const r = this.redis.redis;
    await r.zrem(GroupKeys.live(sdkAppId, groupId), user);
    await r.srem(GroupKeys.liveRoomsOf(sdkAppId, user), groupId);
    if (gateway !== undefined) {
      const gw = GroupKeys.liveGateways(sdkAppId, groupId);
      if ((await r.hincrby(gw, gateway, -1)) <= 0) await r.hdel(gw, gateway);
    }
  }

  /** A destroyed room: its audience, gateways and failures go. */
  async forget(sdkAppId: number, groupId: string): Promise<void> {
    await this.redis.redis.del(GroupKeys.live(sdkAppId, groupId), GroupKeys.liveGateways(sdkAppId, groupId), GroupKeys.liveGatewayFailures(sdkAppId, groupId));
  }

  onlineCount(sdkAppId: number, groupId: string): Promise<number> {
    return this.redis.redis.zcard(GroupKeys.live(sdkAppId, groupId));
  }

  audience(sdkAppId: number, groupId: string): Promise<string[]> {
    return this.redis.redis.zrange(GroupKeys.live(sdkAppId, groupId), 0, -1);
  }

  async isIn(sdkAppId: number, groupId: string, user: string): Promise<boolean> {
    return (await this.redis.redis.zscore(GroupKeys.live(sdkAppId, groupId), user)) !== null;
  }

  /** The AVChatRooms whose audience the user is in now (stale ids, from a room destroyed meanwhile, left out). */
  async roomsOf(sdkAppId: number, user: string): Promise<string[]> {
    const ids = await this.redis.redis.smembers(GroupKeys.liveRoomsOf(sdkAppId, user));
    const present = await Promise.all(ids.map((id) => this.isIn(sdkAppId, id, user)));
    return ids.filter((_, i) => present[i]).sort();
  }

  /** The room's gateways ("<region>|<address>") and those of them currently failing. */
  async gateways(sdkAppId: number, groupId: string): Promise<{ gateways: string[]; failing: Set<string> }> {
    const [gateways, failing] = await Promise.all([
      this.redis.redis.hgetall(GroupKeys.liveGateways(sdkAppId, groupId)).then((h) => Object.keys(h)),
      this.redis.redis.hgetall(GroupKeys.liveGatewayFailures(sdkAppId, groupId)).then((h) => new Set(Object.keys(h))),
    ]);
    return { gateways, failing };
  }

  async clearFailure(sdkAppId: number, groupId: string, gateway: string): Promise<void> {
    await this.redis.redis.hdel(GroupKeys.liveGatewayFailures(sdkAppId, groupId), gateway);
  }

  /** Records a failed delivery; answers since when (ms) the gateway has been failing. */
  async markFailure(sdkAppId: number, groupId: string, gateway: string, nowMs: number): Promise<number> {
    const key = GroupKeys.liveGatewayFailures(sdkAppId, groupId);
    await this.redis.redis.hsetnx(key, gateway, String(nowMs));
    return Number((await this.redis.redis.hget(key, gateway)) ?? nowMs);
  }

  async dropGateway(sdkAppId: number, groupId: string, gateway: string): Promise<void> {
    await this.redis.redis.hdel(GroupKeys.liveGateways(sdkAppId, groupId), gateway);
    await this.redis.redis.hdel(GroupKeys.liveGatewayFailures(sdkAppId, groupId), gateway);
  }

  /**
   * Queues a member for the room's next tip of this kind; answers the window (ms) when this call
   * opened a new one (its caller flushes it), undefined when a window is already open.
   */
  async queueTip(sdkAppId: number, groupId: string, opType: number, user: string, windowMs: (online: number) => number): Promise<number | undefined> {
    const r = this.redis.redis;
    const key = GroupKeys.liveTips(sdkAppId, groupId, opType);
    await r.rpush(key, user);
    if (await r.exists(`${key}:window`)) return undefined;
    const ms = windowMs(await this.onlineCount(sdkAppId, groupId));
    if ((await r.set(`${key}:window`, '1', 'PX', ms, 'NX')) !== 'OK') return undefined;
    return ms;
  }

  /** Takes up to `max` queued members of a tip (the queue empties). */
  async drainTips(sdkAppId: number, groupId: string, opType: number, max: number): Promise<string[]> {
    const key = GroupKeys.liveTips(sdkAppId, groupId, opType);
    const res = await this.redis.redis.multi().lrange(key, 0, max).del(key).exec();
    return (res?.[0]?.[1] as string[] | undefined) ?? [];
  }
}
