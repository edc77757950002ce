import { runServiceMain } from '@meridian/platform';
import { GroupModule } from './group.module';

runServiceMain({ service: 'group', module: (config) => GroupModule.register(config) });
