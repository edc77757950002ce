import { BadRequestException, Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DiagService, type RegionReport } from './diag.service';

/**
 * Operator diagnostics: one call shows whether every service of every region answers through this
 * gateway (ping) and whether each is wired to MongoDB, Redis and Kafka (selftest).
 */
@Controller('v1/diag')
export class DiagHttpController {
  constructor(@Inject(DiagService) private readonly diag: DiagService) {}

  @Get('ping')
  async ping(@Query('region') region: string | undefined, @Res() res: Response): Promise<void> {
    this.check(region);
    this.send(res, await this.diag.ping(region));
  }

  @Get('selftest')
  async selfTest(@Query('region') region: string | undefined, @Res() res: Response): Promise<void> {
    this.check(region);
    this.send(res, await this.diag.selfTest(region));
  }

  private check(region: string | undefined): void {
    if (region !== undefined && !this.diag.regions().includes(region)) {
      throw new BadRequestException(`unknown region ${region}; known: ${this.diag.regions().join(', ')}`);
    }
  }

  private send(res: Response, regions: Record<string, RegionReport>): void {
    const ok = Object.values(regions).every((r) => Object.values(r).every((s) => s.ok));
    res.status(ok ? 200 : 503).json({ ok, regions });
  }
}
