import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { RestCommandRegistry } from '../rest-command.registry';

/** v4/ConfigSvc/GetIPList: the addresses of the access nodes (every region's gateway), for allowlists. */
@Injectable()
export class ConfigCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      path: 'ConfigSvc/GetIPList',
      handle: async () => {
        const hosts = this.platform.topology.regionNames().map((r) => new URL(this.platform.topology.httpBaseUrl(r, 'gateway')).hostname);
        return { IPList: [...new Set(hosts)] };
      },
    });
  }
}
