import { Controller, Inject } from '@nestjs/common';
import { GrpcCallers, GrpcEndpoint } from '@meridian/platform';
import { gatewayV1 } from '@meridian/proto';
import { MediaRouter } from './media/media-router';
import { RestPipeline } from './rest/rest.pipeline';
import { ClientWsServer } from './ws/client-ws.server';

/**
 * What other processes ask of this gateway instance: REST and media commands forwarded from
 * gateways outside the home region, deliveries and session closes routed here by push.
 */
@Controller()
@GrpcEndpoint()
@gatewayV1.GatewayServiceControllerMethods()
export class GatewayGrpcController implements gatewayV1.GatewayServiceController {
  constructor(
    @Inject(RestPipeline) private readonly pipeline: RestPipeline,
    @Inject(ClientWsServer) private readonly ws: ClientWsServer,
    @Inject(MediaRouter) private readonly media: MediaRouter,
  ) {}

  async handleRest(req: gatewayV1.HandleRestRequest): Promise<gatewayV1.HandleRestResponse> {
    const result = await this.pipeline.execute({
      command: req.command,
      query: req.query,
      body: Buffer.from(req.body),
      clientIp: req.clientIp,
      entryRegion: req.entryRegion,
    });
    return { body: Buffer.from(JSON.stringify(result)) };
  }

  /** Gateways only: the request names the user, and only a gateway has checked a session's UserSig. */
  @GrpcCallers(['gateway'])
  async handleMedia(req: gatewayV1.HandleMediaRequest): Promise<gatewayV1.HandleMediaResponse> {
    return { body: Buffer.from(JSON.stringify(await this.media.handle(req))) };
  }

  async deliver(req: gatewayV1.DeliverRequest): Promise<gatewayV1.DeliverResponse> {
    return { results: await this.ws.deliver(req.deliveries, req.ackTimeoutMs) };
  }

  deliverLive(req: gatewayV1.DeliverLiveRequest): gatewayV1.DeliverLiveResponse {
    return { delivered: this.ws.deliverLive(req.sdkAppId, req.groupId, req.kind, req.body, req.excludeLoginId) };
  }

  closeSession(req: gatewayV1.CloseSessionRequest): gatewayV1.CloseSessionResponse {
    return { closed: this.ws.closeSession(req.loginId, req.connectionId, req.reason) };
  }
}
