import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { APP_FILTER } from '@nestjs/core';
import { AppCountReporter, PlatformModule, type PlatformConfig } from '@meridian/platform';
import { AccessHttpController } from './access/access.http.controller';
import { HomeRegions } from './access/home-regions.service';
import { RegionHealthService } from './access/region-health.service';
import { DiagHttpController } from './diag/diag.http.controller';
import { DiagService } from './diag/diag.service';
import { EdgeTable } from './edge/edge-table';
import { GATEWAY_CONFIG, loadGatewayConfig } from './gateway.config';
import { GatewayGrpcController } from './gateway.grpc.controller';
import { HistoryExportService } from './history/history-export.service';
import { HistoryHttpController } from './history/history.http.controller';
import { MediaStore } from './media/media-store';
import { MediaUploads } from './media/media-uploads.repository';
import { MediaHttpController } from './media/media.http.controller';
import { MediaRouter } from './media/media-router';
import { MediaService } from './media/media.service';
import { NotFoundEnvelopeFilter, ParserErrorEnvelopes } from './rest/edge-errors';
import { RestCommandRegistry } from './rest/rest-command.registry';
import { RestHttpController } from './rest/rest.http.controller';
import { RestPipeline } from './rest/rest.pipeline';
import { RestRateLimiter } from './rest/rest-rate-limiter.repository';
import { ClientWsServer } from './ws/client-ws.server';
import { LiveRooms } from './ws/live-rooms';
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
      imports: [PlatformModule.register(config, { topics: [TOPICS.mediaObjects] })],
      controllers: [DiagHttpController, RestHttpController, AccessHttpController, HistoryHttpController, MediaHttpController, GatewayGrpcController],
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
        HistoryExportService,
        WsCommandRegistry,
        LiveRooms,
        ClientWsServer,
        MediaStore,
        MediaUploads,
        MediaService,
        MediaRouter,
        EdgeTable,
      ],
    };
  }
}
