/**
 * Foreground launcher: starts every service of the chosen regions, waits until all are ready,
 * then supervises them until SIGTERM/SIGINT, when it stops them all.
 *
 *   node tools/runtime/run.js dist/tools/launcher/src/main.js [--regions a,b] [--mode process|region]
 *        [--namespace ns] [--port-offset n] [--log-level info]
 */
import { parseArgs } from 'node:util';
import { resolvePlatform, spawnPlatform, stopChildren, waitReady } from './control';

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
  for (const c of children) {
    c.process.on('exit', (code, signal) => {
      if (!stopping) log('process exited', { name: c.name, code, signal });
    });
  }
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
