import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';

/** Root module of the push service. Feature modules are added here as their issues land. */
@Module({})
export class PushModule {
  static register(config: PlatformConfig): DynamicModule {
    return { module: PushModule, imports: [PlatformModule.register(config)] };
  }
}
