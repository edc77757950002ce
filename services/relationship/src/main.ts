import { runServiceMain } from '@meridian/platform';
import { RelationshipModule } from './relationship.module';

runServiceMain({ service: 'relationship', module: (config) => RelationshipModule.register(config) });
