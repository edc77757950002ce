import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';
import { DiagHttpController } from './diag/diag.http.controller';
import { DiagService } from './diag/diag.service';
import { GATEWAY_CONFIG, loadGatewayConfig } from './gateway.config';
import { AccountCommands } from './rest/commands/account.commands';
import { GatewayGrpcController } from './rest/gateway.grpc.controller';
import { RestCommandRegistry } from './rest/rest-command.registry';
import { RestHttpController } from './rest/rest.http.controller';
import { RestPipeline } from './rest/rest.pipeline';
import { RestRateLimiter } from './rest/rest-rate-limiter.repository';

/**
 * Root module of the gateway: the Tencent-compatible REST face (commands registered by feature),
 * gateway-to-gateway forwarding, and operator diagnostics. The client WebSocket face and the
 * addressing endpoint arrive with the Access-layer issue.
 */
@Module({})
export class GatewayModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: GatewayModule,
      imports: [PlatformModule.register(config)],
      controllers: [DiagHttpController, RestHttpController, GatewayGrpcController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: loadGatewayConfig(env) },
        DiagService,
        RestCommandRegistry,
        RestRateLimiter,
        RestPipeline,
        AccountCommands,
      ],
    };
  }
}
