import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { LockedJob, Metrics, RedisClient } from '@meridian/platform';
import { GROUP_CONFIG, type GroupConfig } from '../group.config';
import { GroupKeys } from '../group.keys';
import { GroupsRepository } from './groups.repository';

/**
 * Roaming retention of group messages: messages past their `expiresAt` (MERIDIAN_GROUP_ROAMING_DAYS
 * after sending) are deleted, by one group instance per region at a time (LockedJob). Before a
 * group's messages go, its highest deleted seq is kept on the group as `seqFloor`, so a sequence
 * rebuilt after a Redis loss never reuses a number even when no message is left.
 */
@Injectable()
export class GroupRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GroupRetentionService.name);
  private readonly purged: Counter;
  private readonly job: LockedJob;

  constructor(
    @Inject(GROUP_CONFIG) private readonly config: GroupConfig,
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
    @Inject(RedisClient) redis: RedisClient,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.purged = new Counter({ name: 'meridian_group_retention_purged_total', help: 'Group messages removed by the retention job', registers: [metrics.registry] });
    this.job = new LockedJob(redis.redis, GroupKeys.retentionLock(), config.MERIDIAN_GROUP_RETENTION_INTERVAL_S, this.logger, () => this.purge());
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One run of the holder of the lock. */
  private async purge(): Promise<void> {
    const started = Date.now();
    const batchSize = this.config.MERIDIAN_GROUP_RETENTION_BATCH;
    const now = new Date();
    let messages = 0;
    for (;;) {
      const batch = await this.repo.expiredMessages(now, batchSize);
      if (!batch.length) break;
      const floors = new Map<string, { sdkAppId: number; groupId: string; seq: number }>();
      for (const m of batch) {
        const k = `${m.sdkAppId}:${m.groupId}`;
        if ((floors.get(k)?.seq ?? 0) < m.seq) floors.set(k, { sdkAppId: m.sdkAppId, groupId: m.groupId, seq: m.seq });
      }
      for (const f of floors.values()) await this.repo.raiseSeqFloor(f.sdkAppId, f.groupId, f.seq);
      messages += await this.repo.deleteMessages(batch.map((m) => m._id));
      if (batch.length < batchSize) break;
    }
    this.purged.inc(messages);
    if (messages) this.logger.log({ messages, ms: Date.now() - started }, 'group retention purge');
  }
}
