/**
 * The operator console (npm start runs it):
 *   node tools/runtime/run.js dist/tools/console/src/main.js [--port 7090] [--namespace ns] [--port-offset n]
 *   ... main.js --init             creates the `admin` operator if missing and prints its password once (JSON)
 *   ... main.js --reset-password   sets a new random password for `admin` (ends its sessions) and prints it
 * Serves on 127.0.0.1 until SIGTERM.
 *
 * Environment: MERIDIAN_CONSOLE_TRUSTED_PROXIES — comma-separated IPs / CIDR ranges of the reverse
 * proxies in front of the console whose X-Forwarded-For is believed (sign-in throttling is per
 * client address); empty by default (the socket's peer is the client).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { trustedProxies } from '@meridian/platform';
import { resolvePlatform } from '../../launcher/src/control';
import { ConsoleStore } from './console-store';
import { OPERATOR, startConsoleServer } from './console-server';

const ConsoleEnv = z.object({
  MERIDIAN_CONSOLE_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .superRefine((list, ctx) => {
      try {
        trustedProxies(list);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env['MERIDIAN_CONSOLE_PORT'] ?? '7090' },
      namespace: { type: 'string', default: '' },
      'port-offset': { type: 'string', default: '0' },
      init: { type: 'boolean', default: false },
      'reset-password': { type: 'boolean', default: false },
      user: { type: 'string', default: OPERATOR },
    },
  });
  const platform = resolvePlatform({ namespace: values.namespace, portOffset: Number(values['port-offset']) });
  if (values.init || values['reset-password']) {
    const ns = platform.options.namespace;
    const store = await ConsoleStore.open(platform.topology.dataPlane.mongoUrl, ns ? `${ns}_console` : 'meridian_console');
    try {
      if (values.init) {
        const password = await store.ensureOperator(values.user);
        process.stdout.write(`${JSON.stringify({ user: values.user, created: !!password, password: password ?? null })}\n`);
      } else {
        process.stdout.write(`${JSON.stringify({ user: values.user, reset: true, password: await store.resetPassword(values.user) })}\n`);
      }
    } finally {
      await store.close();
    }
    return;
  }
  const env = ConsoleEnv.parse(process.env);
  const server = await startConsoleServer({ platform, port: Number(values.port), trustedProxies: env.MERIDIAN_CONSOLE_TRUSTED_PROXIES });
  // Started without --init on a fresh store: this is the only place the password shows.
  if (server.initialPassword) process.stdout.write(`${JSON.stringify({ component: 'console', msg: 'operator admin created', password: server.initialPassword })}\n`);
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'console', msg: 'serving', url: server.url })}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
