import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (the benches run from dist/tools/bench/src). */
export const ROOT = resolve(__dirname, '..', '..', '..', '..');

/** What `npm start` wrote to .meridian/local.json: the demo app and each region's endpoints. */
export interface LocalJson {
  demoApp: { sdkAppId: number; secretKey: string; admin: string; homeRegion: string; adminUserSig: string };
  dataPlane: { kafkaBrokers: string[]; mongoUrl?: string };
  regions: Record<string, { gateway: string; rest: string }>;
}

/** MERIDIAN_BENCH_LOCAL names another file of that shape (the profile bench's own platform). */
export function readLocal(): LocalJson {
  return JSON.parse(readFileSync(process.env['MERIDIAN_BENCH_LOCAL'] ?? join(ROOT, '.meridian', 'local.json'), 'utf8')) as LocalJson;
}

/**
 * The demo app's admin REST API in its home region. Answers other than OK throw, except the REST
 * rate limits (60007/60011), which wait for the next window (up to 10 times).
 */
export function restClient(local: LocalJson): (command: string, body: unknown) => Promise<Record<string, unknown>> {
  const app = local.demoApp;
  const base = local.regions[app.homeRegion]!.rest;
  return async (command, body) => {
    const q = new URLSearchParams({ sdkappid: String(app.sdkAppId), identifier: app.admin, usersig: app.adminUserSig, random: String(randomInt(0, 2 ** 31)), contenttype: 'json' });
    for (let attempt = 0; ; attempt++) {
      const res = (await (await fetch(`${base}/${command}?${q}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })).json()) as Record<string, unknown>;
      if (res['ActionStatus'] === 'OK') return res;
      if ((res['ErrorCode'] === 60007 || res['ErrorCode'] === 60011) && attempt < 10) {
        await new Promise((r) => setTimeout(r, 1100));
        continue;
      }
      throw new Error(`${command}: ${String(res['ErrorCode'])} ${String(res['ErrorInfo'])}`);
    }
  };
}
