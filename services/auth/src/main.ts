import { runServiceMain } from '@meridian/platform';
import { AuthModule } from './auth.module';

runServiceMain({ service: 'auth', module: (config) => AuthModule.register(config) });
