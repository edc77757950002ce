/**
 * All seven services of one region in a single Node process, for small machines. Each keeps its
 * own ports, registry, connections and logger, exactly as when run apart.
 */
import { startService, type RunningService, type StartOptions } from '@meridian/platform';
import { AuthModule } from '../../../services/auth/src/auth.module';
import { CallbackModule } from '../../../services/callback/src/callback.module';
import { ChatModule } from '../../../services/chat/src/chat.module';
import { GatewayModule } from '../../../services/gateway/src/gateway.module';
import { GroupModule } from '../../../services/group/src/group.module';
import { PushModule } from '../../../services/push/src/push.module';
import { RelationshipModule } from '../../../services/relationship/src/relationship.module';

const SERVICES: StartOptions[] = [
  { service: 'auth', module: (c) => AuthModule.register(c) },
  { service: 'relationship', module: (c) => RelationshipModule.register(c) },
  { service: 'chat', module: (c) => ChatModule.register(c) },
  { service: 'group', module: (c) => GroupModule.register(c) },
  { service: 'push', module: (c) => PushModule.register(c) },
  { service: 'callback', module: (c) => CallbackModule.register(c) },
  { service: 'gateway', module: (c) => GatewayModule.register(c), bodyParser: false },
];

async function main(): Promise<void> {
  const running: RunningService[] = [];
  for (const s of SERVICES) running.push(await startService(s));
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    // Gateway first (it was started last), so clients leave before the services behind it stop.
    // allSettled never rejects.
    void Promise.allSettled(running.reverse().map((r) => r.close())).then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`region process failed to start: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
