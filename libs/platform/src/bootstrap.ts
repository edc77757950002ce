import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { config as rxjsConfig } from 'rxjs';
import type { ServiceName } from '@meridian/contracts';
import { loadPlatformConfig, type PlatformConfig } from './config/platform-config';
import { grpcServerOptions } from './grpc/server';

export interface RunningService {
  config: PlatformConfig;
  app: INestApplication;
  close(): Promise<void>;
}

export interface StartOptions {
  service: ServiceName;
  /** Builds the service's root module from its validated config. */
  module: (config: PlatformConfig) => DynamicModule;
  env?: NodeJS.ProcessEnv;
  /** False for services that read raw request bodies themselves (the gateway's REST face). */
  bodyParser?: boolean;
  /** Lets the caller wire extra transports (the gateway's WebSocket) before listening. */
  beforeListen?: (app: INestApplication, config: PlatformConfig) => Promise<void> | void;
}

/**
 * Starts one service as a hybrid Nest app: HTTP (health, metrics and, for the gateway, the public
 * faces) plus a gRPC server for the platform package and the service's own package.
 */
export async function startService(options: StartOptions): Promise<RunningService> {
  const config = loadPlatformConfig(options.service, options.env);
  guardRequestErrors(options.service);
  const tls = config.http.tls;
  const app = await NestFactory.create(options.module(config), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: options.bodyParser ?? true,
    // In Kubernetes TLS ends at the ingress; elsewhere the port can serve HTTPS/WSS itself.
    httpsOptions: tls ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : undefined,
  });
  app.useLogger(app.get(Logger));
  app.connectMicroservice(grpcServerOptions(config, options.service), { inheritAppConfig: true });
  await options.beforeListen?.(app, config);
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  app.get(Logger).log({ http: { ...config.http, tls: Boolean(tls) }, grpc: { ...config.grpc, tls: config.grpc.tls.mode } }, `${config.service} ready in ${config.region}`);
  return { config, app, close: () => app.close() };
}

/**
 * rxjs reports an error thrown inside a subscriber's callback (Nest's gRPC server answering a call
 * from its `error` callback, say) by re-throwing it from a timer, where it is an uncaught
 * exception and Node ends the process: one request's failure took every app of the region down.
 * Such an error belongs to the one request: log it, count it and keep serving.
 */
export function guardRequestErrors(service: ServiceName): void {
  if (rxjsConfig.onUnhandledError) return;
  rxjsConfig.onUnhandledError = (err: unknown) => {
    unhandledRequestErrors++;
    process.stderr.write(
      `${JSON.stringify({ level: 'error', service, msg: 'unhandled error in a request observable; the process keeps running', err: String((err as Error)?.stack ?? err) })}\n`,
    );
  };
}

/** How many request errors guardRequestErrors kept from ending the process (for tests and metrics). */
export let unhandledRequestErrors = 0;

/** main() of a service process: start, and close gracefully on SIGTERM/SIGINT within the grace period. */
export function runServiceMain(options: StartOptions): void {
  // A rejection nobody handled means a bug: log it as one structured line, then exit so the
  // supervisor (launcher or Kubernetes) starts a clean process.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: options.service, msg: 'unhandled rejection', err: String((reason as Error)?.stack ?? reason) })}\n`);
    process.exit(1);
  });
  startService(options).then(
    (running) => {
      let closing = false;
      const shutdown = (signal: string) => {
        if (closing) return;
        closing = true;
        const timer = setTimeout(() => {
          process.stderr.write(`${options.service}: graceful shutdown exceeded, exiting\n`);
          process.exit(1);
        }, running.config.shutdownGraceMs);
        timer.unref();
        running.app.get(Logger).log({ signal }, 'shutting down');
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    },
    (err: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', service: options.service, msg: 'failed to start', err: String((err as Error)?.stack ?? err) })}\n`);
      process.exit(1);
    },
  );
}
