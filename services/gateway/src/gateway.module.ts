import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';
import { DiagHttpController } from './diag/diag.http.controller';
import { DiagService } from './diag/diag.service';

/**
 * Root module of the gateway: the client WebSocket face, the REST face for app backends and the
 * addressing endpoint are added here by the Accounts and Access-layer issues.
 */
@Module({})
export class GatewayModule {
  static register(config: PlatformConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [PlatformModule.register(config)],
      controllers: [DiagHttpController],
      providers: [DiagService],
    };
  }
}
