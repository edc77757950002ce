import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@meridian/contracts';
import { Topology } from '@meridian/platform';
import { ephemeralPlatformSecrets, secretsEnv } from './secrets';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..', ...(__dirname.includes(`${join('dist', 'tools')}`) ? ['..'] : []));

/** Where npm start keeps its platform secrets (see ./secrets): with the data, git-ignored. */
export const LOCAL_SECRETS_FILE = join(REPO_ROOT, '.meridian', 'data', 'platform-secrets.json');

export interface PlatformOptions {
  regions?: string[];
  /** "process": one OS process per service (default); "region": all seven services of a region in one process. */
  mode?: 'process' | 'region';
  namespace?: string;
  portOffset?: number;
  topologyPath?: string;
  logDir?: string;
  logLevel?: string;
  extraEnv?: NodeJS.ProcessEnv;
  /** Options for node itself, before the entry point (the profile bench's --cpu-prof, which NODE_OPTIONS may not carry). */
  nodeArgs?: string[];
}

export interface ResolvedPlatform {
  topology: Topology;
  regions: string[];
  options: Required<Omit<PlatformOptions, 'extraEnv' | 'regions' | 'nodeArgs'>> & { extraEnv: NodeJS.ProcessEnv; nodeArgs: string[] };
}

export function resolvePlatform(options: PlatformOptions = {}): ResolvedPlatform {
  const topologyPath = options.topologyPath ?? join(REPO_ROOT, 'deploy', 'topology.json');
  const topology = Topology.load(topologyPath, { portOffset: options.portOffset ?? 0, namespace: options.namespace ?? '' });
  const regions = options.regions ?? topology.regionNames();
  for (const r of regions) topology.region(r);
  // A platform without a given history URL secret gets one of its own: never a built-in one.
  const extraEnv = options.extraEnv ?? {};
  const secrets = { ...secretsEnv(ephemeralPlatformSecrets(), { ...process.env, ...extraEnv }), ...extraEnv };
  return {
    topology,
    regions,
    options: {
      mode: options.mode ?? 'process',
      namespace: options.namespace ?? '',
      portOffset: options.portOffset ?? 0,
      topologyPath,
      logDir: options.logDir ?? join(REPO_ROOT, '.meridian', 'logs'),
      logLevel: options.logLevel ?? 'info',
      extraEnv: secrets,
      nodeArgs: options.nodeArgs ?? [],
    },
  };
}

/** Where the platform's gRPC certificates are: MERIDIAN_GRPC_TLS_DIR if set, else the checkout's .meridian/tls/grpc. */
export function grpcTlsDir(p: ResolvedPlatform): string {
  return p.options.extraEnv['MERIDIAN_GRPC_TLS_DIR'] ?? process.env['MERIDIAN_GRPC_TLS_DIR'] ?? join(REPO_ROOT, '.meridian', 'tls', 'grpc');
}

const certsChecked = new Set<string>();

/**
 * Makes the CA and one certificate per service (and `operator`) the first time, with openssl
 * (deploy/tls/make-grpc-certs.sh, idempotent); every later start reuses them. Skipped only when
 * plaintext was asked for (MERIDIAN_GRPC_TLS=off).
 */
export function ensureGrpcCerts(p: ResolvedPlatform): void {
  if ((p.options.extraEnv['MERIDIAN_GRPC_TLS'] ?? process.env['MERIDIAN_GRPC_TLS']) === 'off') return;
  const dir = grpcTlsDir(p);
  if (certsChecked.has(dir)) return;
  execFileSync('bash', [join(REPO_ROOT, 'deploy', 'tls', 'make-grpc-certs.sh'), dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  certsChecked.add(dir);
}

/** Where a local platform keeps its gateways' self-test token (see localDiagToken). */
export const DIAG_TOKEN_FILE = join(REPO_ROOT, '.meridian', 'diag-token');

/**
 * The operator token of a local platform's /v1/diag/selftest: random, made on first use and kept
 * in .meridian/diag-token (mode 600) so scripts on this machine can read it and nothing else needs
 * configuring. A deployment sets MERIDIAN_DIAG_TOKEN itself (the Helm chart, from its Secret).
 */
export function localDiagToken(file = DIAG_TOKEN_FILE): string {
  if (!existsSync(file)) {
    mkdirSync(join(file, '..'), { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      // Another process made it between the check and the write: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

export function serviceEnv(p: ResolvedPlatform, region: string): NodeJS.ProcessEnv {
  const given = p.options.extraEnv['MERIDIAN_DIAG_TOKEN'] ?? process.env['MERIDIAN_DIAG_TOKEN'];
  // The local data plane's MinIO (dataplane.sh): its bucket is made at start; a moved port
  // (MERIDIAN_MINIO_PORT, as dataplane.sh takes it) moves the endpoint too.
  const minioPort = process.env['MERIDIAN_MINIO_PORT'];
  return {
    MERIDIAN_GRPC_TLS_DIR: grpcTlsDir(p),
    MERIDIAN_S3_CREATE_BUCKET: 'true',
    ...(minioPort ? { MERIDIAN_S3_ENDPOINT: `http://127.0.0.1:${minioPort}` } : {}),
    ...process.env,
    ...p.options.extraEnv,
    MERIDIAN_DIAG_TOKEN: given || localDiagToken(),
    MERIDIAN_REGION: region,
    MERIDIAN_TOPOLOGY: p.options.topologyPath,
    MERIDIAN_NAMESPACE: p.options.namespace,
    MERIDIAN_PORT_OFFSET: String(p.options.portOffset),
    MERIDIAN_LOG_LEVEL: p.options.logLevel,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
}

export interface Unit {
  name: string;
  services: ServiceName[];
  entry: string;
  args: string[];
}

export interface Child {
  name: string;
  region: string;
  services: ServiceName[];
  unit: Unit;
  process: ChildProcess;
}

const RUNNER = join(REPO_ROOT, 'tools', 'runtime', 'run.js');

/** Spawns one process per service (or per region), logging each to its own file. */
export function spawnPlatform(p: ResolvedPlatform): Child[] {
  mkdirSync(p.options.logDir, { recursive: true });
  const children: Child[] = [];
  for (const region of p.regions) {
    const units: Unit[] =
      p.options.mode === 'region'
        ? [{ name: `${region}.all`, services: [...SERVICE_NAMES], entry: 'dist/tools/launcher/src/region-main.js', args: [] }]
        : SERVICE_NAMES.map((s) => ({ name: `${region}.${s}`, services: [s], entry: `dist/services/${s}/src/main.js`, args: [] }));
    for (const unit of units) children.push(spawnUnit(p, region, unit));
  }
  return children;
}

export function spawnUnit(p: ResolvedPlatform, region: string, unit: Unit): Child {
  ensureGrpcCerts(p);
  // Each start begins a fresh log per process; the previous one is kept as .log.1.
  const file = join(p.options.logDir, `${unit.name}.log`);
  if (existsSync(file)) renameSync(file, `${file}.1`);
  const log = openSync(file, 'a');
  const child = spawn(process.execPath, [...p.options.nodeArgs, RUNNER, unit.entry, ...unit.args], {
    cwd: REPO_ROOT,
    env: serviceEnv(p, region),
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  return { name: unit.name, region, services: unit.services, unit, process: child };
}

export interface ReadyProgress {
  ready: number;
  total: number;
  waitingFor: string[];
}

/** Polls every service's /readyz until all answer 200, reporting progress; throws on timeout or a dead child. */
export async function waitReady(
  p: ResolvedPlatform,
  opts: { timeoutMs?: number; onProgress?: (progress: ReadyProgress) => void; children?: Child[] } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  const targets = p.regions.flatMap((r) =>
    SERVICE_NAMES.map((s) => ({ name: `${r}.${s}`, url: `${p.topology.httpBaseUrl(r, s)}/readyz` })),
  );
  const ready = new Set<string>();
  let last = -1;
  let lastError = new Map<string, string>();
  while (ready.size < targets.length) {
    const dead = opts.children?.find((c) => c.process.exitCode !== null || c.process.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited (code ${dead.process.exitCode ?? dead.process.signalCode}); see its log in ${p.options.logDir}`);
    lastError = new Map();
    await Promise.all(
      targets
        .filter((t) => !ready.has(t.name))
        .map(async (t) => {
          try {
            const res = await fetch(t.url, { signal: AbortSignal.timeout(3000) });
            if (res.ok) ready.add(t.name);
            else lastError.set(t.name, JSON.stringify(await res.json()));
          } catch (err) {
            lastError.set(t.name, (err as Error).message);
          }
        }),
    );
    if (ready.size !== last) {
      last = ready.size;
      opts.onProgress?.({ ready: ready.size, total: targets.length, waitingFor: targets.filter((t) => !ready.has(t.name)).map((t) => t.name) });
    }
    if (ready.size === targets.length) return;
    if (Date.now() > deadline) {
      const detail = [...lastError].map(([n, e]) => `  ${n}: ${e}`).join('\n');
      throw new Error(`platform not ready in time; still waiting for:\n${detail}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** SIGTERM to every child, SIGKILL to those still alive after the grace period. */
export async function stopChildren(children: Child[], graceMs = 15_000): Promise<void> {
  const alive = children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
  await Promise.all(
    alive.map(
      (c) =>
        new Promise<void>((resolveExit) => {
          const timer = setTimeout(() => c.process.kill('SIGKILL'), graceMs);
          c.process.once('exit', () => {
            clearTimeout(timer);
            resolveExit();
          });
          c.process.kill('SIGTERM');
        }),
    ),
  );
}
