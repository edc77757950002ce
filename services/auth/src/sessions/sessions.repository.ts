import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import type { Platform } from '@meridian/contracts';
import { AuthKeys } from '../auth.keys';

export interface SessionRecord {
  loginId: string;
  userId: string;
  platform: Platform;
  gatewayRegion: string;
  gatewayInstance: string;
  connectionId: string;
  gatewayAddress: string;
  loginAtMs: number;
  expiresAtMs: number;
  /** The client's address at login (callbacks' ClientIP). */
  clientIp?: string;
}

/** Refreshes the expiry of the sessions that still exist; returns the ids that do not. */
const TOUCH_SCRIPT = `
local gone = {}
local alive = 0
for i = 3, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local s = cjson.decode(v)
    s['expiresAtMs'] = tonumber(ARGV[1])
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(s))
    alive = alive + 1
  else
    table.insert(gone, ARGV[i])
  end
end
if alive > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return gone`;

const LOCK_TTL_MS = 3000;

/** The online-session registry of the home region: one Redis hash per user, loginId → session. */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(RedisClient) private readonly client: RedisClient) {}

  /** The users of an app with a session record (a SCAN: for app deletion, not the hot path). */
  async usersWithSessions(sdkAppId: number): Promise<string[]> {
    const redis = this.client.redis;
    const prefix = `${redis.options.keyPrefix ?? ''}${AuthKeys.sessions(sdkAppId, '')}`;
    const users = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const k of keys) users.add(k.slice(prefix.length));
    } while (cursor !== '0');
    return [...users];
  }

  async list(sdkAppId: number, userId: string): Promise<SessionRecord[]> {
    const all = await this.client.redis.hgetall(AuthKeys.sessions(sdkAppId, userId));
    return Object.values(all).map((v) => JSON.parse(v) as SessionRecord);
  }

  /** Adds one session and removes others in one MULTI; the hash expires ttlSeconds after the last login. */
  async replace(sdkAppId: number, userId: string, add: SessionRecord, remove: string[], ttlSeconds: number): Promise<void> {
    const key = AuthKeys.sessions(sdkAppId, userId);
    const tx = this.client.redis.multi();
    if (remove.length) tx.hdel(key, ...remove);
    tx.hset(key, add.loginId, JSON.stringify(add)).expire(key, ttlSeconds);
    await tx.exec();
  }

  /** Extends the given sessions of one user to expiresAtMs, atomically; returns the ids that are gone. */
  async touch(sdkAppId: number, userId: string, loginIds: string[], expiresAtMs: number, ttlSeconds: number): Promise<string[]> {
    const gone = (await this.client.redis.eval(TOUCH_SCRIPT, 1, AuthKeys.sessions(sdkAppId, userId), expiresAtMs, ttlSeconds, ...loginIds)) as string[];
    return gone ?? [];
  }

  async remove(sdkAppId: number, userId: string, loginIds: string[]): Promise<number> {
    if (!loginIds.length) return 0;
    return this.client.redis.hdel(AuthKeys.sessions(sdkAppId, userId), ...loginIds);
  }

  /**
   * Runs fn while holding a short per-user lock, so two logins of one user cannot both decide
   * from the same view of the registry. Waits briefly for a held lock.
   */
  async withUserLock<T>(sdkAppId: number, userId: string, fn: () => Promise<T>): Promise<T> {
    const key = AuthKeys.loginLock(sdkAppId, userId);
    const token = randomUUID();
    const deadline = Date.now() + LOCK_TTL_MS;
    while ((await this.client.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error('session registry busy');
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
    try {
      return await fn();
    } finally {
      // Release only our own lock (it may have expired and been taken by someone else).
      await this.client.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, key, token);
    }
  }
}
