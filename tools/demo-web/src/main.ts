/**
 * Starts the web demo for a running platform (npm start runs it):
 *   node tools/runtime/run.js dist/tools/demo-web/src/main.js [--port 7080] [--namespace ns] [--port-offset n]
 * It creates the demo app if needed, then serves until SIGTERM.
 */
import { parseArgs } from 'node:util';
import { resolvePlatform } from '../../launcher/src/control';
import { demoAppAdmins, ensureDemoApp } from '../../launcher/src/demo-app';
import { startDemoServer } from './demo-server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env['MERIDIAN_DEMO_PORT'] ?? '7080' },
      namespace: { type: 'string', default: '' },
      'port-offset': { type: 'string', default: '0' },
    },
  });
  const platform = resolvePlatform({ namespace: values.namespace, portOffset: Number(values['port-offset']) });
  const demo = await ensureDemoApp(platform);
  const admins = demoAppAdmins(platform);
  const server = await startDemoServer({
    sdkAppId: demo.sdkAppId,
    secretKey: demo.secretKey,
    accessUrls: platform.regions.map((r) => platform.topology.httpBaseUrl(r, 'gateway')),
    regions: platform.regions,
    port: Number(values.port),
    admins: admins.admins,
  });
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'demo-web', msg: 'serving', url: server.url })}\n`);
  const stop = () =>
    void server.close().then(() => {
      admins.close();
      process.exit(0);
    });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
