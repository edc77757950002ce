import { generateKeyPairSync, verify } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createH2Server, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { authV1, pushV1 } from '@meridian/proto';
import { TestWsClient, closeDeliveryProducer, closeTestClients, createTestApp, eventually, produceDelivery, rest, testClients, type TestApp } from '@meridian/testing';
import { OfflinePushService } from './offline-push.service';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const SG = 'ap-singapore';

/** Registers a device for offline push over the WebSocket, then leaves (the user is offline). */
async function registerAndLeave(app: TestApp, userId: string, platform: string, provider: string, token: string): Promise<void> {
  const c = await TestWsClient.connect(SG);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
  expect(await c.request('req', { cmd: 'push.register_token', body: { provider, token } })).toMatchObject({ code: 0 });
  expect((await c.request('logout')).code).toBe(0);
  await c.waitClosed();
}

async function waitFor<T>(list: T[], n: number, timeoutMs = 15_000): Promise<T[]> {
  if (!(await eventually(() => list.length >= n, timeoutMs, 50))) throw new Error(`expected ${n} requests, got ${list.length}`);
  return list;
}

describe(OfflinePushService.name, () => {
  const apnsKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const apnsReceived: Received[] = [];
  const hookReceived: Received[] = [];
  let apnsStatus = 200;
  let apns: Http2Server;
  let hook: Server;
  let app: TestApp;
  const push = () => testClients(SG).service<pushV1.PushServiceClient>('push');

  beforeAll(async () => {
    // Stand-ins for Apple's and the app's servers, on loopback, speaking the real protocols.
    apns = createH2Server();
    apns.on('stream', (stream, headers) => {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        apnsReceived.push({ path: String(headers[':path']), headers, body: JSON.parse(raw) as Record<string, unknown> });
        stream.respond({ ':status': apnsStatus, 'content-type': 'application/json' });
        stream.end(apnsStatus === 200 ? '' : JSON.stringify({ reason: 'Unregistered' }));
      });
    });
    hook = createHttpServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        hookReceived.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => apns.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    const apnsConfig = {
      endpoint: `http://127.0.0.1:${(apns.address() as AddressInfo).port}`,
      teamId: 'TEAM123456',
      keyId: 'KEY1234567',
      privateKeyPem: apnsKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      bundleId: 'com.example.chat',
    };
    await push().setProviderConfig({ sdkAppId: app.sdkAppId, provider: 'apns', config: Buffer.from(JSON.stringify(apnsConfig)) });
    const hookConfig = { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/push`, secret: 's3cret' };
    await push().setProviderConfig({ sdkAppId: app.sdkAppId, provider: 'webhook', config: Buffer.from(JSON.stringify(hookConfig)) });
  });

  afterAll(async () => {
    apns.close();
    hook.close();
    await closeDeliveryProducer();
    closeTestClients();
  });

  it('sends offline recipients a notification through the provider their device registered, with OfflinePushInfo respected', async () => {
    await registerAndLeave(app, 'ios-user', 'iPhone', 'apns', 'a1b2c3d4');
    await registerAndLeave(app, 'droid-user', 'Android', 'webhook', 'wh-token-1');
    const body = { MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'the message text' } }] };
    await produceDelivery(app, ['ios-user', 'droid-user'], body, {
      offlinePush: { PushFlag: 0, Title: 'New message', Desc: 'You have a message', Ext: '{"k":1}', ApnsInfo: { Sound: 'ding.caf', BadgeMode: 0 } },
    });
    const [a] = await waitFor(apnsReceived, 1);
    expect(a!.path).toBe('/3/device/a1b2c3d4');
    expect(a!.headers['apns-topic']).toBe('com.example.chat');
    expect(a!.headers['apns-push-type']).toBe('alert');
    expect(a!.body).toMatchObject({ aps: { alert: { title: 'New message', body: 'You have a message' }, sound: 'ding.caf' } });
    // The provider token is an ES256 JWT signed with the app's .p8 key.
    const jwt = String(a!.headers['authorization']).replace(/^bearer /, '');
    const [h, c, sig] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'KEY1234567' });
    expect(JSON.parse(Buffer.from(c!, 'base64url').toString())).toMatchObject({ iss: 'TEAM123456' });
    expect(verify('sha256', Buffer.from(`${h}.${c}`), { key: apnsKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(), dsaEncoding: 'ieee-p1363' }, Buffer.from(sig!, 'base64url'))).toBe(true);
    const [w] = await waitFor(hookReceived, 1);
    expect(w!.body).toMatchObject({ sdkAppId: app.sdkAppId, userId: 'droid-user', platform: 'Android', token: 'wh-token-1', notification: expect.objectContaining({ title: 'New message', body: 'You have a message' }) });
    expect(w!.headers['x-meridian-signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sends nothing with PushFlag 1, and deletes a token the provider reports unregistered', async () => {
    const before = apnsReceived.length;
    await produceDelivery(app, ['ios-user'], { MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'quiet' } }] }, { offlinePush: { PushFlag: 1 } });
    apnsStatus = 410;
    await produceDelivery(app, ['ios-user'], { MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'loud' } }] });
    const list = await waitFor(apnsReceived, before + 1);
    expect(list[before]!.body).toMatchObject({ aps: { alert: { body: 'loud' } } });
    apnsStatus = 200;
    await produceDelivery(app, ['ios-user'], { MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'after removal' } }] });
    await new Promise((r) => setTimeout(r, 2000));
    expect(apnsReceived).toHaveLength(before + 1);
  });

  it("pushes a REST message to its offline recipient only: the sender's own copy (SyncOtherMachine 1) is for their online devices", async () => {
    await registerAndLeave(app, 'rest-sender', 'iPhone', 'apns', 'e5e5e5e5');
    await registerAndLeave(app, 'rest-peer', 'iPhone', 'apns', 'f6f6f6f6');
    const before = apnsReceived.length;
    const sent = await rest(SG, 'openim/sendmsg', app, { SyncOtherMachine: 1, From_Account: 'rest-sender', To_Account: 'rest-peer', MsgRandom: 4242, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'to the peer' } }] });
    expect(sent.body.ErrorCode).toBe(0);
    await waitFor(apnsReceived, before + 1);
    // Give a wrong second push the time to arrive.
    await new Promise((r) => setTimeout(r, 1500));
    expect(apnsReceived.slice(before).map((r) => r.path)).toEqual(['/3/device/f6f6f6f6']);
  });

  it('refuses bad provider settings and tokens with clear codes', async () => {
    await expect(push().setProviderConfig({ sdkAppId: app.sdkAppId, provider: 'apns', config: Buffer.from('{"teamId":"x"}') })).rejects.toMatchObject({ code: 70402 });
    await expect(push().setProviderConfig({ sdkAppId: app.sdkAppId, provider: 'carrier-pigeon', config: Buffer.from('{}') })).rejects.toMatchObject({ code: 70402 });
    await expect(push().setProviderConfig({ sdkAppId: app.sdkAppId, provider: 'fcm', config: Buffer.from('{oops') })).rejects.toMatchObject({ code: 90001 });
    await expect(
      push().registerDeviceToken({ sdkAppId: app.sdkAppId, userId: 'x', platform: 'Toaster', provider: 'apns', token: 't' }),
    ).rejects.toMatchObject({ code: 70402 });
  });
});
