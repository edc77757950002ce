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
import { identityOfCertificate, type GrpcIdentity } from './identity';

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

interface CallerRule {
  allowed: readonly GrpcIdentity[];
  /** The rule applies only to requests for which this holds (e.g. GetApp with reveal_secrets). */
  when?: (request: never) => boolean;
}

const CALLER_RULES = Symbol('meridian:grpc-caller-rules');

/**
 * Limits a gRPC method (or, with `when`, some of its requests) to the listed caller identities;
 * several on one method must all pass. Methods without one answer any Meridian identity.
 */
export function GrpcCallers<Req>(allowed: readonly GrpcIdentity[], when?: (request: Req) => boolean): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const rules = (Reflect.getMetadata(CALLER_RULES, handler) as CallerRule[] | undefined) ?? [];
    Reflect.defineMetadata(CALLER_RULES, [...rules, { allowed, when: when as CallerRule['when'] }], handler);
  };
}

/**
 * Identities already read, per HTTP/2 session: a session's peer certificate cannot change (HTTP/2
 * forbids TLS renegotiation), and reading it (TLSSocket.getPeerCertificate, which builds the whole
 * certificate as JS objects) was 5 % of auth's CPU when done for every call.
 */
const identities = new WeakMap<object, GrpcIdentity | null>();

/**
 * The HTTP/2 session a grpc-js server call runs on (grpc-js 1.14 keeps it on the innermost
 * intercepting call's stream); undefined if the shape is not the one known, which only means no cache.
 */
function sessionOf(call: unknown): object | undefined {
  let c = (call as { call?: unknown } | undefined)?.call as { nextCall?: unknown; stream?: { session?: object } } | undefined;
  for (let depth = 0; c && depth < 8; depth++) {
    if (c.stream) return c.stream.session;
    c = c.nextCall as typeof c;
  }
  return undefined;
}

/** The caller's identity from its verified client certificate; undefined without one (plaintext). */
export function grpcCallerOf(call: unknown): GrpcIdentity | undefined {
  const session = sessionOf(call);
  if (session) {
    const known = identities.get(session);
    if (known !== undefined) return known ?? undefined;
  }
  const ctx = (call as { getAuthContext?: () => { sslPeerCertificate?: { subjectaltname?: string } } } | undefined)?.getAuthContext?.();
  const identity = identityOfCertificate(ctx?.sslPeerCertificate);
  // Only a verified certificate's answer is kept (an unauthorized socket answers {} and is refused anyway).
  if (session && ctx?.sslPeerCertificate) identities.set(session, identity ?? null);
  return identity;
}

@Injectable()
export class GrpcMetricsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('grpc');
  private readonly admission: Admission;
  private readonly authenticate: boolean;

  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    // One per service, however many controllers (and interceptor instances) it has.
    let a = admissions.get(config.service);
    if (!a) admissions.set(config.service, (a = new Admission(config.grpcMaxInflight)));
    this.admission = a;
    // With MERIDIAN_GRPC_TLS=off nobody has an identity; the operator chose no authentication.
    this.authenticate = config.grpc.tls.mode === 'mtls';
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const labels = { service_name: context.getClass().name, method: context.getHandler().name };
    const call = context.getArgByIndex<{ cancelled?: boolean } | undefined>(2);
    const denied = this.authenticate ? this.denial(context, call) : undefined;
    if (denied) {
      this.metrics.grpcServerHandled.inc({ ...labels, code: 'PERMISSION_DENIED' });
      return throwError(() => denied);
    }
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

  /**
   * Why this call may not run, if it may not: the server's TLS already refused a connection
   * without a certificate from our CA, so what is left is a certificate naming no identity we
   * know, or a method restricted to other callers.
   */
  private denial(context: ExecutionContext, call: unknown): MeridianError | undefined {
    const caller = grpcCallerOf(call);
    const method = `${context.getClass().name}.${context.getHandler().name}`;
    if (!caller) {
      this.logger.warn({ method }, 'gRPC call refused: the client certificate names no Meridian identity');
      return new MeridianError(ErrorCode.GRPC_CALLER_NOT_ALLOWED, 'the client certificate names no Meridian identity');
    }
    const rules = (Reflect.getMetadata(CALLER_RULES, context.getHandler()) as CallerRule[] | undefined) ?? [];
    const request = context.getArgByIndex<never>(0);
    const broken = rules.find((r) => (!r.when || r.when(request)) && !r.allowed.includes(caller));
    if (!broken) return undefined;
    this.logger.warn({ method, caller }, 'gRPC call refused: caller not allowed');
    return new MeridianError(ErrorCode.GRPC_CALLER_NOT_ALLOWED, `${caller} may not call ${context.getHandler().name}${broken.when ? ' this way' : ''}; allowed: ${broken.allowed.join(', ')}`);
  }
}

/** Put on every gRPC controller: one error mapping, one caller check and one set of metrics for all of them. */
export function GrpcEndpoint(): ClassDecorator {
  return applyDecorators(UseFilters(GrpcExceptionFilter), UseInterceptors(GrpcMetricsInterceptor));
}
