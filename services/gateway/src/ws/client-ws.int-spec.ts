import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ErrorCode } from '@meridian/contracts';
import type { authV1 } from '@meridian/proto';
import {
  REPO_ROOT,
  TEST_LIMITS,
  TEST_NAMESPACE,
  TEST_PORT_OFFSET,
  TestWsClient,
  authClient,
  closeDeliveryProducer,
  eventually,
  closeTestClients,
  createTestApp,
  gatewayUrl,
  produceDelivery,
  rest,
  testTopology,
  type TestApp,
} from '@meridian/testing';
import { resolvePlatform, spawnUnit, type Child } from '../../../../tools/launcher/src/control';
import { ClientWsServer } from './client-ws.server';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const MULTI = 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy;

const requestDelivery = (app: TestApp, recipients: string[], body: unknown) => produceDelivery(app, recipients, body);

async function loggedIn(region: string, app: TestApp, userId: string, platform: string): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  const res = await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform });
  expect(res).toMatchObject({ code: 0, body: expect.objectContaining({ region, homeRegion: app.homeRegion }) });
  return c;
}

/** An extra gateway instance in eu-frankfurt on its own ports, to kill without harming the suite. */
async function extraGateway(name: string, httpPort: number, tls?: { cert: string; key: string }): Promise<{ child: Child; url: string }> {
  const platform = resolvePlatform({
    namespace: TEST_NAMESPACE,
    portOffset: TEST_PORT_OFFSET,
    logDir: join(REPO_ROOT, '.meridian', 'logs', TEST_NAMESPACE),
    extraEnv: {
      ...TEST_LIMITS,
      MERIDIAN_HTTP_PORT: String(httpPort),
      MERIDIAN_GRPC_PORT: String(httpPort + 10),
      MERIDIAN_INSTANCE_ID: name,
      ...(tls ? { MERIDIAN_TLS_CERT_FILE: tls.cert, MERIDIAN_TLS_KEY_FILE: tls.key } : {}),
    },
  });
  const child = spawnUnit(platform, FRA, { name, services: ['gateway'], entry: 'dist/services/gateway/src/main.js', args: [] });
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    const ok = await probe(`${url}/readyz`, tls ? readFileSync(tls.cert) : undefined);
    if (ok) return { child, url };
    if (Date.now() > deadline || child.process.exitCode !== null) throw new Error(`${name} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GET → true when it answers 2xx; trusts `ca` for HTTPS (the self-signed test certificate). */
function probe(url: string, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https') ? httpsGet : httpGet)(url, { ca }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 300);
    });
    req.on('error', () => resolve(false));
  });
}

describe(ClientWsServer.name, () => {
  const open: TestWsClient[] = [];
  const track = (c: TestWsClient) => (open.push(c), c);

  afterAll(async () => {
    for (const c of open) c.close();
    await closeDeliveryProducer();
    closeTestClients();
  });

  it('delivers a push produced in the home region to every device of the user, in both regions', async () => {
    const app = await createTestApp({ policy: MULTI });
    const web = track(await loggedIn(FRA, app, 'ana', 'Web'));
    const phone = track(await loggedIn(SG, app, 'ana', 'Android'));
    const other = track(await loggedIn(FRA, app, 'ben', 'Web'));
    await requestDelivery(app, ['ana'], { text: 'hello from singapore' });
    for (const c of [web, phone]) {
      const push = await c.waitFor((f) => f.t === 'push');
      expect(push).toMatchObject({ v: 1, kind: 'c2c', body: { text: 'hello from singapore' } });
      expect(push.did).toEqual(expect.any(String));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(other.frames.filter((f) => f.t === 'push')).toEqual([]);
  });

  it('re-sends a delivery the client did not ack, and reports offline recipients', async () => {
    const app = await createTestApp();
    const slow = track(await loggedIn(SG, app, 'slow', 'iPhone'));
    slow.autoAck = false;
    await requestDelivery(app, ['slow', 'offline-user'], { n: 1 });
    await slow.waitFor((f) => f.t === 'push');
    // Unacked: push retries (ack timeout 1 s in the test platform), so the same did arrives again.
    const first = slow.frames.find((f) => f.t === 'push')!;
    await slow.waitFor((f) => f.t === 'push' && f !== first && f.did === first.did, 10_000);
    // Push counts the outcome once its retries are over.
    const offline = await eventually(async () => {
      const metrics = await (await fetch(`${testTopology().httpBaseUrl(SG, 'push')}/metrics`)).text();
      return /meridian_push_deliveries_total\{outcome="offline"[^}]*\} [1-9]/.test(metrics);
    });
    expect(offline).toBe(true);
  });

  it('a conflicting login kicks the older device with a kicked frame (single-device policy)', async () => {
    const app = await createTestApp();
    const first = track(await loggedIn(SG, app, 'cal', 'Android'));
    track(await loggedIn(FRA, app, 'cal', 'Web'));
    const kicked = await first.waitFor((f) => f.t === 'kicked');
    expect(kicked).toMatchObject({ code: ErrorCode.CLIENT_KICKED, reason: 'OtherDeviceLogin' });
    expect((await first.waitClosed()).code).toBe(4002);
  });

  it('REST kick closes every device of the user', async () => {
    const app = await createTestApp({ policy: MULTI });
    const a = track(await loggedIn(SG, app, 'dee', 'Android'));
    const b = track(await loggedIn(FRA, app, 'dee', 'PC'));
    expect((await rest(SG, 'im_open_login_svc/kick', app, { UserID: 'dee' })).body.ErrorCode).toBe(0);
    for (const c of [a, b]) {
      expect(await c.waitFor((f) => f.t === 'kicked')).toMatchObject({ reason: 'AdminKick' });
      expect((await c.waitClosed()).code).toBe(4002);
    }
  });

  it('answers presence requests and refuses requests before login (6014)', async () => {
    const app = await createTestApp({ policy: MULTI });
    const c = track(await TestWsClient.connect(FRA));
    expect(await c.request('req', { cmd: 'account.online_status', body: { userIds: ['eli'] } })).toMatchObject({ code: ErrorCode.CLIENT_NOT_LOGGED_IN });
    const bad = await c.login({ sdkAppId: app.sdkAppId, userId: 'eli', userSig: app.sig('someone'), platform: 'Web' });
    expect(bad.code).toBe(ErrorCode.USERSIG_IDENTIFIER_MISMATCH);
    expect((await c.login({ sdkAppId: app.sdkAppId, userId: 'eli', userSig: app.sig('eli'), platform: 'Web' })).code).toBe(0);
    const res = await c.request('req', { cmd: 'account.online_status', body: { userIds: ['eli', 'ghost'] } });
    expect(res).toMatchObject({ code: 0, body: { results: [{ userId: 'eli', state: 'Online' }], notFound: ['ghost'] } });
    expect(await c.request('req', { cmd: 'account.online_status', body: { userIds: 'eli' } })).toMatchObject({ code: ErrorCode.INVALID_PARAMETER });
  });

  it('answers malformed frames with error frames and closes after repeated abuse (1008)', async () => {
    const c = track(await TestWsClient.connect(SG));
    c.send('not json at all');
    expect(await c.waitFor((f) => f.t === 'error')).toMatchObject({ code: ErrorCode.JSON_FORMAT });
    c.send({ v: 1, t: 'dance', id: 9 });
    expect(await c.waitFor((f) => f.t === 'error' && f.id === 9)).toMatchObject({ code: ErrorCode.BAD_RESOURCE });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.waitFor((f) => f.t === 'error' && f.code === ErrorCode.INVALID_PARAMETER);
    for (let i = 0; i < Number(TEST_LIMITS.MERIDIAN_WS_MAX_STRIKES); i++) c.send('{');
    expect((await c.waitClosed()).code).toBe(1008);
  });

  it('closes a connection that sends an oversized frame (1009)', async () => {
    const c = track(await TestWsClient.connect(SG));
    c.send({ v: 1, t: 'ping', pad: 'x'.repeat(70 * 1024) });
    expect((await c.waitClosed()).code).toBe(1009);
  });

  it('closes idle connections (4000) and ends their session', async () => {
    const app = await createTestApp();
    const c = track(await loggedIn(FRA, app, 'ida', 'Web'));
    c.stopHeartbeat();
    expect((await c.waitClosed(8000)).code).toBe(4000);
    const state = async () => (await authClient(SG).queryOnlineStatus({ sdkAppId: app.sdkAppId, userIds: ['ida'], needDetail: false })).results[0]!.state;
    expect(await eventually(async () => (await state()) === 'Offline')).toBe(true);
  });

  it('closes connections that never log in (4001)', async () => {
    const c = track(await TestWsClient.connect(FRA));
    expect((await c.waitClosed(8000)).code).toBe(4001);
  });

  it('routes to the exact gateway instance; on drain clients are told to reconnect; after a crash they resume elsewhere', async () => {
    const app = await createTestApp({ policy: MULTI });
    const extra = await extraGateway('eu-frankfurt-gateway-extra', 19_380);
    try {
      const c = track(await TestWsClient.connect(FRA, { url: `${extra.url.replace(/^http/, 'ws')}/v1/ws` }));
      expect((await c.login({ sdkAppId: app.sdkAppId, userId: 'fay', userSig: app.sig('fay'), platform: 'Web' })).code).toBe(0);
      await requestDelivery(app, ['fay'], { via: 'extra instance' });
      expect(await c.waitFor((f) => f.t === 'push')).toMatchObject({ body: { via: 'extra instance' } });
      extra.child.process.kill('SIGTERM');
      expect(await c.waitFor((f) => f.t === 'reconnect')).toMatchObject({ reason: 'drain' });
      expect((await c.waitClosed()).code).toBe(1001);
      const after = await authClient(SG).queryOnlineStatus({ sdkAppId: app.sdkAppId, userIds: ['fay'], needDetail: false });
      // Drain ends sessions before closing sockets, so this holds at once.
      expect(after.results[0]!.state).toBe('Offline');
    } finally {
      extra.child.process.kill('SIGKILL');
    }

    const crashing = await extraGateway('eu-frankfurt-gateway-crash', 19_480);
    const c = track(await TestWsClient.connect(FRA, { url: `${crashing.url.replace(/^http/, 'ws')}/v1/ws` }));
    const first = await c.login({ sdkAppId: app.sdkAppId, userId: 'gus', userSig: app.sig('gus'), platform: 'Web' });
    crashing.child.process.kill('SIGKILL');
    await c.waitClosed();
    // Sent while the client has no connection: stored, so nothing is lost once it resumes.
    const during = await rest(SG, 'openim/sendmsg', app, { To_Account: 'gus', MsgRandom: 4242, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'while you were away' } }] });
    expect(during.body.ErrorCode).toBe(0);
    // The SDK takes the next gateway of its ranked list and resumes its session there.
    const list = (await (await fetch(`${gatewayUrl(SG)}/v1/access/gateways?region=${FRA}`)).json()) as { gateways: { wsUrl: string; region: string }[] };
    const next = list.gateways.find((g) => g.region !== FRA)!;
    const again = track(await TestWsClient.connect(next.region, { url: next.wsUrl }));
    const resumed = await again.login({ sdkAppId: app.sdkAppId, userId: 'gus', userSig: app.sig('gus'), platform: 'Web', resumeLoginId: String(first.body!['loginId']) });
    expect(resumed.code).toBe(0);
    const missed = await again.request('req', { cmd: 'chat.sync', body: { peer: 'administrator', afterSeq: 0 } });
    expect(missed.body!['messages']).toEqual([expect.objectContaining({ MsgSeq: during.body['MsgSeq'], MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'while you were away' } }] })]);
    await requestDelivery(app, ['gus'], { after: 'crash' });
    // (The message sent during the outage may also arrive as a push: at least once, de-duplicated by seq.)
    expect(await again.waitFor((f) => f.t === 'push' && (f.body as { after?: string }).after === 'crash')).toBeDefined();
    const sessions = await authClient(SG).getSessions({ sdkAppId: app.sdkAppId, userIds: ['gus'] });
    expect(sessions.sessions.map((s) => s.loginId)).toEqual([resumed.body!['loginId']]);
  });

  it('serves WSS and HTTPS on the one port when given a certificate, and refuses plain HTTP there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-tls-'));
    execFileSync('bash', [join(REPO_ROOT, 'deploy', 'tls', 'make-dev-cert.sh'), dir]);
    const tls = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
    const app = await createTestApp();
    const gw = await extraGateway('eu-frankfurt-gateway-tls', 19_580, tls);
    try {
      const ca = readFileSync(tls.cert);
      expect(await probe(`${gw.url}/v1/access/ping`, ca)).toBe(true);
      expect(await probe('http://127.0.0.1:19580/v1/access/ping')).toBe(false);
      const ws = new WebSocket('wss://127.0.0.1:19580/v1/ws', { ca });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(JSON.stringify({ v: 1, t: 'login', id: 1, body: { sdkAppId: app.sdkAppId, userId: 'tls-user', userSig: app.sig('tls-user'), platform: 'Web' } }));
      const res = await new Promise<{ code: number }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()) as { code: number })));
      expect(res.code).toBe(0);
      const pushed = new Promise<{ t: string; body: unknown }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()) as { t: string; body: unknown })));
      await requestDelivery(app, ['tls-user'], { over: 'wss' });
      expect(await pushed).toMatchObject({ t: 'push', body: { over: 'wss' } });
      ws.close();
    } finally {
      gw.child.process.kill('SIGKILL');
    }
  });

  describe('addressing', () => {
    it('ranks the hinted region first, then by measured round trip', async () => {
      const hinted = (await (await fetch(`${gatewayUrl(SG)}/v1/access/gateways?region=${FRA}`)).json()) as { gateways: { region: string }[] };
      expect(hinted.gateways.map((g) => g.region)).toEqual([FRA, SG]);
      const plain = (await (await fetch(`${gatewayUrl(SG)}/v1/access/gateways`)).json()) as { gateways: { region: string; rttMs: number; probeUrl: string; wsUrl: string }[] };
      expect(plain.gateways.map((g) => g.region)).toEqual([SG, FRA]);
      // The injected distance shows: 40 ms each way.
      expect(plain.gateways[1]!.rttMs).toBeGreaterThanOrEqual(2 * testTopology().delayMs(SG, FRA));
      expect((await fetch(plain.gateways[1]!.probeUrl)).status).toBe(204);
      expect(plain.gateways[0]!.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/ws$/);
      expect((await fetch(`${gatewayUrl(SG)}/v1/access/gateways?region=mars-base`)).status).toBe(400);
    });

    it('answers v4/ConfigSvc/GetIPList with the access nodes', async () => {
      const app = await createTestApp();
      const res = await rest(FRA, 'ConfigSvc/GetIPList', app, {});
      expect(res.body).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', IPList: ['127.0.0.1'] });
    });
  });
});
