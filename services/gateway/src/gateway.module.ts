import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppCountReporter, PlatformModule, type PlatformConfig } from '@meridian/platform';
import { AccessHttpController } from './access/access.http.controller';
import { HomeRegions } from './access/home-regions.service';
import { RegionHealthService } from './access/region-health.service';
import { DiagHttpController } from './diag/diag.http.controller';
import { DiagService } from './diag/diag.service';
import { GATEWAY_CONFIG, loadGatewayConfig } from './gateway.config';
import { GatewayGrpcController } from './gateway.grpc.controller';
import { HistoryExportService } from './history/history-export.service';
import { HistoryCommands } from './history/history.commands';
import { HistoryHttpController } from './history/history.http.controller';
import { AccountCommands } from './rest/commands/account.commands';
import { AllMemberPushCommands } from './rest/commands/all-member-push.commands';
import { C2cCommands } from './rest/commands/c2c.commands';
import { ConfigCommands } from './rest/commands/config.commands';
import { GroupCommands } from './rest/commands/group.commands';
import { ProfileCommands } from './rest/commands/profile.commands';
import { RecentContactCommands } from './rest/commands/recentcontact.commands';
import { SnsCommands } from './rest/commands/sns.commands';
import { NotFoundEnvelopeFilter, ParserErrorEnvelopes } from './rest/edge-errors';
import { RestCommandRegistry } from './rest/rest-command.registry';
import { RestHttpController } from './rest/rest.http.controller';
import { RestPipeline } from './rest/rest.pipeline';
import { RestRateLimiter } from './rest/rest-rate-limiter.repository';
import { ClientWsServer } from './ws/client-ws.server';
import { ChatCommands } from './ws/commands/chat.commands';
import { LiveRooms } from './ws/live-rooms';
import { GroupWsCommands } from './ws/commands/group.commands';
import { PresenceCommands } from './ws/commands/presence.commands';
import { ProfileWsCommands } from './ws/commands/profile.commands';
import { PushCommands } from './ws/commands/push.commands';
import { RelationshipCommands } from './ws/commands/relationship.commands';
import { WsCommandRegistry } from './ws/ws-command.registry';

/**
 * Root module of the gateway: the client WebSocket face, the Tencent-compatible REST face,
 * the addressing endpoint, gateway-to-gateway calls and operator diagnostics.
 */
@Module({})
export class GatewayModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: GatewayModule,
      imports: [PlatformModule.register(config)],
      controllers: [DiagHttpController, RestHttpController, AccessHttpController, HistoryHttpController, GatewayGrpcController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: loadGatewayConfig(env) },
        { provide: APP_FILTER, useClass: NotFoundEnvelopeFilter },
        ParserErrorEnvelopes,
        DiagService,
        AppCountReporter,
        HomeRegions,
        RegionHealthService,
        RestCommandRegistry,
        RestRateLimiter,
        RestPipeline,
        AccountCommands,
        AllMemberPushCommands,
        C2cCommands,
        RecentContactCommands,
        SnsCommands,
        GroupCommands,
        ConfigCommands,
        ProfileCommands,
        HistoryExportService,
        HistoryCommands,
        WsCommandRegistry,
        LiveRooms,
        ClientWsServer,
        PresenceCommands,
        PushCommands,
        RelationshipCommands,
        ChatCommands,
        GroupWsCommands,
        ProfileWsCommands,
      ],
    };
  }
}
