import { createHash, timingSafeEqual } from 'node:crypto';
import { BadRequestException, Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { DiagService, type RegionReport } from './diag.service';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Operator diagnostics: one call shows whether every service of every region answers through this
 * gateway (ping) and whether each is wired to MongoDB, Redis and Kafka (selftest).
 *
 * Ping only reads, so it stays open on this port; selftest writes in every service of every region,
 * so it needs the operator token (MERIDIAN_DIAG_TOKEN) and runs at most once at a time per gateway.
 * Neither is routed by the Helm chart's Ingress: operators reach them through a port-forward.
 */
@Controller('v1/diag')
export class DiagHttpController {
  private readonly token: Buffer | undefined;

  constructor(
    @Inject(DiagService) private readonly diag: DiagService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.token = config.MERIDIAN_DIAG_TOKEN === undefined ? undefined : digest(config.MERIDIAN_DIAG_TOKEN);
  }

  @Get('ping')
  async ping(@Query('region') region: string | undefined, @Res() res: Response): Promise<void> {
    this.check(region);
    this.send(res, { regions: await this.diag.ping(region) });
  }

  @Get('selftest')
  async selfTest(
    @Query('region') region: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.token) {
      res.status(403).json({ ok: false, error: 'selftest is disabled on this gateway: set MERIDIAN_DIAG_TOKEN to enable it' });
      return;
    }
    const presented = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    // Compare digests: equal lengths for timingSafeEqual, and no timing hint about the token.
    if (presented === undefined || !timingSafeEqual(digest(presented), this.token)) {
      res.status(401).set('www-authenticate', 'Bearer realm="meridian-diag"').json({ ok: false, error: 'selftest needs Authorization: Bearer <MERIDIAN_DIAG_TOKEN>' });
      return;
    }
    this.check(region);
    const run = this.diag.sharedSelfTest(region);
    if (!run) {
      res.status(429).set('retry-after', '1').json({ ok: false, error: 'a self-test of another scope is running on this gateway; retry when it ends' });
      return;
    }
    const { runId, startedAt, regions } = await run;
    this.send(res, { runId, startedAt, regions });
  }

  private check(region: string | undefined): void {
    if (region !== undefined && !this.diag.regions().includes(region)) {
      throw new BadRequestException(`unknown region ${region}; known: ${this.diag.regions().join(', ')}`);
    }
  }

  private send(res: Response, body: { regions: Record<string, RegionReport> } & Record<string, unknown>): void {
    const ok = Object.values(body.regions).every((r) => Object.values(r).every((s) => s.ok));
    res.status(ok ? 200 : 503).json({ ok, ...body });
  }
}
