import { Controller, Inject } from '@nestjs/common';
import { GrpcEndpoint } from '@meridian/platform';
import { gatewayV1 } from '@meridian/proto';
import { RestPipeline } from './rest.pipeline';

/** Gateway-to-gateway calls: runs REST commands forwarded from gateways outside the home region. */
@Controller()
@GrpcEndpoint()
@gatewayV1.GatewayServiceControllerMethods()
export class GatewayGrpcController implements gatewayV1.GatewayServiceController {
  constructor(@Inject(RestPipeline) private readonly pipeline: RestPipeline) {}

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
}
