import { runServiceMain } from '@meridian/platform';
import { PushModule } from './push.module';

runServiceMain({ service: 'push', module: (config) => PushModule.register(config) });
