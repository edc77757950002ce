import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { HealthRegistry } from '../health/health';

/**
 * The service's Redis connection. Every key is prefixed with <region prefix><service>: so a
 * service can only ever see its own keys; each service names its keys in one <service>.keys.ts.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly redis: Redis;
  private readonly logger = new Logger(RedisClient.name);
  private lastErrorLog = 0;

  constructor(@Inject(PLATFORM_CONFIG) config: PlatformConfig, @Inject(HealthRegistry) health: HealthRegistry) {
    this.redis = new Redis(config.redis.url, {
      keyPrefix: config.redis.keyPrefix,
      connectionName: config.instanceId,
      maxRetriesPerRequest: 3,
      retryStrategy: (times) => Math.min(times * 200, 3000),
    });
    // ioredis reconnects by itself; log the outage at most every 5 s instead of per attempt.
    this.redis.on('error', (err: Error) => {
      if (Date.now() - this.lastErrorLog < 5000) return;
      this.lastErrorLog = Date.now();
      this.logger.warn({ error: err.message }, 'Redis connection error');
    });
    health.register('redis', async () => {
      if ((await this.redis.ping()) !== 'PONG') throw new Error('unexpected PING answer');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
