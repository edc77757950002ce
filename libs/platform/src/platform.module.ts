import { Global, Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LoggerModule, type Params } from 'nestjs-pino';
import { PLATFORM_CONFIG, type PlatformConfig } from './config/platform-config';
import { HealthController, HealthRegistry } from './health/health';
import { Metrics } from './metrics/metrics';
import { GrpcClients } from './grpc/clients';
import { GrpcMetricsInterceptor } from './grpc/grpc-endpoint';
import { EventBus, KAFKA_TOPICS } from './kafka/event-bus';
import { RedisClient } from './redis/redis';
import { mongoRootModule } from './mongo/mongo';
import { LOG_SERIALIZERS, createRootLogger } from './logging/logger';
import { Probe, ProbeSchema } from './selftest/probe.schema';
import { SelfTestService } from './selftest/selftest.service';
import { PlatformGrpcController } from './selftest/platform.grpc.controller';
import { BeforeCallbacks } from './callbacks/before-callbacks';
import { TOPICS } from '@meridian/contracts';

export interface PlatformModuleOptions {
  /** Logical topics this service produces to or consumes from; created at start-up. */
  topics?: string[];
}

/**
 * Everything a service process shares: config, logging, metrics, health, gRPC clients, Kafka,
 * MongoDB and Redis. Each service's root module imports PlatformModule.register(config) once.
 */
const PROBE_PATHS = ['/healthz', '/readyz', '/metrics'];

/** nestjs-pino's settings for every service's HTTP face. */
export function loggerModuleParams(logger: ReturnType<typeof createRootLogger>): Params {
  return {
    pinoHttp: {
      logger,
      autoLogging: { ignore: (req) => PROBE_PATHS.includes(req.url ?? '') },
      quietReqLogger: true,
      // pino-http brings its own request serializer; ours keeps credentials out of URLs.
      serializers: LOG_SERIALIZERS,
    },
    // Probes and scrapes do not pass the request-logger middleware: it binds each request's
    // logger with AsyncLocalStorage.run, and the first run switches on Node's async hooks for
    // every promise of the process for good (~30 % on a promise-heavy loop). A service whose only
    // HTTP routes are these (all but the gateway's REST face) never pays that.
    exclude: PROBE_PATHS.map((path) => ({ path: path.slice(1), method: RequestMethod.GET })),
  };
}


@Global()
@Module({})
export class PlatformModule {
  static register(config: PlatformConfig, options: PlatformModuleOptions = {}): DynamicModule {
    const logger = createRootLogger(config);
    const topics = [...new Set([TOPICS.probe(config.service), ...(options.topics ?? [])])];
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot(loggerModuleParams(logger)),
        mongoRootModule(),
        MongooseModule.forFeature([{ name: Probe.name, schema: ProbeSchema }]),
      ],
      controllers: [HealthController, PlatformGrpcController],
      providers: [
        { provide: PLATFORM_CONFIG, useValue: config },
        { provide: KAFKA_TOPICS, useValue: topics },
        { provide: Metrics, useValue: new Metrics(config) },
        HealthRegistry,
        GrpcClients,
        GrpcMetricsInterceptor,
        EventBus,
        RedisClient,
        SelfTestService,
        BeforeCallbacks,
      ],
      exports: [PLATFORM_CONFIG, Metrics, HealthRegistry, GrpcClients, GrpcMetricsInterceptor, EventBus, RedisClient, BeforeCallbacks],
    };
  }
}
