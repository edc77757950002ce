import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TOPICS, keyOfUuid, mediaKeys, userFolder } from '@meridian/contracts';
import { EventBus, ObjectStorage, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import type { recallEventsV1 } from '@meridian/proto';

/**
 * The objects a recalled message takes with it: the originals and variants of its media that are
 * the sender's own (under the sender's folder in this app). A UUID of someone else's object quoted
 * in the message, of another app, or not one of ours at all, is left alone.
 */
export function recalledObjectKeys(sdkAppId: number, message: Pick<recallEventsV1.RecalledMessage, 'fromAccount' | 'mediaUuids'>): string[] {
  const folder = userFolder(sdkAppId, message.fromAccount);
  const names = new Set<string>();
  for (const uuid of message.mediaUuids) {
    const key = keyOfUuid(uuid);
    if (key?.startsWith(`${folder}/`)) names.add(key.slice(folder.length + 1));
  }
  return [...names].flatMap((name) => {
    const k = mediaKeys(folder, name);
    return [k.original, k.large, k.thumb, k.meta];
  });
}

/**
 * Recalling a message, 1:1 or group, deletes the media objects it carries (docs/media.md). The
 * recalling service produces the recall with the message's media UUIDs to a topic of recalls only
 * (chat.c2c-recalls.v1, group.recalls.v1) before it answers; this consumer reads those and no
 * message. Idempotent: deleting what is gone already is no error.
 */
@Injectable()
export class MediaRecalls implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MediaRecalls.name);
  private readonly storage: ObjectStorage | undefined;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(PLATFORM_CONFIG) platform: PlatformConfig,
  ) {
    this.storage = platform.storage ? new ObjectStorage(platform.storage) : undefined;
  }

  onModuleInit(): void {
    if (!this.storage) return;
    this.bus.subscribe({
      name: 'media-recalls',
      topics: [TOPICS.c2cRecalls, TOPICS.groupRecalls],
      // From the beginning when the group is new (these topics are small): a recall made before
      // this group first joined (a fresh deployment, an upgrade) still deletes its objects.
      fromBeginning: true,
      handler: async ({ envelope }) => {
        const recalled = envelope.messagesRecalled;
        if (recalled) await this.delete(envelope.sdkAppId, recalled);
      },
    });
  }

  /** Deletes the sender's own objects of every recalled message; returns how many keys. */
  async delete(sdkAppId: number, recalled: Pick<recallEventsV1.MessagesRecalledEvent, 'messages'>): Promise<number> {
    const doomed = recalled.messages.flatMap((m) => recalledObjectKeys(sdkAppId, m));
    if (!doomed.length || !this.storage) return 0;
    await this.storage.delete(doomed);
    this.logger.log({ sdkAppId, messages: recalled.messages.length, objects: doomed.length }, "deleted recalled messages' media");
    return doomed.length;
  }

  onApplicationShutdown(): void {
    this.storage?.destroy();
  }
}
