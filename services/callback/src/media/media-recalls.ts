import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TOPICS, keyOfUuid, mediaKeys, userFolder } from '@meridian/contracts';
import { EventBus, ObjectStorage, PLATFORM_CONFIG, RedisClient, type PlatformConfig } from '@meridian/platform';
import { CALLBACK_CONFIG, type CallbackConfig } from '../callback.config';
import { CallbackKeys } from '../callback.keys';

/** The UUIDs of media elements in a Tencent MsgBody (JSON text). */
export function mediaUuids(msgBody: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(msgBody);
  } catch {
    return [];
  }
  if (!Array.isArray(body)) return [];
  const out: string[] = [];
  for (const el of body as { MsgType?: unknown; MsgContent?: Record<string, unknown> }[]) {
    const c = el?.MsgContent;
    if (!c || typeof c !== 'object') continue;
    const uuid = el.MsgType === 'TIMVideoFileElem' ? c['VideoUUID'] : c['UUID'];
    if (typeof uuid === 'string') out.push(uuid);
  }
  return out;
}

/**
 * Recalling a 1:1 message deletes the media objects it carries (docs/media.md): a stored
 * message's objects are remembered by its MsgKey, and its recall deletes them with their variants.
 * Only the sender's own objects count: a message quoting someone else's UUID cannot delete it.
 * Group recalls do not delete yet (their event carries no body to match).
 */
@Injectable()
export class MediaRecalls implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MediaRecalls.name);
  private readonly storage: ObjectStorage | undefined;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(PLATFORM_CONFIG) platform: PlatformConfig,
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
  ) {
    this.storage = platform.storage ? new ObjectStorage(platform.storage) : undefined;
  }

  onModuleInit(): void {
    if (!this.storage) return;
    this.bus.subscribe({
      name: 'media-recalls',
      topics: [TOPICS.c2cMessages],
      handler: async ({ envelope }) => {
        const sdkAppId = envelope.sdkAppId;
        const stored = envelope.c2cMessageStored;
        if (stored) {
          const own = `${userFolder(sdkAppId, stored.fromAccount)}/`;
          const keys = mediaUuids(Buffer.from(stored.msgBody).toString('utf8'))
            .map(keyOfUuid)
            .filter((k): k is string => k !== undefined && k.startsWith(own));
          if (keys.length) await this.redis.redis.set(CallbackKeys.mediaOfMessage(sdkAppId, stored.conversationId, stored.msgKey), JSON.stringify(keys), 'EX', this.config.MERIDIAN_MEDIA_EXPIRE_DAYS * 86_400);
          return;
        }
        const recalled = envelope.c2cMessageRecalled;
        if (!recalled) return;
        const record = CallbackKeys.mediaOfMessage(sdkAppId, recalled.conversationId, recalled.msgKey);
        const v = await this.redis.redis.get(record);
        if (!v) return;
        const doomed = (JSON.parse(v) as string[]).flatMap((key) => {
          const [app, user, name] = key.split('/') as [string, string, string];
          const k = mediaKeys(`${app}/${user}`, name);
          return [k.original, k.large, k.thumb, k.meta];
        });
        await this.storage!.delete(doomed);
        await this.redis.redis.del(record);
        this.logger.log({ sdkAppId, objects: doomed.length }, "deleted a recalled message's media");
      },
    });
  }

  onApplicationShutdown(): void {
    this.storage?.destroy();
  }
}
