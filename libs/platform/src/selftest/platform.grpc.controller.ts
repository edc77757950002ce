import { Controller, Inject } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { platformV1 } from '@meridian/proto';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { GrpcEndpoint } from '../grpc/grpc-endpoint';
import { SelfTestService } from './selftest.service';

const startedAt = Date.now();

@Controller()
@GrpcEndpoint()
@platformV1.PlatformServiceControllerMethods()
export class PlatformGrpcController implements platformV1.PlatformServiceController {
  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(SelfTestService) private readonly selfTests: SelfTestService,
  ) {}

  ping(request: platformV1.PingRequest): platformV1.PingResponse {
    return {
      service: this.config.service,
      region: this.config.region,
      instanceId: this.config.instanceId,
      echo: request.echo,
      serverTimeMs: String(Date.now()),
      uptimeMs: String(Date.now() - startedAt),
      version: this.config.version,
    };
  }

  async selfTest(request: platformV1.SelfTestRequest): Promise<platformV1.SelfTestResponse> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(request.nonce)) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'nonce must be 8-64 characters of [A-Za-z0-9_-]');
    }
    return this.selfTests.run(request.nonce);
  }
}
