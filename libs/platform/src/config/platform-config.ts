import { hostname } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { ServiceName } from '@meridian/contracts';
import type { GrpcIdentity } from '../grpc/identity';
import { storageConfig, storageEnvShape, type StorageConfig } from '../storage/storage-config';
import { Topology } from './topology';

/**
 * The environment every service reads (and nothing else reads it): one validated object per
 * process. Services extend it with their own keys through `serviceEnv`.
 */
const platformEnvSchema = z.object({
  MERIDIAN_REGION: z.string().min(1),
  MERIDIAN_TOPOLOGY: z.string().min(1).optional(),
  MERIDIAN_INSTANCE_ID: z.string().min(1).optional(),
  MERIDIAN_NAMESPACE: z.string().regex(/^[a-z0-9]*$/).default(''),
  MERIDIAN_PORT_OFFSET: z.coerce.number().int().min(0).max(50_000).default(0),
  MERIDIAN_BIND_HOST: z.string().default('127.0.0.1'),
  /** This process's own ports, when several instances of a service share a host. */
  MERIDIAN_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  MERIDIAN_GRPC_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** host:port other processes use to reach this instance's gRPC server (a pod IP in Kubernetes). */
  MERIDIAN_ADVERTISE_GRPC: z.string().optional(),
  /** PEM certificate and key: the HTTP port then serves HTTPS (and the gateway WSS). */
  MERIDIAN_TLS_CERT_FILE: z.string().optional(),
  MERIDIAN_TLS_KEY_FILE: z.string().optional(),
  /**
   * Mutual TLS on every gRPC server and client (on by default). `off` is plaintext with no caller
   * identity at all, and must be asked for: a process never falls back to it by itself.
   */
  MERIDIAN_GRPC_TLS: z.enum(['on', 'off']).default('on'),
  /**
   * Directory holding ca.pem, <identity>.pem and <identity>.key (what deploy/tls/make-grpc-certs.sh
   * writes); defaults to .meridian/tls/grpc of the checkout this code runs from. The three *_FILE
   * keys override single files (a Kubernetes Secret's ca.crt, tls.crt, tls.key).
   */
  MERIDIAN_GRPC_TLS_DIR: z.string().min(1).optional(),
  MERIDIAN_GRPC_TLS_CA_FILE: z.string().min(1).optional(),
  MERIDIAN_GRPC_TLS_CERT_FILE: z.string().min(1).optional(),
  MERIDIAN_GRPC_TLS_KEY_FILE: z.string().min(1).optional(),
  /** How often the certificate files are read again, so a rotated certificate is used without a restart. */
  MERIDIAN_GRPC_TLS_REFRESH_S: z.coerce.number().int().min(1).max(86_400).default(300),
  MERIDIAN_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  MERIDIAN_MONGO_URL: z.string().optional(),
  MERIDIAN_KAFKA_BROKERS: z.string().optional(),
  MERIDIAN_REDIS_URL: z.string().optional(),
  MERIDIAN_GRPC_DEADLINE_MS: z.coerce.number().int().min(10).max(120_000).default(3000),
  /** gRPC calls a process runs at once; more wait, and one whose caller gave up meanwhile is not run. */
  MERIDIAN_GRPC_MAX_INFLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
  MERIDIAN_KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(3),
  MERIDIAN_KAFKA_REPLICATION: z.coerce.number().int().min(1).max(7).default(1),
  /**
   * Consumer-group session timeout: how long the broker waits for a member that vanished (kill -9)
   * before rebalancing its partitions to the others or to its restarted self. The broker's
   * group.min.session.timeout.ms (6 s by default) is the floor.
   */
  MERIDIAN_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  /** Handled offsets are committed at most this often per consumer group (0: after every record). */
  MERIDIAN_KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  MERIDIAN_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  MERIDIAN_SELFTEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How long an app's callback settings are cached by services making before-callbacks. */
  MERIDIAN_CALLBACK_SETTINGS_CACHE_S: z.coerce.number().int().min(0).max(3600).default(10),
  ...storageEnvShape,
});

/**
 * How this process's gRPC servers and clients authenticate. A file left undefined could not be
 * found; the credentials builder (grpc/tls.ts) refuses to start with a message that says which.
 */
export type GrpcTlsConfig =
  | {
      mode: 'mtls';
      /** Whom our certificate names: our service, or `operator` for the admin tools. */
      identity: GrpcIdentity;
      caFile: string | undefined;
      certFile: string | undefined;
      keyFile: string | undefined;
      refreshMs: number;
    }
  | { mode: 'off'; identity: GrpcIdentity };

export interface PlatformConfig {
  service: ServiceName;
  region: string;
  instanceId: string;
  version: string;
  logLevel: z.infer<typeof platformEnvSchema>['MERIDIAN_LOG_LEVEL'];
  topology: Topology;
  http: { host: string; port: number; tls?: { certFile: string; keyFile: string } };
  grpc: { host: string; port: number; advertise: string; tls: GrpcTlsConfig };
  mongo: { url: string; database: string };
  kafka: { brokers: string[]; topicPrefix: string; clientId: string; partitions: number; replication: number; sessionTimeoutMs: number; commitIntervalMs: number };
  redis: { url: string; keyPrefix: string };
  grpcDeadlineMs: number;
  grpcMaxInflight: number;
  shutdownGraceMs: number;
  selfTestTimeoutMs: number;
  callbackSettingsCacheS: number;
  /** The object store for media; undefined without credentials. */
  storage: StorageConfig | undefined;
}

/** The checkout this code runs from (the directory holding deploy/topology.json), if any. */
function repositoryRoot(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'deploy', 'topology.json'))) return dir;
    dir = join(dir, '..');
  }
  return undefined;
}

/** Default topology file: deploy/topology.json of the repository this code runs from. */
export function defaultTopologyPath(): string {
  const root = repositoryRoot();
  if (!root) throw new Error('deploy/topology.json not found; set MERIDIAN_TOPOLOGY');
  return join(root, 'deploy', 'topology.json');
}

/** Where deploy/tls/make-grpc-certs.sh puts the local certificates, when run from a checkout. */
export function defaultGrpcTlsDir(): string | undefined {
  const root = repositoryRoot();
  return root ? join(root, '.meridian', 'tls', 'grpc') : undefined;
}

/** The local MinIO's credentials, as deploy/dataplane/dataplane.sh writes them. */
export function defaultS3CredentialsFile(): string | undefined {
  const root = repositoryRoot();
  return root ? join(root, '.meridian', 'data', 'minio', 'credentials.json') : undefined;
}

export interface PlatformConfigOptions {
  /**
   * The identity this process shows other services; default: the service itself. The admin
   * tools load a gateway-shaped config (they only call out) and present `operator`.
   */
  grpcIdentity?: GrpcIdentity;
}

function grpcTlsConfig(e: z.infer<typeof platformEnvSchema>, identity: GrpcIdentity): GrpcTlsConfig {
  if (e.MERIDIAN_GRPC_TLS === 'off') return { mode: 'off', identity };
  const dir = e.MERIDIAN_GRPC_TLS_DIR ?? defaultGrpcTlsDir();
  const inDir = (file: string) => (dir ? join(dir, file) : undefined);
  return {
    mode: 'mtls',
    identity,
    caFile: e.MERIDIAN_GRPC_TLS_CA_FILE ?? inDir('ca.pem'),
    certFile: e.MERIDIAN_GRPC_TLS_CERT_FILE ?? inDir(`${identity}.pem`),
    keyFile: e.MERIDIAN_GRPC_TLS_KEY_FILE ?? inDir(`${identity}.key`),
    refreshMs: e.MERIDIAN_GRPC_TLS_REFRESH_S * 1000,
  };
}

export function loadPlatformConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env, options: PlatformConfigOptions = {}): PlatformConfig {
  const parsed = platformEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid environment for ${service}: ${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  if (Boolean(e.MERIDIAN_TLS_CERT_FILE) !== Boolean(e.MERIDIAN_TLS_KEY_FILE)) {
    throw new Error('set both MERIDIAN_TLS_CERT_FILE and MERIDIAN_TLS_KEY_FILE, or neither');
  }
  const topology = Topology.load(e.MERIDIAN_TOPOLOGY ?? defaultTopologyPath(), {
    portOffset: e.MERIDIAN_PORT_OFFSET,
    namespace: e.MERIDIAN_NAMESPACE,
  });
  const region = topology.region(e.MERIDIAN_REGION);
  const own = region.services[service];
  const instanceId = e.MERIDIAN_INSTANCE_ID ?? `${e.MERIDIAN_REGION}-${service}-${hostname()}-${process.pid}`;
  return {
    service,
    region: e.MERIDIAN_REGION,
    instanceId,
    version: process.env['npm_package_version'] ?? '0.1.0',
    logLevel: e.MERIDIAN_LOG_LEVEL,
    topology,
    http: {
      host: e.MERIDIAN_BIND_HOST,
      port: e.MERIDIAN_HTTP_PORT ?? own.httpPort,
      tls: e.MERIDIAN_TLS_CERT_FILE && e.MERIDIAN_TLS_KEY_FILE ? { certFile: e.MERIDIAN_TLS_CERT_FILE, keyFile: e.MERIDIAN_TLS_KEY_FILE } : undefined,
    },
    grpc: {
      host: e.MERIDIAN_BIND_HOST,
      port: e.MERIDIAN_GRPC_PORT ?? own.grpcPort,
      advertise:
        e.MERIDIAN_ADVERTISE_GRPC ??
        (e.MERIDIAN_GRPC_PORT ? `${own.host ?? region.host}:${e.MERIDIAN_GRPC_PORT}` : topology.grpcTarget(e.MERIDIAN_REGION, service)),
      tls: grpcTlsConfig(e, options.grpcIdentity ?? service),
    },
    // One database per service per region: ownership is enforced by the server, not by convention.
    mongo: { url: e.MERIDIAN_MONGO_URL ?? topology.dataPlane.mongoUrl, database: `${region.mongoDatabase}_${service}` },
    kafka: {
      brokers: e.MERIDIAN_KAFKA_BROKERS ? e.MERIDIAN_KAFKA_BROKERS.split(',') : topology.dataPlane.kafkaBrokers,
      topicPrefix: region.kafkaTopicPrefix,
      clientId: instanceId,
      partitions: e.MERIDIAN_KAFKA_PARTITIONS,
      replication: e.MERIDIAN_KAFKA_REPLICATION,
      sessionTimeoutMs: e.MERIDIAN_KAFKA_SESSION_TIMEOUT_MS,
      commitIntervalMs: e.MERIDIAN_KAFKA_COMMIT_INTERVAL_MS,
    },
    redis: { url: e.MERIDIAN_REDIS_URL ?? topology.dataPlane.redisUrl, keyPrefix: `${region.redisKeyPrefix}${service}:` },
    grpcDeadlineMs: e.MERIDIAN_GRPC_DEADLINE_MS,
    grpcMaxInflight: e.MERIDIAN_GRPC_MAX_INFLIGHT,
    shutdownGraceMs: e.MERIDIAN_SHUTDOWN_GRACE_MS,
    selfTestTimeoutMs: e.MERIDIAN_SELFTEST_TIMEOUT_MS,
    callbackSettingsCacheS: e.MERIDIAN_CALLBACK_SETTINGS_CACHE_S,
    storage: storageConfig(e, {
      endpoint: topology.dataPlane.s3Url,
      credentialsFile: defaultS3CredentialsFile(),
      // The region's (and a test run's namespace's) Redis prefix as a path: hm/meridian/ap-singapore/.
      keyPrefix: region.redisKeyPrefix.replace(/:/g, '/'),
    }),
  };
}

/** Validates a service's own environment keys with the same rules. */
export function serviceEnv<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const parsed = z.object(shape).safeParse(env);
  if (!parsed.success) throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
