import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { TOPICS } from '@meridian/contracts';
import type { platformV1 } from '@meridian/proto';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { EventBus } from '../kafka/event-bus';
import { RedisClient } from '../redis/redis';
import { Probe } from './probe.schema';

type Check = platformV1.CheckResult;

/**
 * Proves a process's wiring end to end: a MongoDB write and read, a Redis round trip, and a Kafka
 * event produced to the service's probe topic and received back by its own consumer.
 */
@Injectable()
export class SelfTestService implements OnModuleInit {
  private readonly waiting = new Map<string, () => void>();

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @InjectModel(Probe.name) private readonly probes: Model<Probe>,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(EventBus) private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'probe',
      topics: [TOPICS.probe(this.config.service)],
      // Per instance: the instance that produced a probe must be the one that sees it.
      perInstance: true,
      fromBeginning: false,
      handler: async ({ envelope }) => {
        const nonce = envelope.probe?.nonce;
        if (nonce) this.waiting.get(nonce)?.();
      },
    });
  }

  async run(nonce: string): Promise<platformV1.SelfTestResponse> {
    const checks = [
      await this.timed('mongo', async () => {
        await this.probes.create({ nonce, instanceId: this.config.instanceId, createdAt: new Date() });
        const back = await this.probes.findOne({ nonce }).lean();
        if (back?.instanceId !== this.config.instanceId) throw new Error('document read back differs');
        await this.probes.deleteOne({ nonce });
        return `wrote, read and deleted a document in ${this.config.mongo.database}.platform_probes`;
      }),
      await this.timed('redis', async () => {
        const key = `probe:${nonce}`;
        await this.redis.redis.set(key, this.config.instanceId, 'EX', 60);
        const back = await this.redis.redis.get(key);
        if (back !== this.config.instanceId) throw new Error('value read back differs');
        return 'SET/GET round trip';
      }),
      await this.timed('kafka', async () => {
        const received = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('probe event not consumed in time')), this.config.selfTestTimeoutMs);
          this.waiting.set(nonce, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        try {
          await this.bus.publish(TOPICS.probe(this.config.service), nonce, { probe: { service: this.config.service, nonce } });
          await received;
        } finally {
          this.waiting.delete(nonce);
        }
        return `produced and consumed ${this.bus.topic(TOPICS.probe(this.config.service))}`;
      }),
    ];
    return { service: this.config.service, region: this.config.region, ok: checks.every((c) => c.ok), checks };
  }

  private async timed(name: string, fn: () => Promise<string>): Promise<Check> {
    const started = Date.now();
    try {
      const detail = await fn();
      return { name, ok: true, latencyMs: String(Date.now() - started), detail };
    } catch (err) {
      return { name, ok: false, latencyMs: String(Date.now() - started), detail: (err as Error).message };
    }
  }
}
