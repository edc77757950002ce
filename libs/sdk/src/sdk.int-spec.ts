import { join } from 'node:path';
import WebSocket from 'ws';
import type { authV1 } from '@meridian/proto';
import {
  REPO_ROOT,
  TEST_LIMITS,
  TEST_NAMESPACE,
  TEST_PORT_OFFSET,
  closeTestClients,
  createTestApp,
  eventually,
  gatewayUrl,
  type TestApp,
} from '@meridian/testing';
import { resolvePlatform, spawnUnit, stopChildren, type Child } from '../../../tools/launcher/src/control';
import { EVENT, Meridian, type CreateOptions, type GatewayInfo, type Message, type WebSocketConstructor } from './index';
import { FAST, flakyWebSocket } from '../test/net';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const MULTI = 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy;

interface Probe {
  chat: Meridian;
  received: Message[];
  revoked: Message[];
  readReceipts: unknown[];
  states: string[];
  kicked: unknown[];
}

function client(app: TestApp, extra: Partial<CreateOptions>): Probe {
  const chat = Meridian.create({ SDKAppID: app.sdkAppId, accessUrl: gatewayUrl(SG), WebSocket: WebSocket as unknown as WebSocketConstructor, ...FAST, ...extra });
  const p: Probe = { chat, received: [], revoked: [], readReceipts: [], states: [], kicked: [] };
  chat.on(EVENT.MESSAGE_RECEIVED, (e) => p.received.push(...(e.data as Message[])));
  chat.on(EVENT.MESSAGE_REVOKED, (e) => p.revoked.push(...(e.data as Message[])));
  chat.on(EVENT.MESSAGE_READ_BY_PEER, (e) => p.readReceipts.push(...(e.data as unknown[])));
  chat.on(EVENT.NET_STATE_CHANGE, (e) => p.states.push((e.data as { state: string }).state));
  chat.on(EVENT.KICKED_OUT, (e) => p.kicked.push(e.data));
  return p;
}

const texts = (ms: Message[]) => ms.map((m) => m.payload['text']);
const send = (p: Probe, to: string, text: string) => p.chat.sendMessage(p.chat.createTextMessage({ to, payload: { text } }));

/** An extra eu-frankfurt gateway instance on its own ports, so the test can kill it. */
async function extraGateway(name: string, httpPort: number): Promise<Child> {
  const platform = resolvePlatform({
    namespace: TEST_NAMESPACE,
    portOffset: TEST_PORT_OFFSET,
    logDir: join(REPO_ROOT, '.meridian', 'logs', TEST_NAMESPACE),
    extraEnv: { ...TEST_LIMITS, MERIDIAN_HTTP_PORT: String(httpPort), MERIDIAN_GRPC_PORT: String(httpPort + 10), MERIDIAN_INSTANCE_ID: name },
  });
  const child = spawnUnit(platform, FRA, { name, services: ['gateway'], entry: 'dist/services/gateway/src/main.js', args: [] });
  const ok = await eventually(() => fetch(`http://127.0.0.1:${httpPort}/readyz`).then((r) => r.ok, () => false), 30_000, 200);
  if (!ok) throw new Error(`${name} did not start`);
  return child;
}

describe(Meridian.name, () => {
  let app: TestApp;
  const open: Probe[] = [];
  const track = (p: Probe) => (open.push(p), p);

  beforeAll(async () => {
    app = await createTestApp({ homeRegion: SG, policy: MULTI });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.chat.destroy()));
  });

  afterAll(() => closeTestClients());

  it('logs in on the preferred region, chats across regions, reads, recalls and keeps the conversation list', async () => {
    const alice = track(client(app, { region: SG }));
    const bob = track(client(app, { region: FRA }));
    let ready = false;
    alice.chat.on(EVENT.SDK_READY, () => (ready = true));
    expect((await alice.chat.login({ userID: 'alice', userSig: app.sig('alice') })).data).toMatchObject({ region: SG, homeRegion: SG });
    expect((await bob.chat.login({ userID: 'bob', userSig: app.sig('bob') })).data).toMatchObject({ region: FRA });
    expect(ready).toBe(true);
    expect(alice.chat.getConnectionInfo()).toMatchObject({ state: 'connected', region: SG });

    const sent = await send(alice, 'bob', 'hello from Singapore');
    expect(sent.data.message).toMatchObject({ status: 'success', conversationID: 'C2Cbob', flow: 'out' });
    expect(sent.data.message.sequence).toBeGreaterThan(0);
    await alice.chat.sendMessage(alice.chat.createFaceMessage({ to: 'bob', payload: { index: 2, data: 'grin' } }));
    await bob.chat.sendMessage(bob.chat.createCustomMessage({ to: 'alice', payload: { data: '{"card":1}', description: 'card' } }));

    expect(await eventually(() => bob.received.length === 2)).toBe(true);
    expect(bob.received.map((m) => [m.conversationID, m.flow, m.type])).toEqual([
      ['C2Calice', 'in', 'TIMTextElem'],
      ['C2Calice', 'in', 'TIMFaceElem'],
    ]);
    expect(bob.received[0]!.ID).toBe(sent.data.message.ID);
    expect(await eventually(() => alice.received.length === 1)).toBe(true);
    expect(alice.received[0]!.payload).toEqual({ data: '{"card":1}', description: 'card', extension: '' });

    const conv = (await bob.chat.getConversationList()).data.conversationList;
    expect(conv[0]).toMatchObject({ conversationID: 'C2Calice', unreadCount: 2 });

    await bob.chat.setMessageRead({ conversationID: 'C2Calice' });
    expect(await eventually(() => alice.readReceipts.length > 0)).toBe(true);
    expect(alice.readReceipts[0]).toMatchObject({ conversationID: 'C2Cbob', userID: 'bob' });

    const history = await bob.chat.getMessageList({ conversationID: 'C2Calice', count: 2 });
    expect(history.data.messageList.map((m) => m.type)).toEqual(['TIMFaceElem', 'TIMCustomElem']);
    const older = await bob.chat.getMessageList({ conversationID: 'C2Calice', nextReqMessageID: history.data.nextReqMessageID, count: 2 });
    expect(texts(older.data.messageList)).toEqual(['hello from Singapore']);
    expect(older.data.isCompleted).toBe(true);

    await alice.chat.revokeMessage(sent.data.message);
    expect(await eventually(() => bob.revoked.length === 1)).toBe(true);
    expect(bob.revoked[0]).toMatchObject({ conversationID: 'C2Calice', sequence: sent.data.message.sequence, isRevoked: true });

    await expect(alice.chat.login({ userID: 'alice', userSig: app.sig('alice') })).rejects.toMatchObject({ code: 2025 });
    const stranger = track(client(app, {}));
    await expect(stranger.chat.login({ userID: 'carol', userSig: 'not-a-sig' })).rejects.toMatchObject({ name: 'MeridianError' });
  });

  it('reconnects after losing the connection, catches up exactly once and delivers the sends queued meanwhile once', async () => {
    const net = flakyWebSocket();
    const dave = track(client(app, { region: FRA, WebSocket: net.WS }));
    const erin = track(client(app, { region: SG }));
    await dave.chat.login({ userID: 'dave', userSig: app.sig('dave') });
    await erin.chat.login({ userID: 'erin', userSig: app.sig('erin') });
    await send(erin, 'dave', 'before');
    expect(await eventually(() => dave.received.length === 1)).toBe(true);
    const loginId = dave.chat.getConnectionInfo().loginId;

    const t0 = Date.now();
    net.outage(true);
    net.sockets.at(-1)!.terminate();
    // 'connecting' during an attempt, 'disconnected' between attempts: either way not connected.
    expect(await eventually(() => dave.chat.getConnectionInfo().state !== 'connected', 3000, 20)).toBe(true);
    for (const t of ['during 1', 'during 2', 'during 3']) await send(erin, 'dave', t);
    const queued = [send(dave, 'erin', 'queued 1'), send(dave, 'erin', 'queued 2')];
    await new Promise((r) => setTimeout(r, 1500));
    net.outage(false);

    const answers = await Promise.all(queued);
    expect(answers.map((a) => a.data.message.status)).toEqual(['success', 'success']);
    await eventually(() => dave.received.length >= 4);
    expect(texts(dave.received)).toEqual(['before', 'during 1', 'during 2', 'during 3']);
    const outageMs = Date.now() - t0;
    // Both paths (the server's re-sent pushes and the catch-up sync) may carry a message: it reaches the app once.
    await new Promise((r) => setTimeout(r, 1500));
    expect(texts(dave.received)).toEqual(['before', 'during 1', 'during 2', 'during 3']);
    expect(dave.chat.getConnectionInfo().state).toBe('connected');
    expect(dave.chat.getConnectionInfo().loginId).not.toBe(loginId);
    expect(dave.states).toEqual(expect.arrayContaining(['connecting', 'disconnected', 'connected']));

    expect(await eventually(() => erin.received.length === 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(texts(erin.received)).toEqual(['queued 1', 'queued 2']);
    const stored = await erin.chat.getMessageList({ conversationID: 'C2Cdave', count: 20 });
    expect(texts(stored.data.messageList)).toEqual(['before', 'during 1', 'during 2', 'during 3', 'queued 1', 'queued 2']);
    process.stdout.write(`[sdk] outage to caught-up: ${outageMs} ms\n`);
  });

  it('survives a gateway killed and one drained: moves to the next gateway, resumes, no loss and no duplicates', async () => {
    const ports = [7600 + TEST_PORT_OFFSET, 7620 + TEST_PORT_OFFSET];
    const gws: Child[] = [];
    try {
      gws.push(await extraGateway('eu-frankfurt.gateway-sdk-0', ports[0]!), await extraGateway('eu-frankfurt.gateway-sdk-1', ports[1]!));
      const fixed: GatewayInfo[] = ports.map((p) => ({ region: FRA, wsUrl: `ws://127.0.0.1:${p}/v1/ws`, probeUrl: `http://127.0.0.1:${p}/v1/access/ping` }));
      const frank = track(client(app, { gateways: fixed }));
      const gina = track(client(app, { region: SG }));
      await frank.chat.login({ userID: 'frank', userSig: app.sig('frank') });
      await gina.chat.login({ userID: 'gina', userSig: app.sig('gina') });
      const first = frank.chat.getConnectionInfo().wsUrl!;
      const firstIdx = fixed.findIndex((g) => g.wsUrl === first);

      // Crash: SIGKILL, no goodbye; the heartbeat or the socket close tells the SDK.
      let t0 = Date.now();
      gws[firstIdx]!.process.kill('SIGKILL');
      const queued = send(frank, 'gina', 'from frank while moving');
      await send(gina, 'frank', 'while frank moves');
      expect(await eventually(() => frank.chat.getConnectionInfo().state === 'connected' && frank.chat.getConnectionInfo().wsUrl !== first, 15_000, 20)).toBe(true);
      const crashMs = Date.now() - t0;
      await queued;
      expect(await eventually(() => frank.received.length === 1)).toBe(true);
      expect(await eventually(() => gina.received.length === 1)).toBe(true);

      // Restart the killed one, then drain the one frank is on (SIGTERM: `reconnect` frame, close 1001).
      gws[firstIdx] = await extraGateway(`eu-frankfurt.gateway-sdk-${firstIdx}`, ports[firstIdx]!);
      const second = frank.chat.getConnectionInfo().wsUrl!;
      t0 = Date.now();
      gws[1 - firstIdx]!.process.kill('SIGTERM');
      await send(gina, 'frank', 'during the drain');
      expect(await eventually(() => frank.chat.getConnectionInfo().state === 'connected' && frank.chat.getConnectionInfo().wsUrl !== second, 15_000, 20)).toBe(true);
      const drainMs = Date.now() - t0;
      await send(frank, 'gina', 'after the drain');
      expect(await eventually(() => frank.received.length === 2 && gina.received.length === 2)).toBe(true);
      await new Promise((r) => setTimeout(r, 1500));
      expect(texts(frank.received)).toEqual(['while frank moves', 'during the drain']);
      expect(texts(gina.received)).toEqual(['from frank while moving', 'after the drain']);
      expect(frank.kicked).toEqual([]);
      process.stdout.write(`[sdk] reconnected after SIGKILL in ${crashMs} ms, after drain in ${drainMs} ms\n`);
    } finally {
      await stopChildren(gws, 5000);
    }
  });
});
