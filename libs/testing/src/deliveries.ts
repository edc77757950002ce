import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { TOPICS } from '@meridian/contracts';
import { eventsV1 } from '@meridian/proto';
import type { TestApp } from './apps';
import { testTopology } from './test-platform';

let producer: Producer | undefined;

/** Produces a DeliveryRequestedEvent in the app's home region exactly as chat or group will. */
export async function produceDelivery(
  app: TestApp,
  recipients: string[],
  body: unknown,
  opts: { kind?: string; offlinePush?: unknown } = {},
): Promise<void> {
  if (!producer) {
    producer = new Kafka({ clientId: 'test-deliveries', brokers: testTopology().dataPlane.kafkaBrokers, logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  }
  const envelope = eventsV1.EventEnvelope.encode({
    eventId: randomUUID(),
    type: 'meridian.events.v1.DeliveryRequestedEvent',
    timeMs: String(Date.now()),
    region: app.homeRegion,
    sdkAppId: app.sdkAppId,
    traceId: '',
    deliveryRequested: {
      recipients,
      kind: opts.kind ?? 'c2c',
      body: Buffer.from(JSON.stringify(body)),
      conversationId: 'c2c:test',
      seq: '1',
      excludeLoginId: '',
      offlinePush: Buffer.from(opts.offlinePush === undefined ? '' : JSON.stringify(opts.offlinePush)),
      onlineOnlyRecipients: [],
    },
  }).finish();
  await producer.send({
    topic: testTopology().region(app.homeRegion).kafkaTopicPrefix + TOPICS.deliveries,
    acks: -1,
    messages: [{ key: 'c2c:test', value: Buffer.from(envelope) }],
  });
}

export async function closeDeliveryProducer(): Promise<void> {
  await producer?.disconnect();
  producer = undefined;
}
