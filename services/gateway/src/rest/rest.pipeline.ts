import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, adminRequiredCode, describeTextProblem, findMalformedText, invalidParameterCode, isValidUserId, parseSdkAppId, withoutNulls } from '@meridian/contracts';
import { AppCountReporter, GrpcClients, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RestCommandRegistry } from './rest-command.registry';
import { RestRateLimiter } from './rest-rate-limiter.repository';
import type { JsonObject } from './rest.types';

export interface RestInput {
  command: string;
  query: Record<string, string>;
  body: Buffer;
  clientIp: string;
  entryRegion: string;
}

/** Services whose responses carry Tencent's `ErrorDisplay` field. */
const WITH_ERROR_DISPLAY = new Set(['profile', 'sns', 'recentcontact']);

/**
 * The REST pipeline, run in the app's home region: URL parameters, command lookup, UserSig and
 * admin check, rate limits, JSON body, then the command. Every failure becomes Tencent's envelope
 * with its code; nothing is changed by a request that fails before its command runs.
 */
@Injectable()
export class RestPipeline {
  private readonly logger = new Logger(RestPipeline.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(RestRateLimiter) private readonly limiter: RestRateLimiter,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(AppCountReporter) private readonly counts: AppCountReporter,
  ) {}

  async execute(input: RestInput): Promise<JsonObject> {
    const service = input.command.split('/')[0] ?? '';
    // Per-app REST statistics (calls and errors), for requests that name a valid SDKAppID.
    const sdkAppId = parseSdkAppId(input.query['sdkappid']) ?? 0;
    this.counts.add(sdkAppId, 'restCalls');
    try {
      const fields = await this.run(input);
      return envelope(service, 0, '', fields);
    } catch (err) {
      this.counts.add(sdkAppId, 'restErrors');
      if (MeridianError.is(err)) return envelope(service, err.code, err.message);
      this.logger.error({ command: input.command, err }, 'REST command failed');
      return envelope(service, ErrorCode.INTERNAL, 'internal error');
    }
  }

  private async run(input: RestInput): Promise<JsonObject> {
    const q = input.query;
    if (q['sdkappid'] === undefined) throw new MeridianError(ErrorCode.SDKAPPID_MISSING, 'sdkappid is missing from the URL');
    const sdkAppId = parseSdkAppId(q['sdkappid']);
    if (sdkAppId === undefined) throw new MeridianError(ErrorCode.URL_PARAM_INVALID, 'sdkappid must be an unsigned 32-bit integer');
    const identifier = q['identifier'];
    if (!identifier || !isValidUserId(identifier)) throw new MeridianError(ErrorCode.URL_PARAM_INVALID, 'identifier is missing or invalid');
    const userSig = q['usersig'];
    if (!userSig) throw new MeridianError(ErrorCode.URL_PARAM_INVALID, 'usersig is missing');
    if (q['contenttype'] !== undefined && q['contenttype'] !== 'json') throw new MeridianError(ErrorCode.URL_PARAM_INVALID, 'contenttype must be json');
    const random = q['random'];
    if (random !== undefined && !(/^[0-9]{1,10}$/.test(random) && Number(random) <= 0xffffffff)) {
      throw new MeridianError(ErrorCode.URL_PARAM_INVALID, 'random must be a 32-bit unsigned integer (0-4294967295)');
    }
    const command = this.registry.find(input.command);
    if (!command) throw new MeridianError(ErrorCode.BAD_RESOURCE, `unknown command v4/${input.command}`);

    const service = input.command.split('/')[0]!;
    const auth = this.clients.service<authV1.AuthServiceClient>('auth');
    const verified = await auth.verifyUserSig({
      sdkAppId,
      identifier,
      userSig,
      requireAdmin: true,
      adminErrorCode: adminRequiredCode(service),
      // Failed checks are budgeted per source (auth answers a flooding source 70050, no one else).
      clientIp: input.clientIp,
    });

    // An app's own limits (set by its operator) replace the platform defaults.
    const appLimit = verified.restAppQps || this.config.MERIDIAN_REST_APP_QPS;
    const commandLimit = verified.restCommandQps || command.ratePerSecond || this.config.MERIDIAN_REST_DEFAULT_QPS;
    const counts = await this.limiter.hit(sdkAppId, input.command);
    if (counts.app > appLimit) throw new MeridianError(ErrorCode.APP_RATE_LIMITED, 'SDKAppID request rate limit exceeded');
    if (counts.command > commandLimit) {
      throw new MeridianError(ErrorCode.REST_RATE_LIMITED, `v4/${input.command} rate limit exceeded`);
    }

    const body = parseBody(input.body);
    // Lone surrogates and NUL never reach a service (they broke gRPC status encoding and the store).
    const malformed = findMalformedText(body);
    if (malformed) throw new MeridianError(invalidParameterCode(service), describeTextProblem(malformed));
    // Tencent's leniency: JSON null is the same as an absent field (libs/contracts tencent/leniency).
    return command.handle({ sdkAppId, identifier, command: input.command, clientIp: input.clientIp, entryRegion: input.entryRegion }, withoutNulls(body) as JsonObject);
  }

  get region(): string {
    return this.platform.region;
  }
}

function parseBody(raw: Buffer): JsonObject {
  const text = raw.toString('utf8').trim();
  if (!text) throw new MeridianError(ErrorCode.JSON_PARSE, 'the request body is empty; send {} when nothing is needed');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MeridianError(ErrorCode.JSON_PARSE, `request JSON parse error: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MeridianError(ErrorCode.JSON_PARSE, 'the request body must be a JSON object');
  }
  return value as JsonObject;
}

function envelope(service: string, code: number, info: string, fields: JsonObject = {}): JsonObject {
  return {
    ActionStatus: code === 0 ? 'OK' : 'FAIL',
    ErrorCode: code,
    ErrorInfo: info,
    ...(WITH_ERROR_DISPLAY.has(service) ? { ErrorDisplay: '' } : {}),
    ...fields,
  };
}

/** The envelope for a failure detected before the pipeline could run (bad HTTP method, body too large). */
export function failureEnvelope(command: string, code: number, info: string): JsonObject {
  return envelope(command.split('/')[0] ?? '', code, info);
}
