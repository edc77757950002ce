#!/usr/bin/env node
// npm test beside another checkout's npm start (or npm test): which data plane the integration
// tests use, and which namespace and port offset their platform takes.
//
//   own       this checkout's data plane runs (pid files in .meridian/run): use it, namespace
//             `test`, ports +10000, as always.
//   shared    Redis, Kafka and FerretDB answer on the data-plane ports but another checkout
//             started them: use them without starting or stopping anything, under a namespace and
//             port offset of this checkout's own (from a hash of its path, moved on while ports
//             are taken), so neither run sees the other's data or ports.
//   start     nothing holds the ports: start this checkout's data plane (and stop it afterwards).
//   conflict  some ports are taken by something that is not a whole data plane: stop with a
//             sentence naming them.
//
// `node tools/scripts/side-by-side.mjs` prints the plan as JSON (the integration test runs it).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, dataplaneRunning } from './lib.mjs';

/** The servers the services talk to; PostgreSQL is FerretDB's own, reached only through it. */
const USED = ['redis', 'kafka', 'ferretdb'];
/** Offsets a shared run may take: 20000…49000, so the chaos platform's (offset + 500) stays within config's cap of 50000. */
const OFFSETS = Array.from({ length: 30 }, (_, i) => 20_000 + i * 1000);
/** Ports tests open at a fixed distance from the platform's (libs/sdk/src/sdk.int-spec.ts). */
const EXTRA_TEST_PORTS = [7600, 7620];

/** Each data-plane server's state on its port: answers, busy (taken, no protocol answer) or free. */
export function probeDataplane(env = process.env) {
  const res = spawnSync('bash', [join(ROOT, 'deploy', 'dataplane', 'dataplane.sh'), 'probe'], { cwd: ROOT, env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`dataplane.sh probe failed: ${res.stderr.trim()}`);
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [name, port, state] = line.split(' ');
      return { name, port: Number(port), state };
    });
}

/** The plan's mode from probe results (pure: the unit test feeds it made-up results). */
export function decide(own, probe) {
  if (own) return { mode: 'own' };
  const state = (name) => probe.find((p) => p.name === name)?.state;
  if (USED.every((n) => state(n) === 'answers')) return { mode: 'shared' };
  const taken = probe.filter((p) => p.state !== 'free');
  if (!taken.length) return { mode: 'start' };
  const list = taken.map((p) => `${p.port} (${p.name}, ${p.state === 'answers' ? 'answering' : 'not answering as one'})`).join(', ');
  return {
    mode: 'conflict',
    message:
      `the data plane's ports are partly taken, by servers this checkout did not start: ${list}. ` +
      'npm test shares a whole data plane of another checkout (Redis, Kafka and FerretDB all answering) or starts its own on free ports; ' +
      'stop what holds these ports, or start the other checkout\'s data plane fully (npm run dataplane -- up there).',
  };
}

/** This checkout's namespace for a shared data plane: `t` and six hex digits of its path's hash. */
export function namespaceFor(root) {
  return `t${createHash('sha256').update(root).digest('hex').slice(0, 6)}`;
}

/** The offsets to try for this checkout, its own first (from the hash), then the others in turn. */
export function offsetsFor(root) {
  const start = createHash('sha256').update(root).digest().readUInt16BE(4) % OFFSETS.length;
  return OFFSETS.map((_, i) => OFFSETS[(start + i) % OFFSETS.length]);
}

/** Every port the test platform listens on, before the offset. */
export function platformPorts(topologyPath = join(ROOT, 'deploy', 'topology.json')) {
  const topology = JSON.parse(readFileSync(topologyPath, 'utf8'));
  const ports = Object.values(topology.regions).flatMap((r) => Object.values(r.services).flatMap((s) => [s.httpPort, s.grpcPort]));
  return [...ports, ...EXTRA_TEST_PORTS];
}

export function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The first offset of this checkout's list at which every platform port is free. */
export async function freeOffset(root, ports = platformPorts(), isFree = portFree) {
  for (const offset of offsetsFor(root)) {
    const free = await Promise.all(ports.map((p) => isFree(p + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error(`no free port offset for the test platform among ${OFFSETS[0]}…${OFFSETS[OFFSETS.length - 1]}`);
}

/**
 * The whole plan: mode, and for `shared` the namespace and offset (MERIDIAN_TEST_NAMESPACE and
 * MERIDIAN_TEST_PORT_OFFSET, when set, win).
 */
export async function planIntegration(env = process.env, root = ROOT) {
  const own = dataplaneRunning(env);
  const plan = decide(own, own ? [] : probeDataplane(env));
  if (plan.mode !== 'shared') return plan;
  const portOffset = env.MERIDIAN_TEST_PORT_OFFSET !== undefined ? Number(env.MERIDIAN_TEST_PORT_OFFSET) : await freeOffset(root);
  return { ...plan, namespace: env.MERIDIAN_TEST_NAMESPACE ?? namespaceFor(root), portOffset, chaosEnv: chaosEnvFor(portOffset) };
}

/**
 * The chaos test's own data plane and platform beside a shared run: its platform 500 above this
 * checkout's offset, its servers at offset + 4017…4432. Ports modulo 1000 of any platform are
 * 100–216 and 600–716 (the extra test ports), so no offset's platform meets these.
 */
export function chaosEnvFor(offset) {
  return {
    MERIDIAN_CHAOS_PORT_OFFSET: String(offset + 500),
    MERIDIAN_CHAOS_REDIS_PORT: String(offset + 4379),
    MERIDIAN_CHAOS_KAFKA_PORT: String(offset + 4092),
    MERIDIAN_CHAOS_KAFKA_CONTROLLER_PORT: String(offset + 4093),
    MERIDIAN_CHAOS_PG_PORT: String(offset + 4432),
    MERIDIAN_CHAOS_MONGO_PORT: String(offset + 4017),
  };
}

/** Connections to the data plane's Redis other than the one asking (0 when it cannot tell). */
export function otherDataplaneClients(env = process.env) {
  const port = env.MERIDIAN_REDIS_PORT ?? '6379';
  const res = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', port, 'client', 'list'], { encoding: 'utf8' });
  if (res.status !== 0) return 0;
  return Math.max(0, res.stdout.trim().split('\n').filter(Boolean).length - 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${JSON.stringify(await planIntegration())}\n`);
}
