import { runServiceMain } from '@meridian/platform';
import { CallbackModule } from './callback.module';

runServiceMain({ service: 'callback', module: (config) => CallbackModule.register(config) });
