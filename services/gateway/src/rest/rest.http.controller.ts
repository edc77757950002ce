import type { BlockList } from 'node:net';
import { All, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorCode, MeridianError, parseSdkAppId } from '@meridian/contracts';
import { GrpcClients, PLATFORM_CONFIG, clientAddress, trustedProxies, type PlatformConfig } from '@meridian/platform';
import type { gatewayV1 } from '@meridian/proto';
import { HomeRegions } from '../access/home-regions.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RestPipeline, failureEnvelope } from './rest.pipeline';
import type { JsonObject } from './rest.types';

/**
 * The Tencent-compatible REST face: POST /v4/<service>/<command>?sdkappid=&identifier=&usersig=
 * &random=&contenttype=json. Always HTTP 200 with ActionStatus/ErrorCode/ErrorInfo. The call runs
 * in the app's home region: here, or handed in one gRPC hop to a gateway there.
 */
@Controller('v4')
export class RestHttpController {
  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(RestPipeline) private readonly pipeline: RestPipeline,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(HomeRegions) private readonly homes: HomeRegions,
  ) {
    this.proxies = trustedProxies(config.MERIDIAN_TRUSTED_PROXIES.split(','));
  }

  private readonly proxies: BlockList;

  @All(':service/:command')
  async handle(@Param('service') service: string, @Param('command') cmd: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const command = `${service}/${cmd}`;
    const send = (body: JsonObject | Buffer) => {
      res.status(200).type('application/json');
      res.send(Buffer.isBuffer(body) ? body : JSON.stringify(body));
    };
    if (req.method !== 'POST') return send(failureEnvelope(command, ErrorCode.HTTP_PARSE, 'use POST'));
    let body: Buffer;
    try {
      body = await readBody(req, this.config.MERIDIAN_REST_MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) res.setHeader('Connection', 'close');
      return send(failureEnvelope(command, ErrorCode.HTTP_PARSE, (err as Error).message));
    }
    const query = flatQuery(req.query);
    const clientIp = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.proxies);
    const input = { command, query, body, clientIp, entryRegion: this.platform.region };
    try {
      const home = await this.homeRegion(query['sdkappid']);
      if (home === undefined || home === this.platform.region) return send(await this.pipeline.execute(input));
      const gateway = this.clients.service<gatewayV1.GatewayServiceClient>('gateway', home);
      const forwarded = await gateway.handleRest(input, { deadlineMs: this.config.MERIDIAN_REST_TIMEOUT_MS });
      return send(Buffer.from(forwarded.body));
    } catch (err) {
      const code = MeridianError.is(err) ? err.code : ErrorCode.INTERNAL;
      return send(failureEnvelope(command, code, MeridianError.is(err) ? err.message : 'internal error'));
    }
  }

  /**
   * Any other path under /v4 (`/v4/`, `/v4/openim`, `/v4/openim/sendmsg/extra`): Tencent's envelope
   * with 60009 rather than Express's HTML 404, so a client's JSON parsing still gets a code.
   */
  @All('{*path}')
  unknownPath(@Req() req: Request, @Res() res: Response): void {
    const body = failureEnvelope('', ErrorCode.BAD_RESOURCE, `no REST command at ${req.path}: use /v4/<service>/<command>`);
    res.status(200).type('application/json').send(JSON.stringify(body));
  }

  /** The app's home region; undefined lets the local pipeline produce the URL-parameter error. */
  private async homeRegion(rawSdkAppId: string | undefined): Promise<string | undefined> {
    const sdkAppId = parseSdkAppId(rawSdkAppId);
    return sdkAppId === undefined ? undefined : this.homes.of(sdkAppId);
  }
}

function flatQuery(query: Request['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

class BodyTooLarge extends Error {}

/** Reads the raw body with a size cap (the gateway runs without Nest's body parser). */
function readBody(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Answer now and close afterwards; the rest of the upload is discarded, not buffered.
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`request body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
