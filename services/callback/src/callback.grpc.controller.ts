import { Controller, Inject } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcEndpoint } from '@meridian/platform';
import { callbackV1 } from '@meridian/proto';
import { BeforeService } from './before/before.service';
import { ReplayService } from './retries/replay.service';

@Controller()
@GrpcEndpoint()
@callbackV1.CallbackServiceControllerMethods()
export class CallbackGrpcController implements callbackV1.CallbackServiceController {
  constructor(
    @Inject(BeforeService) private readonly beforeService: BeforeService,
    @Inject(ReplayService) private readonly replay: ReplayService,
  ) {}

  async before(req: callbackV1.BeforeRequest): Promise<callbackV1.BeforeResponse> {
    if (!req.sdkAppId || !req.command) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'sdk_app_id and command are required');
    return this.beforeService.before(req);
  }

  async replayDeadLetters(req: callbackV1.ReplayDeadLettersRequest): Promise<callbackV1.ReplayDeadLettersResponse> {
    if (!req.sdkAppId) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'sdk_app_id is required');
    return { replayed: await this.replay.replay(req.sdkAppId, req.limit) };
  }
}
