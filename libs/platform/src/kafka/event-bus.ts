import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type KafkaMessage, type Producer, type LogEntry } from 'kafkajs';
import { MeridianError, isTransientCode } from '@meridian/contracts';
import { eventsV1 } from '@meridian/proto';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { HealthRegistry } from '../health/health';
import { Metrics } from '../metrics/metrics';
import './kafkajs-idle-fix';
import { OffsetCommitter } from './offset-committer';
import { ProduceBatcher } from './produce-batcher';

export type EventEnvelope = eventsV1.EventEnvelope;
/** The payload part of an envelope: exactly one of the oneof fields set. */
export type EventPayload = Partial<Omit<EventEnvelope, 'eventId' | 'type' | 'timeMs' | 'region' | 'sdkAppId' | 'traceId'>>;

export interface PublishOptions {
  sdkAppId?: number;
  traceId?: string;
}

export interface ConsumedEvent {
  envelope: EventEnvelope;
  topic: string;
  partition: number;
  offset: string;
  key: string;
  /** Long handlers call this now and then so the group does not think the consumer died. */
  heartbeat: () => Promise<void>;
}

export interface Subscription {
  /** Consumer group suffix, unique within the service: the group is <topicPrefix><service>.<name>. */
  name: string;
  /** Logical topic names from the catalogue (the region prefix is added here). */
  topics: string[];
  /** One record at a time (per partition, or per key with keyConcurrency). Exactly one of handler and batchHandler. */
  handler?: (event: ConsumedEvent) => Promise<void>;
  /**
   * Instead of `handler`: all records of one partition's fetched batch at once, in offset order,
   * for handlers that write once per batch (the conversation projection). The batch's offsets are
   * marked handled when it returns; when it throws, the whole batch is handled again (handlers are
   * idempotent). A record that cannot be decoded is skipped and counted as rejected.
   */
  batchHandler?: (events: ConsumedEvent[]) => Promise<void>;
  /** A group per process instead of per service: every instance then sees every record. */
  perInstance?: boolean;
  fromBeginning?: boolean;
  /** Partitions handled at once (records within one partition stay in order). Default 1. */
  partitionsConcurrently?: number;
  /**
   * Records of different keys within one partition's batch handled at once, up to this many keys
   * (records of one key stay in order). For handlers that wait on something slow per record
   * (push waits for client acks across regions), so one partition is not one record at a time.
   * Offsets are committed up to the first record not yet handled; after a failure the records
   * from there are handled again (handlers are idempotent). Default: off (one record at a time).
   */
  keyConcurrency?: number;
}

interface ConsumerEntry {
  consumer: Consumer;
  groupId: string;
  joined: boolean;
  committer: OffsetCommitter;
}

export const KAFKA_TOPICS = Symbol('KAFKA_TOPICS');

const EVENT_TYPE_HEADER = 'meridian-event-type';

/**
 * The one Kafka adapter: typed envelopes out, typed envelopes in. Topics are created at start-up
 * (never lazily by a first produce); consumers start after every module has subscribed.
 */
@Injectable()
export class EventBus implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventBus.name);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly subscriptions: Subscription[] = [];
  private readonly consumers: ConsumerEntry[] = [];
  private producerConnected = false;
  private readonly batcher: ProduceBatcher;
  private stopping = false;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(KAFKA_TOPICS) private readonly topics: string[],
  ) {
    this.kafka = new Kafka({
      clientId: config.kafka.clientId,
      brokers: config.kafka.brokers,
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 8 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => this.logKafka(entry),
    });
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.admin = this.kafka.admin();
    this.batcher = new ProduceBatcher(async (topicMessages) => {
      await this.producer.sendBatch({ acks: -1, topicMessages });
    });
    health.register('kafka', async () => {
      if (!this.producerConnected) throw new Error('producer not connected');
      const waiting = this.consumers.filter((c) => !c.joined).map((c) => c.groupId);
      if (waiting.length) throw new Error(`consumer groups not joined: ${waiting.join(', ')}`);
    });
  }

  /** Full topic name in this region. */
  topic(name: string): string {
    return `${this.config.kafka.topicPrefix}${name}`;
  }

  subscribe(subscription: Subscription): void {
    if (this.consumers.length) throw new Error('subscribe() must be called before the application starts');
    if (!subscription.handler === !subscription.batchHandler) throw new Error(`subscription ${subscription.name}: exactly one of handler and batchHandler`);
    if (subscription.batchHandler && subscription.keyConcurrency) throw new Error(`subscription ${subscription.name}: batchHandler and keyConcurrency do not combine`);
    this.subscriptions.push(subscription);
  }

  async onModuleInit(): Promise<void> {
    await this.admin.connect();
    await this.ensureTopics(this.topics);
    await this.producer.connect();
    this.producerConnected = true;
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.producerConnected = false;
    });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.producerConnected = true;
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const sub of this.subscriptions) await this.startConsumer(sub);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Handled offsets are committed while the consumers are still members of their groups.
    await Promise.allSettled(this.consumers.map((c) => c.committer.close()));
    await Promise.allSettled(this.consumers.map((c) => c.consumer.disconnect()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  /**
   * Creates missing topics and waits until each has a leader. Several processes start at once and
   * race to create the same topics, and a just-created topic briefly answers "does not host this
   * topic-partition", so the whole check is retried with backoff.
   */
  async ensureTopics(names: string[], attempts = 8): Promise<void> {
    const wanted = names.map((n) => this.topic(n));
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await this.admin.listTopics());
        const missing = wanted.filter((t) => !existing.has(t));
        if (missing.length) {
          await this.admin.createTopics({
            waitForLeaders: false,
            topics: missing.map((topic) => ({
              topic,
              numPartitions: this.config.kafka.partitions,
              replicationFactor: this.config.kafka.replication,
            })),
          });
          this.logger.log({ topics: missing }, 'created Kafka topics');
        }
        const { topics } = await this.admin.fetchTopicMetadata({ topics: wanted });
        const leaderless = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
        if (!leaderless.length) return;
        throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
      } catch (err) {
        if (attempt >= attempts) throw err;
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 3000) * (0.5 + Math.random() / 2)));
      }
    }
  }

  /**
   * Produces one event and resolves once the broker has it on all in-sync replicas (acks=-1):
   * callers acknowledge their own clients only after this resolves.
   */
  async publish(topicName: string, key: string, payload: EventPayload, options: PublishOptions = {}): Promise<EventEnvelope> {
    const [envelope] = await this.publishAll([{ topic: topicName, key, payload }], options);
    return envelope!;
  }

  /**
   * Produces several events in one request (and in the same request as whatever else this process
   * publishes meanwhile: see ProduceBatcher); resolves once the broker has all of them on every
   * in-sync replica. One send's stored event and deliveries go out this way: one round trip.
   */
  async publishAll(events: { topic: string; key: string; payload: EventPayload }[], options: PublishOptions = {}): Promise<EventEnvelope[]> {
    const envelopes = events.map(({ payload }) => {
      const type = payloadType(payload);
      return {
        eventId: randomUUID(),
        type,
        timeMs: String(Date.now()),
        region: this.config.region,
        sdkAppId: options.sdkAppId ?? 0,
        traceId: options.traceId ?? '',
        ...payload,
      } as EventEnvelope;
    });
    const records = envelopes.map((envelope, i) => ({
      topic: this.topic(events[i]!.topic),
      key: events[i]!.key,
      value: Buffer.from(eventsV1.EventEnvelope.encode(envelope).finish()),
      headers: { [EVENT_TYPE_HEADER]: envelope.type, 'meridian-event-id': envelope.eventId },
    }));
    try {
      await this.batcher.enqueue(records);
      for (const e of events) this.metrics.kafkaProduced.inc({ topic: e.topic, result: 'ok' });
      return envelopes;
    } catch (err) {
      for (const e of events) this.metrics.kafkaProduced.inc({ topic: e.topic, result: 'error' });
      throw err;
    }
  }

  private async startConsumer(sub: Subscription): Promise<void> {
    const base = `${this.config.kafka.topicPrefix}${this.config.service}.${sub.name}`;
    const groupId = sub.perInstance ? `${base}.${this.config.instanceId}` : base;
    const sessionTimeout = this.config.kafka.sessionTimeoutMs;
    const consumer = this.kafka.consumer({ groupId, sessionTimeout, heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)) });
    const committer = new OffsetCommitter(
      (offsets) => consumer.commitOffsets(offsets),
      this.config.kafka.commitIntervalMs,
      (err) => this.logger.warn({ groupId, error: (err as Error).message }, 'committing consumed offsets failed; retried with the next commit'),
    );
    const entry = { consumer, groupId, joined: false, committer };
    this.consumers.push(entry);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      entry.joined = true;
      // Partitions may have moved: their new owners resume from the committed offsets.
      committer.reset();
      this.metrics.kafkaGroupJoins.inc({ group: sub.name });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      entry.joined = false;
      this.logger.error({ groupId, error: e.payload.error?.message, restart: e.payload.restart }, 'Kafka consumer crashed');
      // kafkajs restarts a crashed consumer itself unless the error was not retriable (the chaos
      // test saw "Failed to find group coordinator" after a long broker restart): then it stays
      // stopped for good, so a new one takes its place.
      if (!e.payload.restart) setTimeout(() => void this.replaceConsumer(sub, entry), 2000).unref();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: sub.topics.map((t) => this.topic(t)), fromBeginning: sub.fromBeginning ?? false });
    const partitionsConsumedConcurrently = sub.partitionsConcurrently ?? 1;
    const batchHandler = sub.batchHandler;
    if (batchHandler) {
      await consumer.run({
        partitionsConsumedConcurrently,
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (!batch.messages.length || !isRunning() || isStale()) return;
          await this.handleBatch(sub, batchHandler, batch.topic, batch.partition, batch.messages, heartbeat);
          const last = batch.messages[batch.messages.length - 1]!.offset;
          resolveOffset(last);
          committer.handled(batch.topic, batch.partition, last);
        },
      });
      return;
    }
    if (sub.keyConcurrency && sub.keyConcurrency > 1) {
      const limit = sub.keyConcurrency;
      await consumer.run({
        partitionsConsumedConcurrently,
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const byKey = new Map<string, KafkaMessage[]>();
          for (const m of batch.messages) {
            const k = m.key?.toString() ?? '';
            const list = byKey.get(k);
            if (list) list.push(m);
            else byKey.set(k, [m]);
          }
          const queues = [...byKey.values()];
          const handled = new Set<string>();
          let failure: { err: unknown } | undefined;
          const work = async () => {
            for (let q = queues.shift(); q && !failure; q = queues.shift()) {
              for (const m of q) {
                if (failure || !isRunning() || isStale()) return;
                try {
                  await this.handleRecord(sub, batch.topic, batch.partition, m, heartbeat);
                  handled.add(m.offset);
                  // A batch can take longer than the session timeout; kafkajs throttles these.
                  await heartbeat().catch(() => undefined);
                } catch (err) {
                  failure ??= { err };
                  return;
                }
              }
            }
          };
          await Promise.all(Array.from({ length: Math.min(limit, queues.length) }, work));
          let last: string | undefined;
          for (const m of batch.messages) {
            if (!handled.has(m.offset)) break;
            resolveOffset(m.offset);
            last = m.offset;
          }
          if (last !== undefined) committer.handled(batch.topic, batch.partition, last);
          // kafkajs retries from the first unresolved record.
          if (failure) throw failure.err;
        },
      });
      return;
    }
    await consumer.run({
      partitionsConsumedConcurrently,
      autoCommit: false,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        await this.handleRecord(sub, topic, partition, message, heartbeat);
        committer.handled(topic, partition, message.offset);
      },
    });
  }

  /** A consumer kafkajs gave up on: disconnected, forgotten and started anew (retried every 5 s). */
  private async replaceConsumer(sub: Subscription, entry: ConsumerEntry): Promise<void> {
    if (this.stopping || !this.consumers.includes(entry)) return;
    await entry.committer.close();
    await entry.consumer.disconnect().catch(() => undefined);
    this.consumers.splice(this.consumers.indexOf(entry), 1);
    try {
      await this.startConsumer(sub);
      this.logger.warn({ groupId: entry.groupId }, 'Kafka consumer replaced after a crash it would not restart from');
    } catch (err) {
      this.logger.error({ groupId: entry.groupId, error: (err as Error).message }, 'starting a replacement Kafka consumer failed; retrying');
      // startConsumer registered the new consumer before it failed to connect: replace that one.
      const failed = this.consumers.find((c) => c.groupId === entry.groupId && !c.joined);
      if (failed) setTimeout(() => void this.replaceConsumer(sub, failed), 5000).unref();
    }
  }

  /** One partition's batch: decoded and handed to the batch handler at once; a failure is thrown (the batch is retried). */
  private async handleBatch(
    sub: Subscription,
    batchHandler: (events: ConsumedEvent[]) => Promise<void>,
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const logical = topic.slice(this.config.kafka.topicPrefix.length);
    const events: ConsumedEvent[] = [];
    for (const message of messages) {
      try {
        if (!message.value) throw new Error('record without value');
        events.push({ envelope: eventsV1.EventEnvelope.decode(message.value), topic: logical, partition, offset: message.offset, key: message.key?.toString() ?? '', heartbeat });
      } catch (err) {
        this.metrics.kafkaConsumed.inc({ topic: logical, group: sub.name, result: 'rejected' });
        this.logger.warn({ topic: logical, partition, offset: message.offset, error: (err as Error).message }, 'undecodable event skipped');
      }
    }
    if (!events.length) return;
    const stop = this.metrics.kafkaHandleSeconds.startTimer({ topic: logical, group: sub.name });
    try {
      await batchHandler(events);
      this.metrics.kafkaConsumed.inc({ topic: logical, group: sub.name, result: 'ok' }, events.length);
    } catch (err) {
      this.metrics.kafkaConsumed.inc({ topic: logical, group: sub.name, result: 'error' }, events.length);
      this.logger.error({ topic: logical, partition, offset: events[0]!.offset, records: events.length, err }, 'event batch handler failed');
      // Rethrow: kafkajs fetches the batch again; handlers are idempotent.
      throw err;
    } finally {
      stop();
    }
  }

  /** One record: decoded and handed to the subscriber; a refusal is skipped, anything else thrown. */
  private async handleRecord(sub: Subscription, topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    const logical = topic.slice(this.config.kafka.topicPrefix.length);
    const stop = this.metrics.kafkaHandleSeconds.startTimer({ topic: logical, group: sub.name });
    try {
      if (!message.value) throw new Error('record without value');
      const envelope = eventsV1.EventEnvelope.decode(message.value);
      await sub.handler!({ envelope, topic: logical, partition, offset: message.offset, key: message.key?.toString() ?? '', heartbeat });
      this.metrics.kafkaConsumed.inc({ topic: logical, group: sub.name, result: 'ok' });
    } catch (err) {
      if (MeridianError.is(err) && !isTransientCode(err.code)) {
        // A refusal (unknown app, invalid data) will not change on retry: skip the record
        // rather than stall its partition forever. It is counted and logged.
        this.metrics.kafkaConsumed.inc({ topic: logical, group: sub.name, result: 'rejected' });
        this.logger.warn({ topic: logical, partition, offset: message.offset, code: err.code, error: err.message }, 'event refused; skipped');
        return;
      }
      this.metrics.kafkaConsumed.inc({ topic: logical, group: sub.name, result: 'error' });
      this.logger.error({ topic: logical, partition, offset: message.offset, err }, 'event handler failed');
      // Rethrow: kafkajs retries the record with backoff; handlers are idempotent.
      throw err;
    } finally {
      stop();
    }
  }

  private logKafka(entry: LogEntry): void {
    const { message, ...extra } = entry.log;
    const fields = { kafka: entry.namespace, ...extra };
    if (entry.level <= logLevel.ERROR) this.logger.error(fields, message);
    else if (entry.level === logLevel.WARN) this.logger.warn(fields, message);
    else this.logger.debug(fields, message);
  }
}

function payloadType(payload: EventPayload): string {
  const set = Object.entries(payload).filter(([, v]) => v !== undefined);
  if (set.length !== 1) throw new Error(`an event carries exactly one payload, got ${set.map(([k]) => k).join(', ') || 'none'}`);
  const field = set[0]![0];
  return `meridian.events.v1.${field.charAt(0).toUpperCase()}${field.slice(1)}Event`;
}
