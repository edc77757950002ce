import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { status as GrpcCode, type Client, type ServiceError } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';
import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  GRPC_SERVICES,
  MeridianError,
  PLATFORM_GRPC,
  type ServiceName,
} from '@meridian/contracts';
import type { platformV1 } from '@meridian/proto';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { Metrics } from '../metrics/metrics';
import { clientConstructor } from './loader';
import { safeMetadata } from './safe-status';
import { grpcChannelCredentials } from './tls';

export interface CallOptions {
  /** Overrides the configured default deadline for this call. */
  deadlineMs?: number;
  metadata?: Record<string, string>;
}

/** A ts-proto NestJS client interface (Observable-returning) turned into a Promise-returning one. */
export type PromiseClient<T> = {
  [K in keyof T]: T[K] extends (request: infer Req, ...rest: never[]) => Observable<infer Res>
    ? (request: Req, options?: CallOptions) => Promise<Res>
    : never;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Typed gRPC clients to any service in any region, with a deadline on every call, the topology's
 * injected inter-region delay, metrics, and Tencent error codes restored from call metadata.
 * Every channel is mutual TLS (unless MERIDIAN_GRPC_TLS=off): we show our identity's certificate
 * and accept only a server whose certificate names the service we meant to call.
 */
@Injectable()
export class GrpcClients implements OnModuleDestroy {
  private readonly logger = new Logger(GrpcClients.name);
  private readonly raw = new Map<string, Client>();

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  /** The PlatformService (ping, self-test) of a service in a region (default: our own region). */
  platform(service: ServiceName, region = this.config.region): PromiseClient<platformV1.PlatformServiceClient> {
    return this.client(PLATFORM_GRPC.pkg, PLATFORM_GRPC.service, service, region);
  }

  /** A service's own contract, typed by its generated client interface. */
  service<T>(service: ServiceName, region = this.config.region): PromiseClient<T> {
    const own = GRPC_SERVICES[service];
    return this.client(own.pkg, own.service, service, region);
  }

  /**
   * One particular instance of a service (a gateway holding a connection), by its advertised
   * address; `region` is where it runs, for the injected delay and metrics.
   */
  instance<T>(service: ServiceName, address: string, region: string): PromiseClient<T> {
    const own = GRPC_SERVICES[service];
    return this.client(own.pkg, own.service, service, region, address);
  }

  onModuleDestroy(): void {
    for (const client of this.raw.values()) client.close();
    this.raw.clear();
  }

  private client<T>(pkg: string, serviceName: string, target: ServiceName, region: string, at?: string): PromiseClient<T> {
    const address = at ?? this.config.topology.grpcTarget(region, target);
    const key = `${pkg}.${serviceName}@${address}`;
    let client = this.raw.get(key);
    if (!client) {
      const Ctor = clientConstructor(pkg, serviceName);
      // The TLS handshake is paid once per channel; channels are cached here for the process's life.
      const tls = grpcChannelCredentials(this.config.grpc.tls, target);
      client = new Ctor(address, tls.credentials, {
        ...tls.options,
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
      });
      this.raw.set(key, client);
    }
    const delayMs = this.config.topology.delayMs(this.config.region, region);
    const bound = client;
    return new Proxy({} as PromiseClient<T>, {
      get: (_target, method) => {
        // 'then' must stay undefined, or awaiting a client would treat it as a promise.
        if (typeof method !== 'string' || method === 'then') return undefined;
        return (request: unknown, options?: CallOptions) =>
          this.call(bound, method, request, { target, region, delayMs, options });
      },
    });
  }

  private async call(
    client: Client,
    method: string,
    request: unknown,
    ctx: { target: ServiceName; region: string; delayMs: number; options?: CallOptions },
  ): Promise<unknown> {
    const fn = (client as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw new Error(`gRPC method ${method} not found on ${ctx.target}`);
    const labels = { target_service: ctx.target, target_region: ctx.region, method };
    const stop = this.metrics.grpcClientSeconds.startTimer(labels);
    const deadlineMs = ctx.options?.deadlineMs ?? this.config.grpcDeadlineMs;
    const metadata = safeMetadata({ ...ctx.options?.metadata, 'meridian-caller-region': this.config.region });
    try {
      // The injected delay stands for distance: paid once each way, inside the caller's deadline.
      if (ctx.delayMs > 0) await sleep(ctx.delayMs);
      const result = await new Promise<unknown>((resolve, reject) => {
        (fn as (...args: unknown[]) => void).call(
          client,
          request,
          metadata,
          { deadline: Date.now() + Math.max(1, deadlineMs - ctx.delayMs) },
          (err: ServiceError | null, response: unknown) => (err ? reject(err) : resolve(response)),
        );
      });
      if (ctx.delayMs > 0) await sleep(ctx.delayMs);
      this.metrics.grpcClientHandled.inc({ ...labels, code: 'OK' });
      return result;
    } catch (err) {
      const se = err as ServiceError;
      this.metrics.grpcClientHandled.inc({ ...labels, code: GrpcCode[se.code] ?? 'UNKNOWN' });
      throw toMeridianError(se, ctx.target, method);
    } finally {
      stop();
    }
  }
}

function toMeridianError(err: ServiceError, target: string, method: string): MeridianError {
  const carried = err.metadata?.get(ERROR_CODE_METADATA_KEY)?.[0];
  if (carried !== undefined) return new MeridianError(Number(carried), err.details);
  if (err.code === GrpcCode.DEADLINE_EXCEEDED) {
    return new MeridianError(ErrorCode.INTERNAL_TIMEOUT, `${target}.${method} timed out`);
  }
  const wrapped = new MeridianError(ErrorCode.INTERNAL, `${target}.${method} failed: ${err.details ?? err.message}`);
  (wrapped as { cause?: unknown }).cause = err;
  return wrapped;
}
