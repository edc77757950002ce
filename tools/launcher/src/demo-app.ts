import { GrpcClients, Metrics, loadPlatformConfig } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import type { ResolvedPlatform } from './control';

export const DEMO_APP = { sdkAppId: 1_400_000_001, name: 'Meridian demo', admin: 'administrator', homeRegion: 'ap-singapore' } as const;

export interface DemoApp {
  sdkAppId: number;
  secretKey: string;
  admin: string;
  homeRegion: string;
  adminUserSig: string;
}

/**
 * Creates the demo app once (fixed SDKAppID, random key kept in its home region's database) and
 * returns its key and a fresh admin UserSig for trying the REST API by hand.
 */
export async function ensureDemoApp(p: ResolvedPlatform): Promise<DemoApp> {
  const region = demoRegion(p);
  const clients = demoClients(p);
  try {
    const auth = clients.service<authV1.AuthServiceClient>('auth');
    await auth.createApp({
      name: DEMO_APP.name,
      homeRegion: region,
      sdkAppId: DEMO_APP.sdkAppId,
      admins: [DEMO_APP.admin],
      multiDevicePolicy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy,
      ecdsaPublicKey: '',
      secretKey: '',
      ifNotExists: true,
      // The demo app lives on this machine: an operator pointing its callbacks at a receiver on
      // 127.0.0.1 (or the LAN) is the point of it.
      allowPrivateCallbackTargets: true,
    });
    const { app } = await auth.getApp({ sdkAppId: DEMO_APP.sdkAppId, revealSecrets: true, revealCallbackToken: false });
    const sig = await auth.genUserSig({ sdkAppId: DEMO_APP.sdkAppId, identifier: DEMO_APP.admin, expireSeconds: 7 * 86_400 });
    return { sdkAppId: DEMO_APP.sdkAppId, secretKey: app!.secretKey, admin: DEMO_APP.admin, homeRegion: app!.homeRegion, adminUserSig: sig.userSig };
  } finally {
    clients.onModuleDestroy();
  }
}

/**
 * The demo app's admin accounts, read from auth at each call (an operator may change them in the
 * console); `close` releases the gRPC channels.
 */
export function demoAppAdmins(p: ResolvedPlatform): { admins: () => Promise<string[]>; close: () => void } {
  const clients = demoClients(p);
  const auth = clients.service<authV1.AuthServiceClient>('auth');
  return {
    admins: async () => (await auth.getApp({ sdkAppId: DEMO_APP.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app?.admins ?? [],
    close: () => clients.onModuleDestroy(),
  };
}

function demoRegion(p: ResolvedPlatform): string {
  return p.regions.includes(DEMO_APP.homeRegion) ? DEMO_APP.homeRegion : p.regions[0]!;
}

function demoClients(p: ResolvedPlatform): GrpcClients {
  const config = loadPlatformConfig('gateway', {
    ...process.env,
    MERIDIAN_REGION: demoRegion(p),
    MERIDIAN_TOPOLOGY: p.options.topologyPath,
    MERIDIAN_NAMESPACE: p.options.namespace,
    MERIDIAN_PORT_OFFSET: String(p.options.portOffset),
  }, { grpcIdentity: 'operator' });
  return new GrpcClients(config, new Metrics(config));
}
