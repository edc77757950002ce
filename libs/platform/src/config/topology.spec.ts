import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topology, type TopologyFile } from './topology';
import { loadPlatformConfig } from './platform-config';

const services = (base: number) =>
  Object.fromEntries(
    ['gateway', 'auth', 'chat', 'group', 'relationship', 'push', 'callback'].map((s, i) => [s, { httpPort: base + i, grpcPort: base + 10 + i }]),
  ) as TopologyFile['regions'][string]['services'];

const file: TopologyFile = {
  dataPlane: { mongoUrl: 'mongodb://127.0.0.1:27017', kafkaBrokers: ['127.0.0.1:9092'], redisUrl: 'redis://127.0.0.1:6379' },
  regions: {
    'ap-singapore': { host: '127.0.0.1', mongoDatabase: 'meridian_sg', kafkaTopicPrefix: 'meridian.sg.', redisKeyPrefix: 'm:sg:', services: services(7100) },
    'eu-frankfurt': { host: '127.0.0.2', mongoDatabase: 'meridian_fra', kafkaTopicPrefix: 'meridian.fra.', redisKeyPrefix: 'm:fra:', services: services(7200) },
  },
  delaysMs: [{ between: ['ap-singapore', 'eu-frankfurt'], ms: 40 }],
};

function writeTopology(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'topology-')), 'topology.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe(Topology.name, () => {
  it('resolves gRPC targets and HTTP base URLs per region and service', () => {
    const t = new Topology(file);
    expect(t.grpcTarget('eu-frankfurt', 'chat')).toBe('127.0.0.2:7212');
    expect(t.httpBaseUrl('ap-singapore', 'gateway')).toBe('http://127.0.0.1:7100');
  });

  it('applies a port offset and a namespace to every port and name', () => {
    const t = new Topology(file, { portOffset: 10_000, namespace: 'test' });
    const sg = t.region('ap-singapore');
    expect(sg.services.auth).toEqual({ httpPort: 17101, grpcPort: 17111 });
    expect(sg.mongoDatabase).toBe('test_meridian_sg');
    expect(sg.kafkaTopicPrefix).toBe('test.meridian.sg.');
    expect(sg.redisKeyPrefix).toBe('test:m:sg:');
    // The file itself is untouched.
    expect(file.regions['ap-singapore']!.services.auth.httpPort).toBe(7101);
  });

  it('injects the configured delay in both directions and none within a region', () => {
    const t = new Topology(file);
    expect(t.delayMs('ap-singapore', 'eu-frankfurt')).toBe(40);
    expect(t.delayMs('eu-frankfurt', 'ap-singapore')).toBe(40);
    expect(t.delayMs('eu-frankfurt', 'eu-frankfurt')).toBe(0);
  });

  it('names the known regions when asked for an unknown one', () => {
    expect(() => new Topology(file).region('mars-base')).toThrow(/unknown region mars-base; topology has ap-singapore, eu-frankfurt/);
  });

  it('rejects a file missing a service with a readable message', () => {
    const broken = structuredClone(file) as unknown as { regions: Record<string, { services: Record<string, unknown> }> };
    delete broken.regions['ap-singapore']!.services['push'];
    expect(() => Topology.load(writeTopology(broken))).toThrow(/invalid topology .*push/s);
  });

  it('rejects unreadable JSON', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'topology-')), 'bad.json');
    writeFileSync(path, '{ not json');
    expect(() => Topology.load(path)).toThrow(/cannot read topology/);
  });

  it('says a missing file in a sentence, not as ENOENT', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'topology-')), 'none.json');
    expect(() => Topology.load(path)).toThrow(`cannot read topology ${path}: there is no such file (MERIDIAN_TOPOLOGY names`);
  });
});

describe(loadPlatformConfig.name, () => {
  const path = writeTopology(file);

  it('derives one database per service per region and prefixes keys with the service', () => {
    const c = loadPlatformConfig('chat', { MERIDIAN_REGION: 'eu-frankfurt', MERIDIAN_TOPOLOGY: path });
    expect(c.mongo.database).toBe('meridian_fra_chat');
    expect(c.redis.keyPrefix).toBe('m:fra:chat:');
    expect(c.kafka.topicPrefix).toBe('meridian.fra.');
    expect(c.grpc).toMatchObject({ host: '127.0.0.1', port: 7212, advertise: '127.0.0.2:7212' });
    expect(c.instanceId).toMatch(/^eu-frankfurt-chat-/);
  });

  it('lets the environment override data-plane endpoints (Kubernetes)', () => {
    const c = loadPlatformConfig('auth', {
      MERIDIAN_REGION: 'ap-singapore',
      MERIDIAN_TOPOLOGY: path,
      MERIDIAN_KAFKA_BROKERS: 'k1:9092,k2:9092',
      MERIDIAN_MONGO_URL: 'mongodb://mongo-0,mongo-1/?replicaSet=rs0',
    });
    expect(c.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.mongo.url).toBe('mongodb://mongo-0,mongo-1/?replicaSet=rs0');
  });

  it('refuses a missing region and a malformed number', () => {
    expect(() => loadPlatformConfig('auth', { MERIDIAN_TOPOLOGY: path })).toThrow(/MERIDIAN_REGION/);
    expect(() => loadPlatformConfig('auth', { MERIDIAN_REGION: 'ap-singapore', MERIDIAN_TOPOLOGY: path, MERIDIAN_GRPC_DEADLINE_MS: 'soon' })).toThrow(
      /MERIDIAN_GRPC_DEADLINE_MS/,
    );
  });
});
