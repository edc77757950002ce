import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';

/** Root module of the group service. Feature modules are added here as their issues land. */
@Module({})
export class GroupModule {
  static register(config: PlatformConfig): DynamicModule {
    return { module: GroupModule, imports: [PlatformModule.register(config)] };
  }
}
