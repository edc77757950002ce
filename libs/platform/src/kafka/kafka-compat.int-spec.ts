import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { testTopology } from '@meridian/testing';

/**
 * Proves the pairing we ship: kafkajs 2.2.4 against the broker the data plane runs (Kafka 3.9.x,
 * KRaft). Kafka 4 removed the old protocol versions kafkajs speaks (KIP-896), so a broker upgrade
 * must keep this suite green.
 */
describe('kafkajs 2.2.4 against the local broker', () => {
  const kafka = new Kafka({
    clientId: 'compat-test',
    brokers: testTopology().dataPlane.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const topic = `test.compat.${randomUUID()}`;
  const groupId = `test.compat.${randomUUID()}`;
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('admin: describes the cluster and creates a 3-partition topic', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(3);
  });

  it('produces with acks=all and consumes in a consumer group, committing offsets', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => ({ key: k, value: `value-${k}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const received = await consumeAll(groupId, sent.length);
    expect(received.sort()).toEqual(sent.map((m) => m.value).sort());

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(sent.length);

    // The same group resumes after its committed offsets: nothing is delivered twice.
    const again = await consumeAll(groupId, 0, 3000);
    expect(again).toEqual([]);

    const groups = await admin.describeGroups([groupId]);
    expect(groups.groups[0]!.groupId).toBe(groupId);
  });

  async function consumeAll(group: string, expected: number, idleMs = 15_000): Promise<string[]> {
    const consumer = kafka.consumer({ groupId: group });
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, idleMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (expected > 0 && values.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return values;
  }
});
