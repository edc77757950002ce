import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';

/** Root module of the auth service. Feature modules are added here as their issues land. */
@Module({})
export class AuthModule {
  static register(config: PlatformConfig): DynamicModule {
    return { module: AuthModule, imports: [PlatformModule.register(config)] };
  }
}
