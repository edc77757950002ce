import { Kafka, logLevel } from 'kafkajs';
import { testTopology } from './test-platform';
import { eventually } from './wait';

/**
 * Waits until no consumer group of the region has a member whose client id is `clientId`.
 * A test that SIGKILLs an extra service instance calls it before it ends: the dead member keeps its
 * partitions until the broker's session timeout evicts it, and until then nothing on them is
 * consumed, which would stall the next test file's events (a media variant, a callback).
 * Returns false when the member is still there after `timeoutMs`.
 */
export async function consumerGroupsWithout(region: string, clientId: string, timeoutMs = 60_000): Promise<boolean> {
  const prefix = testTopology().region(region).kafkaTopicPrefix;
  const admin = new Kafka({ clientId: 'test-groups', brokers: testTopology().dataPlane.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await eventually(
      async () => {
        const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
        if (!ids.length) return true;
        const { groups } = await admin.describeGroups(ids);
        return groups.every((g) => g.members.every((m) => m.clientId !== clientId));
      },
      timeoutMs,
      500,
    );
  } finally {
    await admin.disconnect();
  }
}
