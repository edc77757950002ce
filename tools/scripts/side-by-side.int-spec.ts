/**
 * npm test in a second checkout while another checkout's data plane holds the ports (issue #22):
 * against the real data plane the integration tier runs on, seen from a checkout that did not
 * start it (an empty run directory of its own).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Topology } from '@meridian/platform';
import { REPO_ROOT, testTopology } from '@meridian/testing';

const run = promisify(execFile);

interface Plan {
  mode: string;
  namespace?: string;
  portOffset?: number;
  message?: string;
}

const portOf = (url: string) => Number(new URL(url).port);

/** A second checkout's view: its own (empty) run, log and data directories. */
function secondCheckout(dir: string, ports: Record<string, number> = {}): NodeJS.ProcessEnv {
  const dp = testTopology().dataPlane;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MERIDIAN_RUN_DIR: join(dir, 'run'),
    MERIDIAN_LOG_DIR: join(dir, 'logs'),
    MERIDIAN_DATA: join(dir, 'data'),
    MERIDIAN_REDIS_PORT: String(portOf(dp.redisUrl)),
    MERIDIAN_KAFKA_PORT: String(Number(dp.kafkaBrokers[0]!.split(':')[1])),
    MERIDIAN_MONGO_PORT: String(portOf(dp.mongoUrl)),
  };
  delete env['MERIDIAN_TEST_NAMESPACE'];
  delete env['MERIDIAN_TEST_PORT_OFFSET'];
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  return env;
}

async function plan(env: NodeJS.ProcessEnv): Promise<Plan> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'tools/scripts/side-by-side.mjs')], { cwd: REPO_ROOT, env });
  return JSON.parse(stdout) as Plan;
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as { port: number }).port;
}

/** Ports nobody listens on (taken, then given back). */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  const ports = await Promise.all(servers.map((s) => listen(s)));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

describe('npm test beside another checkout (tools/scripts/side-by-side.mjs)', () => {
  let dir: string;
  const servers: Server[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'side-by-side-'));
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  it("shares a data plane another checkout started, where starting its own fails on the taken ports", async () => {
    const env = secondCheckout(dir);
    // What npm test did before: dataplane.sh up refuses the ports and starts nothing.
    const up = await run('bash', [join(REPO_ROOT, 'deploy/dataplane/dataplane.sh'), 'up'], { cwd: REPO_ROOT, env }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(/port \d+ needed by \w+ is already in use/);
    const pidFiles = existsSync(join(dir, 'run')) ? readdirSync(join(dir, 'run')).filter((f) => f.endsWith('.pid')) : [];
    expect(pidFiles).toEqual([]);

    const p = await plan(env);
    expect(p.mode).toBe('shared');
    expect(p.namespace).toMatch(/^t[0-9a-f]{6}$/);
    expect(p.portOffset! % 1000).toBe(0);
    expect(p.portOffset).toBeGreaterThanOrEqual(20_000);
    // Its platform's ports are free: it can start beside whatever runs now.
    const topology = Topology.load(join(REPO_ROOT, 'deploy', 'topology.json'), { portOffset: p.portOffset });
    const taken: number[] = [];
    for (const region of topology.regionNames()) {
      for (const s of Object.values(topology.region(region).services)) {
        for (const port of [s.httpPort, s.grpcPort]) {
          const probe = createServer();
          if (await listen(probe, port).then(() => true, () => false)) await new Promise((r) => probe.close(r));
          else taken.push(port);
        }
      }
    }
    expect(taken).toEqual([]);
    // MERIDIAN_TEST_NAMESPACE / MERIDIAN_TEST_PORT_OFFSET given by the developer win.
    expect(await plan({ ...env, MERIDIAN_TEST_NAMESPACE: 'mine', MERIDIAN_TEST_PORT_OFFSET: '23000' })).toMatchObject({ mode: 'shared', namespace: 'mine', portOffset: 23000 });
  });

  it('refuses with the port named when something that is not a data plane holds one, and starts its own when all are free', async () => {
    const [kafka, controller, mongo, pg, minio] = await freePorts(5);
    // Answers garbage and hangs up (a half-closed socket would keep close() waiting).
    const impostor = createServer((socket) => socket.end('not redis\r\n', () => socket.destroy()));
    servers.push(impostor);
    const redis = await listen(impostor);
    // The object store's port too (the data plane has five servers since media landed).
    const ports = { MERIDIAN_KAFKA_PORT: kafka!, MERIDIAN_KAFKA_CONTROLLER_PORT: controller!, MERIDIAN_MONGO_PORT: mongo!, MERIDIAN_PG_PORT: pg!, MERIDIAN_MINIO_PORT: minio! };
    const conflict = await plan(secondCheckout(dir, { ...ports, MERIDIAN_REDIS_PORT: redis }));
    expect(conflict.mode).toBe('conflict');
    expect(conflict.message).toContain(`${redis} (redis, not answering as one)`);
    await new Promise((r) => impostor.close(r));
    servers.splice(0);
    expect(await plan(secondCheckout(dir, { ...ports, MERIDIAN_REDIS_PORT: redis }))).toEqual({ mode: 'start' });
  });
});
