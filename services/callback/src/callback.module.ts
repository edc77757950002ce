import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';

/** Root module of the callback service. Feature modules are added here as their issues land. */
@Module({})
export class CallbackModule {
  static register(config: PlatformConfig): DynamicModule {
    return { module: CallbackModule, imports: [PlatformModule.register(config)] };
  }
}
