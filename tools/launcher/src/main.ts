/**
 * Foreground launcher: starts every service of the chosen regions, waits until all are ready,
 * then supervises them until SIGTERM/SIGINT, when it stops them all.
 *
 *   node tools/runtime/run.js dist/tools/launcher/src/main.js [--regions a,b] [--mode process|region]
 *        [--namespace ns] [--port-offset n] [--log-level info]
 */
import { parseArgs } from 'node:util';
import { LOCAL_SECRETS_FILE, resolvePlatform, spawnPlatform, spawnUnit, stopChildren, waitReady } from './control';
import { ensurePlatformSecrets, secretsEnv } from './secrets';

const log = (msg: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'launcher', msg, ...extra })}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      regions: { type: 'string' },
      mode: { type: 'string', default: 'process' },
      namespace: { type: 'string', default: '' },
      'port-offset': { type: 'string', default: '0' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  if (values.mode !== 'process' && values.mode !== 'region') throw new Error('--mode must be process or region');
  const platform = resolvePlatform({
    regions: values.regions?.split(',').filter(Boolean),
    mode: values.mode,
    namespace: values.namespace,
    portOffset: Number(values['port-offset']),
    logLevel: values['log-level'],
    // Kept with the data (.meridian/data), so links and sessions outlive a platform restart.
    extraEnv: secretsEnv(ensurePlatformSecrets(LOCAL_SECRETS_FILE), process.env),
  });
  const children = spawnPlatform(platform);
  log('spawned', { processes: children.map((c) => ({ name: c.name, pid: c.process.pid })) });
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { reason });
    await stopChildren(children);
    log('stopped');
    process.exit(reason.startsWith('SIG') ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Supervise: a process that dies is started again, with backoff, as Kubernetes would.
  const supervise = (index: number, attempt: number) => {
    const child = children[index]!;
    const startedAt = Date.now();
    child.process.once('exit', (code, signal) => {
      if (stopping) return;
      const next = Date.now() - startedAt > 60_000 ? 0 : attempt + 1;
      const delay = Math.min(30_000, 1000 * 2 ** next);
      log('process exited; restarting', { name: child.name, code, signal, inMs: delay });
      setTimeout(() => {
        if (stopping) return;
        children[index] = spawnUnit(platform, child.region, child.unit);
        log('restarted', { name: child.name, pid: children[index]!.process.pid });
        supervise(index, next);
      }, delay);
    });
  };
  children.forEach((_, i) => supervise(i, 0));
  try {
    await waitReady(platform, {
      children,
      onProgress: (p) => log('readiness', { ready: p.ready, total: p.total }),
    });
  } catch (err) {
    log('not ready', { error: (err as Error).message });
    await stop('start-up failed');
    return;
  }
  log('ready', { regions: platform.regions });
}

main().catch((err: unknown) => {
  log('failed', { error: (err as Error).message });
  process.exit(1);
});
