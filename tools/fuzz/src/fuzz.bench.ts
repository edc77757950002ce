/**
 * npm run bench -- fuzz [cases] [seed]: the large fuzzing run (issue #11, default 100,000 cases).
 * Starts its own data plane (alternate ports, temp dir) and its own two-region platform
 * (namespace `fuzz`), so it floods nothing shared; prints counts per kind and per code, the
 * runtime, and the state probes; tears everything down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@meridian/contracts';
import { GrpcClients, Metrics, loadPlatformConfig } from '@meridian/platform';
import { authV1 } from '@meridian/proto';
import { genUserSig } from '@meridian/usersig';
import { ChaosDataPlane } from '../../chaos/src/chaos-env';
import { REPO_ROOT, resolvePlatform, spawnPlatform, stopChildren, waitReady, type Child } from '../../launcher/src/control';
import { readProbe, seedProbe, touchedProbes } from './fuzz-probe';
import { runFuzz } from './fuzz';

const say = (m: string) => process.stdout.write(`[fuzz] ${m}\n`);
const num = (k: string, d: number) => Number(process.env[k] ?? d);

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 100_000);
  const seed = Number(process.argv[3] ?? 20_261_126);
  const dir = mkdtempSync(join(tmpdir(), 'meridian-fuzz-'));
  const dataplane = new ChaosDataPlane(REPO_ROOT, dir, {
    redis: num('MERIDIAN_FUZZ_REDIS_PORT', 11479),
    kafka: num('MERIDIAN_FUZZ_KAFKA_PORT', 11192),
    kafkaController: num('MERIDIAN_FUZZ_KAFKA_CONTROLLER_PORT', 11193),
    postgres: num('MERIDIAN_FUZZ_PG_PORT', 11532),
    mongo: num('MERIDIAN_FUZZ_MONGO_PORT', 11117),
    minio: num('MERIDIAN_FUZZ_MINIO_PORT', 11990),
  });
  const portOffset = num('MERIDIAN_FUZZ_PORT_OFFSET', 5600);
  const platform = resolvePlatform({ namespace: 'fuzz', portOffset, logDir: join(dir, 'platform-logs'), extraEnv: { ...dataplane.serviceEnv, MERIDIAN_SHUTDOWN_GRACE_MS: '2000' } });
  let children: Child[] = [];
  let clients: GrpcClients | undefined;
  try {
    await dataplane.run('up');
    children = spawnPlatform(platform);
    await waitReady(platform, { children, timeoutMs: 180_000 });
    const config = loadPlatformConfig('gateway', { MERIDIAN_REGION: 'ap-singapore', MERIDIAN_TOPOLOGY: platform.options.topologyPath, MERIDIAN_NAMESPACE: 'fuzz', MERIDIAN_PORT_OFFSET: String(portOffset) }, { grpcIdentity: 'operator' });
    clients = new GrpcClients(config, new Metrics(config));
    const { app } = await clients.service<authV1.AuthServiceClient>('auth').createApp({
      name: 'fuzz',
      homeRegion: 'ap-singapore',
      sdkAppId: 0,
      admins: ['administrator', 'sigadmin'],
      multiDevicePolicy: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_MULTI,
      ecdsaPublicKey: '',
      secretKey: '',
      ifNotExists: false,
      allowPrivateCallbackTargets: false,
    });
    const sig = (id: string) => genUserSig({ sdkAppId: app!.sdkAppId, key: app!.secretKey, identifier: id, expireSeconds: 86_400 });
    const wsUsers = Array.from({ length: num('MERIDIAN_FUZZ_CONCURRENCY', 8) }, (_, i) => `fz${i}`);
    const gatewayUrl = platform.topology.httpBaseUrl('ap-singapore', 'gateway');
    const call = async (command: string, body: unknown) => {
      const q = `sdkappid=${app!.sdkAppId}&identifier=administrator&usersig=${encodeURIComponent(sig('administrator'))}&random=1&contenttype=json`;
      return (await (await fetch(`${gatewayUrl}/v4/${command}?${q}`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    };
    await seedProbe(call, wsUsers);
    const before = await readProbe(call);
    say(`platform ready; ${cases} cases from seed ${seed}`);
    const serviceUrls = platform.regions.flatMap((r) => SERVICE_NAMES.map((s) => platform.topology.httpBaseUrl(r, s)));
    const stats = await runFuzz({ gatewayUrl, sdkAppId: app!.sdkAppId, admin: 'administrator', sigAdmin: 'sigadmin', sig, wsUsers, serviceUrls }, {
      cases,
      seed,
      concurrency: num('MERIDIAN_FUZZ_CONCURRENCY', 8),
      onProgress: (s) => say(`  ${s.cases} cases, ${(s.ms / 1000).toFixed(0)} s, ${s.violations.length} violations, ${children.filter((c) => c.process.exitCode !== null || c.process.signalCode !== null).length} processes exited`),
    });
    const after = await readProbe(call);
    const touched = touchedProbes(stats.accepted);
    const probes = Object.fromEntries(Object.keys(before).map((k) => [k, touched.has(k as keyof typeof before) ? 'changed-by-accepted-case(skipped)' : before[k as keyof typeof before] === after[k as keyof typeof before] ? 'unchanged' : 'CHANGED']));
    const sorted = Object.fromEntries(Object.entries(stats.byCode).sort((a, b) => b[1] - a[1]));
    say(`${stats.cases} cases in ${(stats.ms / 1000).toFixed(1)} s (${((stats.cases * 1000) / stats.ms).toFixed(0)}/s)`);
    say(`by kind ${JSON.stringify(stats.byKind)}`);
    say(`by code ${JSON.stringify(sorted)}`);
    say(`accepted (code 0) ${stats.byCode['0'] ?? 0}; probes ${JSON.stringify(probes)}`);
    const exited = children.filter((c) => c.process.exitCode !== null || c.process.signalCode !== null).map((c) => c.name);
    say(`process restarts ${stats.restarts}; processes exited ${exited.length}${exited.length ? ` (${exited.join(', ')})` : ''}`);
    say(`violations ${stats.violations.length}${stats.violations.length ? `:\n  ${stats.violations.slice(0, 20).join('\n  ')}` : ''}`);
    process.stdout.write(`${JSON.stringify({ scenario: 'fuzz', cases: stats.cases, seed, seconds: stats.ms / 1000, byKind: stats.byKind, byCode: sorted, probes, restarts: stats.restarts, exited: exited.length, violations: stats.violations.length })}\n`);
    if (stats.violations.length || exited.length || Object.values(probes).includes('CHANGED')) process.exitCode = 1;
  } finally {
    clients?.onModuleDestroy();
    await stopChildren(children, 5000);
    await dataplane.run('down').catch((e: Error) => say(e.message));
    if (!process.exitCode) rmSync(dir, { recursive: true, force: true });
    else say(`kept logs in ${dir}`);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
