import pino, { type Logger } from 'pino';
import type { PlatformConfig } from '../config/platform-config';
import { REDACTED, redactError, redactRequest, redactValue } from './redact';

/**
 * Paths that must never reach a log line: credentials and message content (house rule 11).
 * Tencent's names appear in query strings and bodies alike.
 */
export const REDACT_PATHS = [
  'usersig',
  'userSig',
  'UserSig',
  'secretKey',
  'key',
  'token',
  'password',
  'MsgBody',
  'req.headers.authorization',
  'req.query.usersig',
  '*.usersig',
  '*.userSig',
  '*.UserSig',
  '*.secretKey',
  '*.MsgBody',
];

/** `destination`: stdout unless given (tests capture lines with it). */
export function createRootLogger(config: Pick<PlatformConfig, 'service' | 'region' | 'instanceId' | 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: config.service, region: config.region, instance: config.instanceId },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    // The one redaction rule (./redact): every argument of every call, at any depth.
    hooks: {
      logMethod(args, method) {
        return method.apply(this, args.map((a) => redactValue(a)) as Parameters<typeof method>);
      },
    },
    serializers: LOG_SERIALIZERS,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Serializers for the values pino and pino-http log by name: requests without credentials, errors redacted. */
export const LOG_SERIALIZERS = {
  req: (req: Parameters<typeof redactRequest>[0]) => redactRequest(req),
  err: (err: unknown) => (err instanceof Error ? redactError(err) : redactValue(err)),
};
