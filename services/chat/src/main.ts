import { runServiceMain } from '@meridian/platform';
import { ChatModule } from './chat.module';

runServiceMain({ service: 'chat', module: (config) => ChatModule.register(config) });
