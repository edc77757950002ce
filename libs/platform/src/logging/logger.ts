import pino, { type Logger } from 'pino';
import type { PlatformConfig } from '../config/platform-config';

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

export function createRootLogger(config: Pick<PlatformConfig, 'service' | 'region' | 'instanceId' | 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: config.service, region: config.region, instance: config.instanceId },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
