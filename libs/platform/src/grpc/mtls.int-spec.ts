import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status as GrpcCode, type Client, type ServiceError } from '@grpc/grpc-js';
import { ERROR_CODE_METADATA_KEY, ErrorCode } from '@meridian/contracts';
import { REPO_ROOT, createTestApp, insecureCredentials, rawGrpcClient, unaryCall, type RawClientOptions, type TestApp } from '@meridian/testing';
import { defaultGrpcTlsDir } from '../config/platform-config';
import { grpcCallerOf } from './grpc-endpoint';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const AUTH: [string, string] = ['meridian.auth.v1', 'AuthService'];
const MAKE_CERTS = join(REPO_ROOT, 'deploy', 'tls', 'make-grpc-certs.sh');

/** Issue 17 item 4: internal gRPC answered anyone who could reach the port, secret keys included. */
describe(grpcCallerOf.name, () => {
  const open: Client[] = [];
  let app: TestApp;
  let scratch: string;

  const auth = (region: string, opts: RawClientOptions = {}) => {
    const c = rawGrpcClient(...AUTH, 'auth', region, opts);
    open.push(c);
    return c;
  };
  const getApp = (c: Client, sdkAppId: number, reveal: { secrets?: boolean; token?: boolean } = {}) =>
    unaryCall<{ app: { secretKey: string; callback: { token: string } } }>(c, 'getApp', {
      sdkAppId,
      revealSecrets: reveal.secrets ?? false,
      revealCallbackToken: reveal.token ?? false,
    });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected the call to be refused');
      },
      (e: ServiceError) => e,
    );
  /** TLS trusting `caDir`'s CA, showing `certDir`'s operator certificate (none without it), with no server-name check. */
  const tlsWith = (caDir: string, certDir?: string) =>
    credentials.createSsl(
      readFileSync(join(caDir, 'ca.pem')),
      certDir ? readFileSync(join(certDir, 'operator.key')) : null,
      certDir ? readFileSync(join(certDir, 'operator.pem')) : null,
      { checkServerIdentity: () => undefined },
    );
  const expectDenied = (err: ServiceError) => {
    expect(err.code).toBe(GrpcCode.PERMISSION_DENIED);
    expect(err.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.GRPC_CALLER_NOT_ALLOWED)]);
  };

  beforeAll(async () => {
    app = await createTestApp({ homeRegion: SG });
    scratch = mkdtempSync(join(tmpdir(), 'meridian-mtls-'));
    // A whole second PKI: same file names and identities, another CA.
    execFileSync('bash', [MAKE_CERTS, join(scratch, 'rogue')], { stdio: 'ignore' });
    // A certificate from OUR CA that names no Meridian identity.
    const ours = defaultGrpcTlsDir()!;
    const d = join(scratch, 'stranger');
    execFileSync('bash', [MAKE_CERTS, d], { stdio: 'ignore' });
    writeFileSync(join(d, 'ext'), 'extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://meridian/intruder\n');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=intruder', '-keyout', join(d, 'operator.key'), '-out', join(d, 'req.csr')], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', join(d, 'req.csr'), '-CA', join(ours, 'ca.pem'), '-CAkey', join(ours, 'ca.key'), '-CAcreateserial', '-CAserial', join(d, 'serial'), '-days', '1', '-extfile', join(d, 'ext'), '-out', join(d, 'operator.pem')], { stdio: 'ignore' });
    execFileSync('cp', [join(ours, 'ca.pem'), join(d, 'ca.pem')]);
  });

  afterAll(() => {
    for (const c of open) c.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses a plaintext connection to auth', async () => {
    const err = await failure(getApp(auth(SG, { credentials: insecureCredentials() }), app.sdkAppId, { secrets: true }));
    expect(err.code).toBe(GrpcCode.UNAVAILABLE);
  });

  it('refuses TLS without a client certificate', async () => {
    const err = await failure(getApp(auth(SG, { credentials: tlsWith(defaultGrpcTlsDir()!) }), app.sdkAppId));
    expect(err.code).toBe(GrpcCode.UNAVAILABLE);
  });

  it('refuses a client certificate from another CA', async () => {
    const err = await failure(getApp(auth(SG, { credentials: tlsWith(defaultGrpcTlsDir()!, join(scratch, 'rogue')) }), app.sdkAppId));
    expect(err.code).toBe(GrpcCode.UNAVAILABLE);
  });

  it('does not trust a server whose certificate is from another CA', async () => {
    // Our own checks pass (the rogue operator certificate is issued by the rogue CA); the server's is not.
    expect((await failure(getApp(auth(SG, { tlsDir: join(scratch, 'rogue') }), app.sdkAppId))).code).toBe(GrpcCode.UNAVAILABLE);
  });

  it('refuses a certificate of our CA that names no Meridian identity', async () => {
    expectDenied(await failure(getApp(auth(SG, { credentials: tlsWith(defaultGrpcTlsDir()!, join(scratch, 'stranger')) }), app.sdkAppId)));
  });

  it('does not talk to a server that is not the service it meant to call', async () => {
    // auth's port, but the client expects chat's certificate there.
    const err = await failure(getApp(auth(SG, { expectServer: 'chat' }), app.sdkAppId));
    expect(err.code).toBe(GrpcCode.UNAVAILABLE);
  });

  it('answers a service the app record without secrets', async () => {
    const res = await getApp(auth(SG, { identity: 'chat' }), app.sdkAppId);
    expect(res.app.secretKey).toBe('');
  });

  it.each([SG, FRA])('denies chat the secret key (asked of %s auth) with PERMISSION_DENIED and 70501', async (region) => {
    expectDenied(await failure(getApp(auth(region, { identity: 'chat' }), app.sdkAppId, { secrets: true })));
  });

  it.each([
    ['createApp', { name: 'x', homeRegion: SG, sdkAppId: 0, admins: [], multiDevicePolicy: 'MULTI_DEVICE_POLICY_SINGLE', ecdsaPublicKey: '', secretKey: '', ifNotExists: false }],
    ['genUserSig', { identifier: 'administrator', expireSeconds: 60 }],
    ['rotateAppKey', {}],
    ['listApps', {}],
  ])('denies the gateway %s', async (method, request) => {
    expectDenied(await failure(unaryCall(auth(SG, { identity: 'gateway' }), method, { sdkAppId: app.sdkAppId, ...request })));
  });

  it('gives the callback service the callback token but never the secret key', async () => {
    const callback = auth(SG, { identity: 'callback' });
    expect((await getApp(callback, app.sdkAppId, { token: true })).app.secretKey).toBe('');
    expectDenied(await failure(getApp(callback, app.sdkAppId, { secrets: true })));
    expectDenied(await failure(getApp(auth(SG, { identity: 'chat' }), app.sdkAppId, { token: true })));
  });

  it.each([SG, FRA])('gives an operator the secret key (asked of %s auth; the other region forwards as auth)', async (region) => {
    expect((await getApp(auth(region), app.sdkAppId, { secrets: true })).app.secretKey).toBe(app.secretKey);
  });
});
