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
import { Metadata, status as GrpcCode } from '@grpc/grpc-js';
import { type Observable, throwError, tap } from 'rxjs';
import { ERROR_CODE_METADATA_KEY, ErrorCode, MeridianError, grpcStatusFor } from '@meridian/contracts';
import { Metrics } from '../metrics/metrics';

/** Maps a thrown error to the gRPC status the client sees; a MeridianError keeps its code in metadata. */
@Catch()
export class GrpcExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('grpc');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    const metadata = new Metadata();
    if (MeridianError.is(exception)) {
      metadata.set(ERROR_CODE_METADATA_KEY, String(exception.code));
      return throwError(() => ({ code: grpcStatusFor(exception.code), details: exception.message, metadata }));
    }
    this.logger.error({ err: exception }, 'unhandled error in gRPC handler');
    metadata.set(ERROR_CODE_METADATA_KEY, String(ErrorCode.INTERNAL));
    return throwError(() => ({ code: GrpcCode.INTERNAL, details: 'internal error', metadata }));
  }
}

@Injectable()
export class GrpcMetricsInterceptor implements NestInterceptor {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const labels = { service_name: context.getClass().name, method: context.getHandler().name };
    const stop = this.metrics.grpcServerSeconds.startTimer(labels);
    return next.handle().pipe(
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
