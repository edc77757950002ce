import { randomInt } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS } from '@meridian/contracts';
import { EventBus, GrpcClients } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { AudienceService } from '../audience/audience.service';
import { PUSH_CONFIG, type PushConfig } from '../push.config';
import { DeliveryRouter } from '../routing/delivery-router.service';
import { BroadcastRepository } from './broadcast.repository';
import type { BroadcastDoc } from './broadcast.schema';

export interface StartBroadcast {
  sdkAppId: number;
  fromAccount: string;
  msgRandom: number;
  msgLifeTime: number;
  condition: BroadcastDoc['condition'];
  msgBody: string;
  offlinePushInfo: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Pushes to all of an app's users or to an audience: accepted at once with a TaskId, then worked
 * through page by page from Kafka at a paced rate, recording a cursor so a restart resumes.
 */
@Injectable()
export class BroadcastService {
  private readonly logger = new Logger(BroadcastService.name);

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(BroadcastRepository) private readonly repo: BroadcastRepository,
    @Inject(AudienceService) private readonly audience: AudienceService,
    @Inject(DeliveryRouter) private readonly router: DeliveryRouter,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(EventBus) private readonly bus: EventBus,
  ) {}

  async start(input: StartBroadcast): Promise<string> {
    await this.audience.checkCondition(input.sdkAppId, input.condition);
    if (!(await this.repo.claimGap(input.sdkAppId))) throw new MeridianError(ErrorCode.PUSH_TOO_FREQUENT, 'pushes to all users must be at least 1 s apart');
    if ((await this.repo.countToday(input.sdkAppId)) > this.config.MERIDIAN_PUSH_BROADCASTS_PER_DAY) {
      throw new MeridianError(ErrorCode.PUSH_DAILY_LIMIT, `at most ${this.config.MERIDIAN_PUSH_BROADCASTS_PER_DAY} pushes to all users per day`);
    }
    const taskId = `${input.sdkAppId}_${Date.now()}_${randomInt(0, 2 ** 32 - 1)}_${randomInt(0, 2 ** 24)}`;
    const now = new Date();
    await this.repo.create({
      _id: taskId,
      sdkAppId: input.sdkAppId,
      state: 'Pending',
      condition: input.condition,
      fromAccount: input.fromAccount,
      msgRandom: input.msgRandom,
      msgLifeTime: input.msgLifeTime,
      msgBody: input.msgBody,
      offlinePushInfo: input.offlinePushInfo,
      cursor: '',
      recipients: 0,
      deliveredOnline: 0,
      offline: 0,
      createdAt: now,
      updatedAt: now,
    });
    await this.bus.publish(TOPICS.broadcasts, String(input.sdkAppId), { broadcastRequested: { taskId } }, { sdkAppId: input.sdkAppId });
    return taskId;
  }

  find(taskId: string): Promise<BroadcastDoc | null> {
    return this.repo.find(taskId);
  }

  /** Works a task to its end (or resumes it), paced; called by the broadcast consumer. */
  async run(taskId: string, heartbeat: () => Promise<void>): Promise<void> {
    const task = await this.repo.find(taskId);
    if (!task || task.state === 'Done') return;
    await this.repo.progress(taskId, { state: 'Running' });
    const pageSize = this.config.MERIDIAN_PUSH_BROADCAST_PAGE;
    const msgTime = Math.floor(task.createdAt.getTime() / 1000);
    const body = Buffer.from(
      JSON.stringify({
        TaskId: task._id,
        From_Account: task.fromAccount,
        MsgRandom: task.msgRandom,
        MsgTime: msgTime,
        MsgBody: JSON.parse(task.msgBody) as unknown,
      }),
    );
    let { cursor, recipients, deliveredOnline, offline } = task;
    const hasCondition = Object.values(task.condition ?? {}).some((v) => (Array.isArray(v) ? v.length : v && Object.keys(v).length));
    for (;;) {
      const started = Date.now();
      const users = hasCondition
        ? await this.audience.page(task.sdkAppId, task.condition, cursor, pageSize)
        : (await this.clients.service<authV1.AuthServiceClient>('auth').listAccounts({ sdkAppId: task.sdkAppId, after: cursor, limit: pageSize })).userIds;
      if (!users.length) break;
      const outcome = await this.router.route(`${taskId}:${cursor}`, task.sdkAppId, {
        recipients: users,
        kind: 'broadcast',
        body,
        conversationId: `broadcast:${taskId}`,
        seq: '0',
        excludeLoginId: '',
        offlinePush: Buffer.from(task.offlinePushInfo),
        onlineOnlyRecipients: [],
      });
      cursor = users[users.length - 1]!;
      recipients += users.length;
      deliveredOnline += outcome.acked;
      offline += outcome.offline.length;
      await this.repo.progress(taskId, { cursor, recipients, deliveredOnline, offline });
      await heartbeat();
      // Pace: a page of N users takes at least N / rate seconds.
      const minMs = (users.length / this.config.MERIDIAN_PUSH_BROADCAST_RATE) * 1000;
      const spent = Date.now() - started;
      if (spent < minMs) await sleep(minMs - spent);
    }
    await this.repo.progress(taskId, { state: 'Done' });
    this.logger.log({ taskId, recipients, deliveredOnline, offline }, 'broadcast done');
  }
}
