import { Transport, type GrpcOptions } from '@nestjs/microservices';
import { GRPC_SERVICES, PLATFORM_GRPC, type ServiceName } from '@meridian/contracts';
import { protoFile, protoRoot } from '@meridian/proto';
import type { PlatformConfig } from '../config/platform-config';
import { PROTO_LOADER_OPTIONS, serviceMethodCount } from './loader';
import { grpcServerCredentials } from './tls';

/**
 * Nest gRPC transport options: the platform package plus the service's own package. grpc-js
 * refuses a service without methods, so an own contract joins once its first RPC exists.
 * Mutual TLS unless MERIDIAN_GRPC_TLS=off; missing or wrong certificate files throw here, before
 * anything listens.
 */
export function grpcServerOptions(config: PlatformConfig, service: ServiceName): GrpcOptions {
  const own = GRPC_SERVICES[service];
  const contracts = [PLATFORM_GRPC, ...(serviceMethodCount(own.pkg, own.service) > 0 ? [own] : [])];
  return {
    transport: Transport.GRPC,
    options: {
      url: `${config.grpc.host}:${config.grpc.port}`,
      package: contracts.map((c) => c.pkg),
      protoPath: contracts.map((c) => protoFile(c.file)),
      loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] },
      gracefulShutdown: true,
      credentials: grpcServerCredentials(config.grpc.tls),
    },
  };
}
