import { GrpcClients, Metrics, loadPlatformConfig, type PromiseClient } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { genUserSig } from '@meridian/usersig';
import { request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT, TEST_NAMESPACE, TEST_PORT_OFFSET, gatewayUrl } from './test-platform';

const clientsByRegion = new Map<string, GrpcClients>();

/**
 * gRPC clients into the test platform, as a process of `region` would hold them, showing the
 * `operator` certificate: tests create apps and read their keys as the console does. The
 * platform's own TLS settings (MERIDIAN_GRPC_TLS, MERIDIAN_GRPC_TLS_DIR) apply here too.
 */
export function testClients(region = 'ap-singapore'): GrpcClients {
  let c = clientsByRegion.get(region);
  if (!c) {
    const tlsEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'MERIDIAN_GRPC_TLS' || k === 'MERIDIAN_GRPC_TLS_DIR'));
    const config = loadPlatformConfig(
      'gateway',
      {
        ...tlsEnv,
        MERIDIAN_REGION: region,
        MERIDIAN_TOPOLOGY: join(REPO_ROOT, 'deploy', 'topology.json'),
        MERIDIAN_NAMESPACE: TEST_NAMESPACE,
        MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET),
      },
      { grpcIdentity: 'operator' },
    );
    c = new GrpcClients(config, new Metrics(config));
    clientsByRegion.set(region, c);
  }
  return c;
}

export function closeTestClients(): void {
  for (const c of clientsByRegion.values()) c.onModuleDestroy();
  clientsByRegion.clear();
}

export function authClient(region = 'ap-singapore'): PromiseClient<authV1.AuthServiceClient> {
  return testClients(region).service<authV1.AuthServiceClient>('auth');
}

/** An UpdateApp request that changes nothing; spread it and set the fields a test changes. */
export const NO_CHANGES: Omit<authV1.UpdateAppRequest, 'sdkAppId'> = {
  hasName: false,
  name: '',
  hasAdmins: false,
  admins: [],
  hasMultiDevice: false,
  multiDevicePolicy: 'MULTI_DEVICE_POLICY_UNSPECIFIED' as authV1.MultiDevicePolicy,
  maxPerPlatform: 0,
  maxWeb: 0,
  hasEcdsaPublicKey: false,
  ecdsaPublicKey: '',
  hasCallback: false,
  callback: undefined,
  hasRestLimits: false,
  restCommandQps: 0,
  restAppQps: 0,
  hasRoaming: false,
  roamingDays: 0,
  hasPrivateCallbackTargets: false,
  hasRecallWindow: false,
  recallWindowS: 0,
  allowPrivateCallbackTargets: false,
};

export interface TestApp {
  sdkAppId: number;
  secretKey: string;
  admin: string;
  homeRegion: string;
  /** A valid UserSig for `identifier` (default: the admin), signed with the app's key. */
  sig(identifier?: string, expireSeconds?: number): string;
}

/** Creates a fresh app (random SDKAppID) through the auth admin API of its home region. */
export async function createTestApp(
  opts: { homeRegion?: string; admins?: string[]; policy?: authV1.MultiDevicePolicy; ecdsaPublicKey?: string; allowPrivateCallbackTargets?: boolean } = {},
): Promise<TestApp> {
  const homeRegion = opts.homeRegion ?? 'ap-singapore';
  const admins = opts.admins ?? ['administrator'];
  const res = await authClient(homeRegion).createApp({
    name: `test app ${Date.now()}`,
    homeRegion,
    sdkAppId: 0,
    admins,
    multiDevicePolicy: opts.policy ?? ('MULTI_DEVICE_POLICY_SINGLE' as authV1.MultiDevicePolicy),
    ecdsaPublicKey: opts.ecdsaPublicKey ?? '',
    secretKey: '',
    ifNotExists: false,
    allowPrivateCallbackTargets: opts.allowPrivateCallbackTargets ?? false,
  });
  const app = res.app!;
  return {
    sdkAppId: app.sdkAppId,
    secretKey: app.secretKey,
    admin: admins[0]!,
    homeRegion,
    sig: (identifier = admins[0]!, expireSeconds = 86_400) =>
      genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier, expireSeconds }),
  };
}

export interface RestResult {
  status: number;
  body: Record<string, unknown> & { ActionStatus: string; ErrorCode: number; ErrorInfo: string };
}

/**
 * One REST call exactly as an app backend sends it to Tencent: POST, query parameters, JSON body.
 * `query` overrides (or, with undefined values, removes) the standard parameters.
 */
export async function rest(
  region: string,
  command: string,
  app: TestApp,
  body: unknown,
  query: Record<string, string | undefined> = {},
  init: { method?: string; rawBody?: string; source?: string } = {},
): Promise<RestResult> {
  const params: Record<string, string | undefined> = {
    sdkappid: String(app.sdkAppId),
    identifier: app.admin,
    usersig: app.sig(),
    random: String(Math.floor(Math.random() * 4294967295)),
    contenttype: 'json',
    ...query,
  };
  const qs = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
    .join('&');
  const method = init.method ?? 'POST';
  const url = `${gatewayUrl(region)}/v4/${command}?${qs}`;
  const payload = method === 'GET' ? undefined : (init.rawBody ?? JSON.stringify(body));
  if (init.source !== undefined) return restFrom(init.source, url, method, payload);
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: payload });
  return { status: res.status, body: (await res.json()) as RestResult['body'] };
}

/**
 * The same call sent from another loopback address (127.0.0.0/8 all reaches this machine), so a
 * test can play several client machines; fetch cannot choose its source address, node:http can.
 */
function restFrom(source: string, url: string, method: string, payload: string | undefined): Promise<RestResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress: source, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RestResult['body'] });
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
