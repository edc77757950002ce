import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import { AfterService } from '../after/after.service';
import { CALLBACK_CONFIG, type CallbackConfig } from '../callback.config';
import { CallbackKeys } from '../callback.keys';
import { RetryRepository } from './retry.repository';
import type { RetryDoc } from './retry.schema';

/**
 * Works through due retries on every instance. A retry is claimed in Redis for the length of one
 * call (plus a margin) so two instances do not send it at once; the claim of an instance that dies
 * mid-call expires and another instance takes the retry over (at least once, never lost).
 */
@Injectable()
export class RetryDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetryDispatcher.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    @Inject(RetryRepository) private readonly repo: RetryRepository,
    @Inject(AfterService) private readonly after: AfterService,
    @Inject(RedisClient) private readonly redis: RedisClient,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: Error) => this.logger.warn({ error: err.message }, 'retry pass failed'))
        .finally(() => this.schedule());
    }, this.config.MERIDIAN_CALLBACK_RETRY_POLL_MS);
  }

  /** One pass over what is due now. */
  async tick(): Promise<void> {
    const due = await this.repo.due(Date.now(), this.config.MERIDIAN_CALLBACK_RETRY_BATCH);
    await Promise.all(due.map((doc) => this.run(doc)));
  }

  private async run(doc: RetryDoc): Promise<void> {
    const app = await this.after.settings(doc.sdkAppId).catch(() => undefined);
    if (app === undefined) return; // auth unreachable: try again next pass
    const claimMs = (app?.timeoutMs ?? this.config.MERIDIAN_CALLBACK_DEFAULT_TIMEOUT_MS) * 2 + 1000;
    const claimed = await this.redis.redis.set(CallbackKeys.claim(doc._id), '1', 'PX', claimMs, 'NX');
    if (claimed !== 'OK') return;
    const { _id, ...input } = doc;
    if (!app || !app.commands.has(doc.command)) {
      // The app turned this callback off while it waited: it is not wanted any more.
      await this.repo.remove(_id);
      return;
    }
    await this.after.attempt(app, input);
    await this.repo.remove(_id);
  }
}
