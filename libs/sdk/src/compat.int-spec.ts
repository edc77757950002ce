import type { authV1 } from '@meridian/proto';
import { closeTestClients, createTestApp, eventually, gatewayUrl, type TestApp } from '@meridian/testing';
import { EVENT, TYPES, TencentCloudChat, type Message, type MeridianError } from './index';
import { FAST } from '../test/net';

const SG = 'ap-singapore';
const MULTI = 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy;

describe('TencentCloudChat (Tencent sample calls against a real platform)', () => {
  let app: TestApp;
  const open: TencentCloudChat[] = [];
  // No WebSocket option: on Node 20 the SDK must find the ws package by itself.
  const make = () => {
    const chat = TencentCloudChat.create({ SDKAppID: app.sdkAppId, accessUrl: gatewayUrl(SG), ...FAST });
    open.push(chat);
    return chat;
  };

  beforeAll(async () => {
    app = await createTestApp({ homeRegion: SG, policy: MULTI });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.destroy()));
  });
  afterAll(() => closeTestClients());

  it('resendMessage: a send to a user who never logged in fails with 90012; once they have, the resend (same random) is stored once', async () => {
    const alice = make();
    await alice.login({ userID: 'rs_alice', userSig: app.sig('rs_alice') });
    const m = alice.createTextMessage({ to: 'rs_bob', payload: { text: 'hello before you exist' } });
    const random = m.random;
    const err = (await alice.sendMessage(m).catch((e: unknown) => e)) as MeridianError;
    expect(err.code).toBe(90012);
    expect(m.status).toBe('fail');
    // Only failed messages are resent.
    await expect(alice.resendMessage({ ...m, status: 'success' })).rejects.toMatchObject({ code: 2000 });

    const bob = make();
    const got: Message[] = [];
    bob.on(EVENT.MESSAGE_RECEIVED, (e) => got.push(...(e.data as Message[])));
    await bob.login({ userID: 'rs_bob', userSig: app.sig('rs_bob') });
    const res = await alice.resendMessage(m);
    expect(res.data.message).toBe(m);
    expect(m).toMatchObject({ status: 'success', random });
    expect(m.sequence).toBeGreaterThan(0);
    expect(await eventually(() => got.length === 1, 10_000)).toBe(true);
    expect(got[0]).toMatchObject({ random, payload: { text: 'hello before you exist' } });

    // The resend of a message whose answer was lost: the server de-duplicates the random.
    m.status = 'fail';
    const again = await alice.resendMessage(m);
    expect(again.data.message.sequence).toBe(res.data.message.sequence);
    const history = await bob.getMessageList({ conversationID: 'C2Crs_alice', count: 10 });
    expect(history.data.messageList.filter((x) => x.random === random)).toHaveLength(1);
  }, 60_000);

  it('answers the other sample calls: profile, status, unread total, draft, server time, local delete', async () => {
    const carol = make();
    const dave = make();
    await carol.login({ userID: 'rs_carol', userSig: app.sig('rs_carol') });
    await dave.login({ userID: 'rs_dave', userSig: app.sig('rs_dave') });
    await carol.updateMyProfile({ nick: 'Carol C.' });
    expect((await carol.getMyProfile()).data).toMatchObject({ userID: 'rs_carol', nick: 'Carol C.' });

    const status = await carol.getUserStatus({ userIDList: ['rs_dave', 'rs_nobody'] });
    expect(status.data.successUserList).toEqual(
      expect.arrayContaining([
        { userID: 'rs_dave', statusType: TYPES.USER_STATUS_ONLINE, customStatus: '' },
        { userID: 'rs_nobody', statusType: TYPES.USER_STATUS_UNLOGINED, customStatus: '' },
      ]),
    );

    await carol.sendMessage(carol.createTextMessage({ to: 'rs_dave', payload: { text: 'one' } }));
    await carol.sendMessage(carol.createTextMessage({ to: 'rs_dave', payload: { text: 'two' } }));
    expect(await eventually(() => dave.getTotalUnreadMessageCount() === 2, 10_000)).toBe(true);

    await dave.setConversationDraft({ conversationID: 'C2Crs_carol', draftText: 'half a thought' });
    expect((await dave.getConversationProfile('C2Crs_carol')).data.conversation?.draftText).toBe('half a thought');

    expect(Math.abs(dave.getServerTime() - Date.now() / 1000)).toBeLessThan(5);

    const list = (await dave.getMessageList({ conversationID: 'C2Crs_carol' })).data.messageList;
    const two = list.find((x) => x.payload['text'] === 'two')!;
    await dave.deleteMessage([two]);
    const last = (await dave.getConversationProfile('C2Crs_carol')).data.conversation?.lastMessage;
    expect(last?.payload['text']).toBe('one');
  }, 60_000);

  it('goes offline at once when told the network is gone and reconnects at once when it is back', async () => {
    const erin = make();
    const states: string[] = [];
    erin.on(EVENT.NET_STATE_CHANGE, (e) => states.push((e.data as { state: string }).state));
    await erin.login({ userID: 'rs_erin', userSig: app.sig('rs_erin') });
    erin.setNetworkAvailable(false);
    expect(erin.getConnectionInfo().state).toBe('disconnected');
    // No reconnect attempts while offline.
    await new Promise((r) => setTimeout(r, 1500));
    expect(erin.getConnectionInfo().state).toBe('disconnected');
    const t0 = Date.now();
    erin.setNetworkAvailable(true);
    expect(await eventually(() => erin.getConnectionInfo().state === 'connected', 5000, 20)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(states.slice(-3)).toEqual(['disconnected', 'connecting', 'connected']);
  }, 30_000);
});
