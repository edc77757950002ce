import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';

/** Root module of the relationship service. Feature modules are added here as their issues land. */
@Module({})
export class RelationshipModule {
  static register(config: PlatformConfig): DynamicModule {
    return { module: RelationshipModule, imports: [PlatformModule.register(config)] };
  }
}
