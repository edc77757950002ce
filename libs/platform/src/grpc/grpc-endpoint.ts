import {
  applyDecorators,
  Catch,
  Inject,
  Injectable,
  Logger,
  UseFilters,
  UseInterceptors,
  type ArgumentsHost,
  type CallHandler,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { status as GrpcCode } from '@grpc/grpc-js';
import { type Observable, defer, finalize, mergeMap, throwError, tap } from 'rxjs';
import { ERROR_CODE_METADATA_KEY, ErrorCode, MeridianError, grpcStatusFor } from '@meridian/contracts';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { Metrics } from '../metrics/metrics';
import { safeMetadata, safeStatusDetails } from './safe-status';

/** Maps a thrown error to the gRPC status the client sees; a MeridianError keeps its code in metadata. */
@Catch()
export class GrpcExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('grpc');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    if (MeridianError.is(exception)) {
      // Messages often name the offending input: made safe here, once, for every service.
      const metadata = safeMetadata({ [ERROR_CODE_METADATA_KEY]: String(exception.code) });
      return throwError(() => ({ code: grpcStatusFor(exception.code), details: safeStatusDetails(exception.message), metadata }));
    }
    this.logger.error({ err: exception }, 'unhandled error in gRPC handler');
    const metadata = safeMetadata({ [ERROR_CODE_METADATA_KEY]: String(ErrorCode.INTERNAL) });
    return throwError(() => ({ code: GrpcCode.INTERNAL, details: 'internal error', metadata }));
  }
}

/**
 * Admission control for one process's gRPC calls: at most `limit` run at once, the rest wait in
 * order. Without it a storm (10,000 clients of a killed gateway logging in again) started every
 * call at once: auth kept working for callers whose deadline had long passed (RSS 2 GB), timed
 * out everyone and never caught up.
 */
export class Admission {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  /** Resolves when the call may run; release() exactly once afterwards. */
  acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  get queued(): number {
    return this.waiting.length;
  }
}

/** One per service: with MERIDIAN_MODE=region all seven share a process, and a call that waits on another service must not wait for its own slot. */
const admissions = new Map<string, Admission>();

@Injectable()
export class GrpcMetricsInterceptor implements NestInterceptor {
  private readonly admission: Admission;

  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    // One per service, however many controllers (and interceptor instances) it has.
    let a = admissions.get(config.service);
    if (!a) admissions.set(config.service, (a = new Admission(config.grpcMaxInflight)));
    this.admission = a;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const labels = { service_name: context.getClass().name, method: context.getHandler().name };
    const call = context.getArgByIndex<{ cancelled?: boolean } | undefined>(2);
    let admitted = false;
    let finished = false;
    const admitted$ = defer(() =>
      this.admission.acquire().then(() => {
        if (finished) this.admission.release();
        else admitted = true;
      }),
    );
    const stop = this.metrics.grpcServerSeconds.startTimer(labels);
    return admitted$.pipe(
      // The caller gave up (deadline passed) while the call waited: do not run it.
      mergeMap(() => (call?.cancelled ? throwError(() => new MeridianError(ErrorCode.INTERNAL_TIMEOUT, 'the caller gave up while the call waited to run')) : next.handle())),
      finalize(() => {
        finished = true;
        if (admitted) this.admission.release();
      }),
      tap({
        next: () => undefined,
        complete: () => {
          stop();
          this.metrics.grpcServerHandled.inc({ ...labels, code: 'OK' });
        },
        error: (err: unknown) => {
          stop();
          const code = MeridianError.is(err) ? GrpcCode[grpcStatusFor(err.code)] : 'INTERNAL';
          this.metrics.grpcServerHandled.inc({ ...labels, code: code ?? 'UNKNOWN' });
        },
      }),
    );
  }
}

/** Put on every gRPC controller: one error mapping and one set of metrics for all of them. */
export function GrpcEndpoint(): ClassDecorator {
  return applyDecorators(UseFilters(GrpcExceptionFilter), UseInterceptors(GrpcMetricsInterceptor));
}
