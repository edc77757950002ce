import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A platform's secrets that no source file may hold: made at random, once per data directory. */
export interface PlatformSecrets {
  /** Signs get_history download URLs (MERIDIAN_HISTORY_URL_SECRET); shared by every gateway. */
  historyUrlSecret: string;
}

const fresh = (): PlatformSecrets => ({ historyUrlSecret: randomBytes(32).toString('hex') });

/**
 * The secrets kept in `file` (0600), created on first use: npm start keeps them across restarts,
 * so download links stay valid while the platform restarts; a new data directory gets new ones.
 */
export function ensurePlatformSecrets(file: string): PlatformSecrets {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<PlatformSecrets>;
    if (typeof stored.historyUrlSecret === 'string' && stored.historyUrlSecret.length >= 32) return stored as PlatformSecrets;
  }
  const secrets = fresh();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

/** Secrets for a platform that lives as long as this process (tests, chaos, fuzz and benchmark runs). */
export function ephemeralPlatformSecrets(): PlatformSecrets {
  return fresh();
}

/** The services' environment for the secrets, leaving values the operator set alone. */
export function secretsEnv(secrets: PlatformSecrets, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env['MERIDIAN_HISTORY_URL_SECRET'] ? {} : { MERIDIAN_HISTORY_URL_SECRET: secrets.historyUrlSecret };
}
