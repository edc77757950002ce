import { runServiceMain } from '@meridian/platform';
import { GatewayModule } from './gateway.module';

runServiceMain({ service: 'gateway', module: (config) => GatewayModule.register(config), bodyParser: false });
