import { Inject, Injectable, Logger } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { EventBus } from '@meridian/platform';
import { AppCallbacksCache, type AppCallbackSettings } from '../apps/app-callbacks.cache';
import { CALLBACK_CONFIG, type CallbackConfig } from '../callback.config';
import { RetryRepository, type RetryInput } from '../retries/retry.repository';
import { HttpSender } from '../sender/http-sender';

/**
 * After-callbacks: one attempt now, then the durable retry queue with exponential backoff and
 * jitter, then the dead letters. Every step is durable before the caller moves on, so the Kafka
 * offset of the source event is committed only once its callback is delivered, queued or buried.
 */
@Injectable()
export class AfterService {
  private readonly logger = new Logger(AfterService.name);

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    @Inject(AppCallbacksCache) private readonly apps: AppCallbacksCache,
    @Inject(HttpSender) private readonly sender: HttpSender,
    @Inject(RetryRepository) private readonly repo: RetryRepository,
    @Inject(EventBus) private readonly bus: EventBus,
  ) {}

  /** First attempt of a new after-callback (from the Kafka consumer). */
  async deliverNew(app: AppCallbackSettings, cb: Omit<RetryInput, 'attempts' | 'firstAttemptMs' | 'lastError'>): Promise<void> {
    const input: RetryInput = { ...cb, attempts: 0, firstAttemptMs: Date.now(), lastError: '' };
    await this.attempt(app, input);
  }

  /**
   * One attempt of a queued or new callback; afterwards it is delivered, queued again or buried.
   * Not attempted while the app's breaker is open or its concurrency is used up: then queued
   * again without spending an attempt.
   */
  async attempt(app: AppCallbackSettings, input: RetryInput): Promise<void> {
    const res = await this.sender.send(
      app,
      { sdkAppId: input.sdkAppId, command: input.command, body: JSON.parse(input.body) as Record<string, unknown>, optPlatform: input.optPlatform, clientIp: input.clientIp ?? '', eventId: input.callbackId },
      'after',
      false,
    );
    if (res.ok) return;
    if (res.skipped) {
      const wait = this.sender.breakerOpen(input.sdkAppId) ? this.config.MERIDIAN_CALLBACK_BREAKER_OPEN_MS : this.config.MERIDIAN_CALLBACK_RETRY_POLL_MS;
      await this.repo.schedule({ ...input, lastError: res.error }, Date.now() + wait * (0.5 + Math.random()));
      return;
    }
    const next: RetryInput = { ...input, attempts: input.attempts + 1, lastError: res.error };
    if (next.attempts >= this.config.MERIDIAN_CALLBACK_RETRY_MAX_ATTEMPTS) {
      await this.bury(next);
      return;
    }
    await this.repo.schedule(next, Date.now() + this.backoff(next.attempts));
  }

  /** A callback whose app no longer wants it (URL removed, command disabled) is simply dropped. */
  async bury(input: RetryInput): Promise<void> {
    this.logger.warn({ sdkAppId: input.sdkAppId, command: input.command, callbackId: input.callbackId, attempts: input.attempts, error: input.lastError }, 'after-callback dead-lettered');
    await this.bus.publish(
      TOPICS.callbackDlq,
      String(input.sdkAppId),
      {
        callbackDeadLettered: {
          callbackId: input.callbackId,
          command: input.command,
          bodyJson: Buffer.from(input.body),
          attempts: input.attempts,
          lastError: input.lastError,
          firstAttemptMs: String(input.firstAttemptMs),
          optPlatform: input.optPlatform,
        },
      },
      { sdkAppId: input.sdkAppId },
    );
    await this.repo.bury(input, Date.now());
  }

  /** Full jitter over an exponentially growing, capped window (never below half of it). */
  backoff(attempts: number): number {
    const window = Math.min(this.config.MERIDIAN_CALLBACK_RETRY_MAX_MS, this.config.MERIDIAN_CALLBACK_RETRY_BASE_MS * 2 ** (attempts - 1));
    return window * (0.5 + Math.random() / 2);
  }

  settings(sdkAppId: number): Promise<AppCallbackSettings | null> {
    return this.apps.get(sdkAppId);
  }
}
