import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';

/** Root module of the chat service. Feature modules are added here as their issues land. */
@Module({})
export class ChatModule {
  static register(config: PlatformConfig): DynamicModule {
    return { module: ChatModule, imports: [PlatformModule.register(config)] };
  }
}
