import type { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A periodic job one instance of a service runs at a time (retention purges): every
 * `intervalS` each instance tries a Redis lock (`SET NX EX`), the holder runs, then releases
 * only its own lock. A holder that dies leaves a lock that expires by itself after
 * max(interval, 60 s). A run is never started while the previous one of this instance runs.
 */
export class LockedJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly lockKey: string,
    private readonly intervalS: number,
    private readonly logger: Logger,
    private readonly run: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((err: unknown) => this.logger.error({ err, job: this.lockKey }, 'periodic job failed'))
        .finally(() => (this.running = undefined));
    }, this.intervalS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run, when this instance gets the lock. */
  private async runOnce(): Promise<void> {
    const token = `${process.pid}:${Date.now()}:${Math.random()}`;
    if ((await this.redis.set(this.lockKey, token, 'EX', Math.max(this.intervalS, 60), 'NX')) !== 'OK') return;
    try {
      await this.run();
    } finally {
      await this.redis.eval(RELEASE, 1, this.lockKey, token);
    }
  }
}
