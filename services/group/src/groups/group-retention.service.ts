import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { type LockedJob, Metrics, purgeExpired } from '@meridian/platform';
import { GROUP_CONFIG, type GroupConfig } from '../group.config';
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
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.purged = new Counter({ name: 'meridian_group_retention_purged_total', help: 'Group messages removed by the retention job', registers: [metrics.registry] });
    this.job = repo.retentionJob(config.MERIDIAN_GROUP_RETENTION_INTERVAL_S, this.logger, () => this.purge());
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
    const now = new Date();
    const messages = await purgeExpired(
      {
        expired: (limit) => this.repo.expiredMessages(now, limit),
        streamOf: (m) => `${m.sdkAppId}:${m.groupId}`,
        raiseFloor: (m) => this.repo.raiseSeqFloor(m.sdkAppId, m.groupId, m.seq),
        deleteIds: (ids) => this.repo.deleteMessages(ids),
      },
      this.config.MERIDIAN_GROUP_RETENTION_BATCH,
    );
    this.purged.inc(messages);
    if (messages) this.logger.log({ messages, ms: Date.now() - started }, 'group retention purge');
  }
}
