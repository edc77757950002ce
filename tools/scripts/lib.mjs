// Shared helpers for the npm start / stop / test scripts (plain Node, no build needed).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const RUN_DIR = join(ROOT, '.meridian', 'run');
export const LOG_DIR = join(ROOT, '.meridian', 'logs');
export const PLATFORM_PID = join(RUN_DIR, 'platform.pid');
export const DEMO_WEB_PID = join(RUN_DIR, 'demo-web.pid');
export const CONSOLE_PID = join(RUN_DIR, 'console.pid');

const startedAt = Date.now();
/** One line of progress, with the seconds since this script started (npm start and npm test). */
export const say = (tag, msg) => process.stdout.write(`[${tag} ${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${msg}\n`);

/**
 * Runs a command with inherited output and returns its wall time in seconds. On failure it exits
 * the script with the command's code, unless `keepGoing` is set, when it returns -1.
 */
export function step(tag, cmd, args, { keepGoing = false, ...opts } = {}) {
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (res.status !== 0) {
    say(tag, `FAILED after ${secs} s (${[cmd, ...args].join(' ')} exited ${res.status ?? res.signal})`);
    if (keepGoing) return -1;
    process.exit(res.status ?? 1);
  }
  say(tag, `done in ${secs} s`);
  return Number(secs);
}

/** Installs npm dependencies when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
  const marker = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('deps', 'installing npm dependencies (npm ci)…');
  step('deps', 'npm', ['ci', '--no-audit', '--no-fund']);
}

export function build() {
  say('build', 'compiling TypeScript (tsc, incremental)…');
  return step('build', process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
}

export function dataplane(command) {
  return step('dataplane', 'bash', [join(ROOT, 'deploy', 'dataplane', 'dataplane.sh'), command]);
}

/** Whether this checkout's own data plane runs and answers (servers another checkout started do not count). */
export function dataplaneRunning(env = process.env) {
  return spawnSync('bash', [join(ROOT, 'deploy', 'dataplane', 'dataplane.sh'), 'status'], { cwd: ROOT, env, stdio: 'ignore' }).status === 0;
}

export function pidAlive(pidFile) {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Loads compiled workspace code (dist/) with the @meridian/* aliases resolved. */
export function requireBuilt(relative) {
  const require = createRequire(import.meta.url);
  require(join(ROOT, 'tools', 'runtime', 'register.js'));
  return require(join(ROOT, 'dist', relative));
}

export function git(...args) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}
