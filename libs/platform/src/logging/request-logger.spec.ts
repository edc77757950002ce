import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { loggerModuleParams } from '../platform.module';

@Controller()
class ProbeController {
  @Get('metrics')
  metrics(): string {
    return 'm';
  }

  @Get('other')
  other(): string {
    return 'o';
  }
}

@Module({ imports: [LoggerModule.forRoot(loggerModuleParams(pino({ level: 'silent' })))], controllers: [ProbeController] })
class ProbeModule {}

describe('the request logger and probes', () => {
  it('a scrape of /metrics leaves AsyncLocalStorage (and with it the async hooks on every promise) off; another route switches it on', async () => {
    const app = await NestFactory.create(ProbeModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = await app.getUrl();
      expect(await (await fetch(`${url}/metrics`)).text()).toBe('m');
      // Node 20's AsyncLocalStorage keeps `enabled`; it turns true on the first run() and stays.
      expect((storage as unknown as { enabled: boolean }).enabled).toBe(false);
      expect(await (await fetch(`${url}/other`)).text()).toBe('o');
      expect((storage as unknown as { enabled: boolean }).enabled).toBe(true);
    } finally {
      await app.close();
    }
  });
});
