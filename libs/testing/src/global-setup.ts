import './register-paths';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import mongoose from 'mongoose';
import Redis from 'ioredis';
import { resolvePlatform, spawnPlatform, stopChildren, waitReady, type Child } from '../../../tools/launcher/src/control';
import { minioCredentialsFile } from './dataplane-minio';
import { REPO_ROOT, TEST_LIMITS, TEST_NAMESPACE, TEST_PORT_OFFSET, testTopology } from './test-platform';

declare global {
  // Shared with global-teardown (same process).
  var __MERIDIAN_CHILDREN__: Child[] | undefined;
}

const say = (msg: string) => process.stdout.write(`[integration] ${msg}\n`);

/**
 * Starts what the integration tier needs, for real: the data plane (idempotent), a fresh build,
 * clean test namespaces, and both regions' seven services as separate processes.
 */
export default async function globalSetup(): Promise<void> {
  // MERIDIAN_TEST_PLATFORM=off: build only, start nothing (for specs that bring their own data
  // plane and platform, such as the chaos test run alone). MERIDIAN_TEST_DATAPLANE=external: use a
  // data plane on the topology's ports that another checkout started (dataplane.sh only manages
  // servers whose pid files are in this checkout's .meridian/run).
  const platformOff = process.env['MERIDIAN_TEST_PLATFORM'] === 'off';
  if (!platformOff && process.env['MERIDIAN_TEST_DATAPLANE'] !== 'external') {
    say('data plane: ensuring Redis, Kafka, FerretDB and MinIO are up');
    execFileSync('bash', [join(REPO_ROOT, 'deploy', 'dataplane', 'dataplane.sh'), 'up'], { stdio: 'inherit' });
  } else if (!platformOff && !(await s3Answers())) {
    // Another checkout's data plane may predate the object store: this checkout starts its own
    // MinIO beside it (only MinIO; MERIDIAN_MINIO_PORT moves it off a port that one will want).
    say('data plane: external, but no object store answers; starting this checkout\'s MinIO');
    execFileSync('bash', [join(REPO_ROOT, 'deploy', 'dataplane', 'dataplane.sh'), 'up', 'minio'], { stdio: 'inherit' });
  }
  say('building services (tsc, incremental)');
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (platformOff) {
    say('MERIDIAN_TEST_PLATFORM=off: no shared test platform started');
    globalThis.__MERIDIAN_CHILDREN__ = [];
    return;
  }
  ensureFfmpeg();
  await cleanNamespace();
  const platform = resolvePlatform({
    namespace: TEST_NAMESPACE,
    portOffset: TEST_PORT_OFFSET,
    logDir: join(REPO_ROOT, '.meridian', 'logs', TEST_NAMESPACE),
    logLevel: process.env['MERIDIAN_TEST_LOG_LEVEL'] ?? 'info',
    // Limits low enough that tests can cross them quickly and deterministically.
    extraEnv: { ...TEST_LIMITS, ...s3CredentialsEnv() },
  });
  say(`starting ${platform.regions.join(' + ')} (${platform.regions.length * 7} processes, logs in .meridian/logs/${TEST_NAMESPACE})`);
  const started = Date.now();
  const children = spawnPlatform(platform);
  globalThis.__MERIDIAN_CHILDREN__ = children;
  try {
    await waitReady(platform, {
      children,
      timeoutMs: 180_000,
      onProgress: (p) => say(`ready ${p.ready}/${p.total}`),
    });
  } catch (err) {
    await stopChildren(children);
    throw err;
  }
  say(`platform ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Debian's ffmpeg, with which the media worker reads a video's first frame (docs/media.md), is
 * installed before the platform starts (idempotent; apt-get the first time, as root). Without it
 * the platform works and videos get no thumbnail: the first-frame test then fails, saying why.
 */
function ensureFfmpeg(): void {
  try {
    execFileSync('bash', [join(REPO_ROOT, 'deploy', 'media', 'ensure-ffmpeg.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    say('ffmpeg is not installed and could not be: videos get no first-frame thumbnail in this run');
  }
}

/**
 * The object store's credentials are per data directory (dataplane.sh): beside another checkout's
 * data plane, the services must use that data plane's MinIO credentials, not this checkout's
 * (which may not exist, or belong to a MinIO that is not running). They are found from the MinIO
 * process listening on the S3 port. Set credentials (MERIDIAN_S3_*) win.
 */
function s3CredentialsEnv(): Record<string, string> {
  if (process.env['MERIDIAN_S3_CREDENTIALS_FILE'] || process.env['MERIDIAN_S3_ACCESS_KEY_ID']) return {};
  const file = minioCredentialsFile(s3Port());
  if (!file) return {};
  if (!file.startsWith(`${REPO_ROOT}/`)) say(`object store: the running MinIO's credentials (${file})`);
  return { MERIDIAN_S3_CREDENTIALS_FILE: file };
}

function s3Port(): number {
  const port = process.env['MERIDIAN_MINIO_PORT'];
  const endpoint = process.env['MERIDIAN_S3_ENDPOINT'] ?? (port ? `http://127.0.0.1:${port}` : testTopology().dataPlane.s3Url);
  const url = new URL(endpoint ?? 'http://127.0.0.1:9000');
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/** Whether the object store the test platform will use answers its readiness check. */
async function s3Answers(): Promise<boolean> {
  const port = process.env['MERIDIAN_MINIO_PORT'];
  const endpoint = process.env['MERIDIAN_S3_ENDPOINT'] ?? (port ? `http://127.0.0.1:${port}` : testTopology().dataPlane.s3Url);
  if (!endpoint) return true;
  try {
    const res = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(3000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Drops the test namespace's databases and Redis keys so each run starts from nothing. */
async function cleanNamespace(): Promise<void> {
  const topology = testTopology();
  const conn = await mongoose.createConnection(topology.dataPlane.mongoUrl, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const { databases } = await conn.db!.admin().listDatabases();
    for (const db of databases) {
      if (db.name.startsWith(`${TEST_NAMESPACE}_`)) await conn.useDb(db.name).dropDatabase();
    }
  } finally {
    await conn.close();
  }
  const redis = new Redis(topology.dataPlane.redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${TEST_NAMESPACE}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
