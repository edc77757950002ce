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
  const region = p.regions.includes(DEMO_APP.homeRegion) ? DEMO_APP.homeRegion : p.regions[0]!;
  const config = loadPlatformConfig('gateway', {
    ...process.env,
    MERIDIAN_REGION: region,
    MERIDIAN_TOPOLOGY: p.options.topologyPath,
    MERIDIAN_NAMESPACE: p.options.namespace,
    MERIDIAN_PORT_OFFSET: String(p.options.portOffset),
  }, { grpcIdentity: 'operator' });
  const clients = new GrpcClients(config, new Metrics(config));
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
    });
    const { app } = await auth.getApp({ sdkAppId: DEMO_APP.sdkAppId, revealSecrets: true, revealCallbackToken: false });
    const sig = await auth.genUserSig({ sdkAppId: DEMO_APP.sdkAppId, identifier: DEMO_APP.admin, expireSeconds: 7 * 86_400 });
    return { sdkAppId: DEMO_APP.sdkAppId, secretKey: app!.secretKey, admin: DEMO_APP.admin, homeRegion: app!.homeRegion, adminUserSig: sig.userSig };
  } finally {
    clients.onModuleDestroy();
  }
}
