import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { authV1, type pushV1 } from '@meridian/proto';
import type { GrpcClients, Topology } from '@meridian/platform';
import { REPO_ROOT } from '../../launcher/src/control';
import { BadInput, type Json } from './console-input';

/** What the app-operations routes need from the console server. */
export interface OpsContext {
  clients: GrpcClients;
  topology: Topology;
  regions: string[];
  home: (sdkAppId: number) => Promise<string>;
  appView: (a: authV1.App) => Json;
}

export interface OpsAnswer {
  status: number;
  body: unknown;
}

const PUSH_KINDS = ['apns', 'fcm', 'webhook'];

function deletionView(d: authV1.AppDeletion): Json {
  return {
    sdkAppId: d.sdkAppId,
    name: d.name,
    homeRegion: d.homeRegion,
    requestedAt: new Date(Number(d.requestedAtMs)).toISOString(),
    complete: d.complete,
    services: d.services.map((s) => ({ service: s.service, done: s.done, removed: Number(s.removed) })),
  };
}

/** The packed SDK (npm run sdk:build), if built: the connect card names it for `npm install`. */
function sdkTarball(): string {
  const dist = join(REPO_ROOT, 'libs', 'sdk', 'dist');
  if (!existsSync(dist)) return '';
  const tgz = readdirSync(dist).filter((f) => /^meridian-sdk-.*\.tgz$/.test(f)).sort();
  return tgz.length ? join(dist, tgz[tgz.length - 1]!) : '';
}

/**
 * The console's app operations beyond settings (console-server.ts): the "connect your app" card,
 * disable/enable, delete, and the offline-push provider. Answers undefined for a route it does not own.
 */
export function opsRoutes(ctx: OpsContext) {
  const auth = () => ctx.clients.service<authV1.AuthServiceClient>('auth');
  return async (sdkAppId: number, sub: string, method: string, body: Json): Promise<OpsAnswer | undefined> => {
    if (sub === '/connect' && method === 'GET') {
      const app = (await auth().getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: false })).app!;
      // Every region's gateway takes the app's clients (access nodes); the REST API too.
      const regions = ctx.regions.map((region) => {
        const accessUrl = ctx.topology.httpBaseUrl(region, 'gateway');
        return { region, home: region === app.homeRegion, accessUrl, restUrl: `${accessUrl}/v4/<service>/<command>`, wsUrl: `${accessUrl.replace(/^http/, 'ws')}/v1/ws` };
      });
      return { status: 200, body: { sdkAppId, homeRegion: app.homeRegion, regions, sdkTarball: sdkTarball() } };
    }
    if (sub === '/deletion' && method === 'GET') {
      return { status: 200, body: { deletion: deletionView((await auth().getAppDeletion({ sdkAppId, localOnly: false })).deletion!) } };
    }
    if (method !== 'POST') return undefined;
    if (sub === '/delete') {
      // The operator types the SDKAppID: a stray click or a replayed request deletes nothing.
      if (body['confirm'] !== sdkAppId) throw new BadInput(`type the SDKAppID (${sdkAppId}) to confirm: nothing was deleted`);
      return { status: 200, body: { deletion: deletionView((await auth().deleteApp({ sdkAppId })).deletion!) } };
    }
    if (sub === '/status') {
      const enabled = body['enabled'];
      if (typeof enabled !== 'boolean') throw new BadInput('enabled: true or false');
      const status = enabled ? authV1.AppStatus.APP_STATUS_ACTIVE : authV1.AppStatus.APP_STATUS_DISABLED;
      const r = await auth().setAppStatus({ sdkAppId, status });
      return { status: 200, body: { app: ctx.appView(r.app!) } };
    }
    if (sub === '/push-provider') {
      const kind = String(body['kind'] ?? '');
      if (!PUSH_KINDS.includes(kind)) throw new BadInput(`provider kind is one of ${PUSH_KINDS.join(', ')}`);
      const remove = body['remove'] === true;
      const config = body['config'];
      if (!remove && (!config || typeof config !== 'object' || Array.isArray(config))) throw new BadInput('the provider settings are a JSON object (see docs/operations.md for each kind\'s fields)');
      const region = await ctx.home(sdkAppId);
      // push checks each kind's fields (70402 with the reason) and keeps the secrets in the home region.
      await ctx.clients
        .service<pushV1.PushServiceClient>('push', region)
        .setProviderConfig({ sdkAppId, provider: kind, config: Buffer.from(remove ? '' : JSON.stringify(config)) });
      return { status: 200, body: { ok: true, kind, removed: remove } };
    }
    return undefined;
  };
}
