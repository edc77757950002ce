import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { invalidParameterCode, invalidParameterCodeForWs, lenient, parseTencent, type JsonObject } from '@meridian/contracts';
import { GrpcClients, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { HistoryExportService } from '../history/history-export.service';
import { MediaRouter } from '../media/media-router';
import { RestCommandRegistry } from '../rest/rest-command.registry';
import type { RestContext } from '../rest/rest.types';
import { LiveRooms } from '../ws/live-rooms';
import { WsCommandRegistry, type WsContext } from '../ws/ws-command.registry';
import { COMMANDS } from './commands.table';
import type { EdgeCall, EdgeDeps, EdgeRow } from './edge-command';

/** Runs one row: leniency, schema (Tencent's codes), then the row's call. */
export async function runRow(row: EdgeRow, call: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const name = call.face === 'rest' ? row.rest! : row.ws!;
  const invalid = row.invalid ?? (call.face === 'rest' ? invalidParameterCode(name.split('/')[0] ?? '') : invalidParameterCodeForWs(name));
  const input: unknown = parseTencent(row.schema, lenient(body, row.aliases), invalid);
  return row.handle(call, input);
}

/**
 * The edge table's runner: registers every row of COMMANDS on the faces it names, so the REST
 * pipeline (authentication, admin check, rate limits) and the WebSocket server (session, frame
 * checks) run it the same way.
 */
@Injectable()
export class EdgeTable implements OnModuleInit {
  private readonly deps: EdgeDeps;

  constructor(
    @Inject(RestCommandRegistry) private readonly rest: RestCommandRegistry,
    @Inject(WsCommandRegistry) private readonly ws: WsCommandRegistry,
    @Inject(GrpcClients) clients: GrpcClients,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LiveRooms) live: LiveRooms,
    @Inject(HistoryExportService) history: HistoryExportService,
    @Inject(MediaRouter) media: MediaRouter,
  ) {
    this.deps = { clients, platform, config, live, history, media };
  }

  onModuleInit(): void {
    for (const row of COMMANDS) {
      if (row.rest) this.rest.register({ path: row.rest, ratePerSecond: row.rate, handle: (ctx, body) => runRow(row, this.restCall(ctx), body) });
      if (row.ws) this.ws.register({ cmd: row.ws, handle: (ctx, body) => runRow(row, this.wsCall(ctx), body) });
    }
  }

  private restCall(ctx: RestContext): EdgeCall {
    // The REST pipeline runs in the app's home region (the controller forwards it there).
    const region = this.platform.region;
    return {
      face: 'rest',
      sdkAppId: ctx.sdkAppId,
      operator: ctx.identifier,
      isAdmin: true,
      loginId: '',
      connectionId: '',
      platform: '',
      homeRegion: region,
      entryRegion: ctx.entryRegion,
      clientIp: ctx.clientIp,
      deps: this.deps,
    };
  }

  private wsCall({ session, connectionId, clientIp }: WsContext): EdgeCall {
    return {
      face: 'ws',
      sdkAppId: session.sdkAppId,
      operator: session.userId,
      isAdmin: false,
      loginId: session.loginId,
      connectionId,
      platform: session.platform,
      homeRegion: session.homeRegion,
      entryRegion: this.platform.region,
      clientIp,
      deps: this.deps,
    };
  }
}
