import WebSocket from 'ws';
import type { authV1 } from '@meridian/proto';
import { closeTestClients, createTestApp, eventually, gatewayUrl, rest, type TestApp } from '@meridian/testing';
import { EVENT, Meridian, TYPES, type Conversation, type CreateOptions, type Group, type Message, type WebSocketConstructor } from './index';
import { FAST, flakyWebSocket } from '../test/net';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const MULTI = 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy;

interface Probe {
  chat: Meridian;
  received: Message[];
  revoked: Message[];
  groups: Group[];
  conversations: Conversation[];
}

function client(app: TestApp, extra: Partial<CreateOptions>): Probe {
  const chat = Meridian.create({ SDKAppID: app.sdkAppId, accessUrl: gatewayUrl(SG), WebSocket: WebSocket as unknown as WebSocketConstructor, ...FAST, ...extra });
  const p: Probe = { chat, received: [], revoked: [], groups: [], conversations: [] };
  chat.on(EVENT.MESSAGE_RECEIVED, (e) => p.received.push(...(e.data as Message[])));
  chat.on(EVENT.MESSAGE_REVOKED, (e) => p.revoked.push(...(e.data as Message[])));
  chat.on(EVENT.GROUP_LIST_UPDATED, (e) => (p.groups = e.data as Group[]));
  chat.on(EVENT.CONVERSATION_LIST_UPDATED, (e) => (p.conversations = e.data as Conversation[]));
  return p;
}

const say = (p: Probe, to: string, text: string) => p.chat.sendMessage(p.chat.createTextMessage({ to, conversationType: TYPES.CONV_GROUP, payload: { text } }));
const textsIn = (p: Probe, groupID: string) => p.received.filter((m) => m.conversationID === `GROUP${groupID}` && m.type === TYPES.MSG_TEXT).map((m) => m.payload['text']);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Meridian groups', () => {
  let app: TestApp;
  const open: Probe[] = [];

  beforeAll(async () => {
    app = await createTestApp({ homeRegion: SG, policy: MULTI });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['gal', 'gbo'] });
  });

  afterAll(async () => {
    await Promise.all(open.splice(0).map((p) => p.chat.destroy()));
    closeTestClients();
  });

  it('two regions: a Public group chats both ways, recalls, reads and counts unread; an AVChatRoom; reconnect re-joins the room and catches up a Work group', async () => {
    const net = flakyWebSocket();
    const al = client(app, { region: SG });
    const bo = client(app, { region: FRA, WebSocket: net.WS });
    open.push(al, bo);
    await al.chat.login({ userID: 'gal', userSig: app.sig('gal') });
    await bo.chat.login({ userID: 'gbo', userSig: app.sig('gbo') });
    expect(bo.chat.getConnectionInfo().region).toBe(FRA);

    // Public group with bob in it: bob hears of it (system notice) and lists it.
    const created = await al.chat.createGroup({ type: TYPES.GRP_PUBLIC, name: 'Team', memberList: [{ userID: 'gbo' }] });
    const pub = created.data.group.groupID;
    expect(pub).toMatch(/^@TGS#2/);
    expect(created.data.group).toMatchObject({ type: 'Public', name: 'Team', ownerID: 'gal', selfInfo: { role: 'Owner' } });
    expect(await eventually(() => bo.groups.some((g) => g.groupID === pub))).toBe(true);
    expect(bo.received.some((m) => m.conversationID === TYPES.CONV_SYSTEM && m.payload['operationType'] === TYPES.GRP_SYS_NOTICE_GROUP_CREATED)).toBe(true);

    const t0 = Date.now();
    const first = await say(al, pub, 'hello team, from Singapore');
    expect(first.data.message).toMatchObject({ status: 'success', conversationID: `GROUP${pub}`, flow: 'out' });
    await say(al, pub, 'second from Singapore');
    expect(await eventually(() => textsIn(bo, pub).length === 2)).toBe(true);
    const crossRegionMs = Date.now() - t0;
    expect(textsIn(bo, pub)).toEqual(['hello team, from Singapore', 'second from Singapore']);
    const got = bo.received.find((m) => m.payload['text'] === 'hello team, from Singapore')!;
    expect(got).toMatchObject({ ID: first.data.message.ID, sequence: first.data.message.sequence, flow: 'in', from: 'gal' });
    await say(bo, pub, 'Hallo, from Frankfurt');
    expect(await eventually(() => textsIn(al, pub).length === 1)).toBe(true);

    // Unread and read.
    const boConv = (await bo.chat.getConversationProfile(`GROUP${pub}`)).data.conversation!;
    expect(boConv).toMatchObject({ type: 'GROUP', unreadCount: 2, groupProfile: { groupID: pub } });
    expect((await bo.chat.setMessageRead({ conversationID: `GROUP${pub}` })).data.unreadCount).toBe(0);
    expect((await bo.chat.getConversationProfile(`GROUP${pub}`)).data.conversation!.unreadCount).toBe(0);
    const alConv = (await al.chat.getConversationProfile(`GROUP${pub}`)).data.conversation!;
    expect(alConv.unreadCount).toBe(1);

    // Recall: bob sees it revoked; history shows the placeholder.
    await al.chat.revokeMessage(first.data.message);
    expect(await eventually(() => bo.revoked.length === 1)).toBe(true);
    expect(bo.revoked[0]).toMatchObject({ conversationID: `GROUP${pub}`, sequence: first.data.message.sequence, isRevoked: true });
    const page = await bo.chat.getMessageList({ conversationID: `GROUP${pub}`, count: 2 });
    expect(page.data.messageList.map((m) => m.payload['text'])).toEqual(['second from Singapore', 'Hallo, from Frankfurt']);
    const older = await bo.chat.getMessageList({ conversationID: `GROUP${pub}`, count: 5, nextReqMessageID: page.data.nextReqMessageID });
    expect(older.data.messageList.map((m) => [m.isRevoked, m.from])).toEqual([[true, 'gal']]);
    expect(older.data.isCompleted).toBe(true);

    // An admin rewrites a message (openim/modify_group_msg): bob's SDK reports it modified.
    const modified: Message[] = [];
    bo.chat.on(EVENT.MESSAGE_MODIFIED, (e) => modified.push(...(e.data as Message[])));
    const second = bo.received.find((m) => m.payload['text'] === 'second from Singapore')!;
    expect((await rest(SG, 'openim/modify_group_msg', app, { GroupId: pub, MsgSeq: second.sequence, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'second, edited' } }] })).body.ErrorCode).toBe(0);
    expect(await eventually(() => modified.length === 1)).toBe(true);
    expect(modified[0]).toMatchObject({ conversationID: `GROUP${pub}`, sequence: second.sequence, from: 'gal', payload: { text: 'second, edited' } });

    // AVChatRoom: the creator is in it, bob joins; both receive.
    const live = (await al.chat.createGroup({ type: TYPES.GRP_AVCHATROOM, name: 'Live' })).data.group.groupID;
    expect(live).toMatch(/^@TGS#a/);
    expect((await bo.chat.joinGroup({ groupID: live })).data.status).toBe(TYPES.JOIN_STATUS_SUCCESS);
    await say(al, live, 'live one');
    await say(bo, live, 'live two');
    expect(await eventually(() => textsIn(bo, live).includes('live one') && textsIn(al, live).includes('live two'))).toBe(true);

    // Work group with a first message; then bob loses the network while gal writes on.
    const work = (await al.chat.createGroup({ type: TYPES.GRP_WORK, name: 'Work', memberList: [{ userID: 'gbo' }] })).data.group.groupID;
    await say(al, work, 'work 0');
    expect(await eventually(() => textsIn(bo, work).length === 1)).toBe(true);
    const loginId = bo.chat.getConnectionInfo().loginId;
    net.outage(true);
    net.sockets.at(-1)!.terminate();
    expect(await eventually(() => bo.chat.getConnectionInfo().state !== 'connected', 3000, 20)).toBe(true);
    const t1 = Date.now();
    for (const t of ['work 1', 'work 2', 'work 3']) await say(al, work, t);
    await pause(1000);
    net.outage(false);
    expect(await eventually(() => textsIn(bo, work).length === 4, 15_000)).toBe(true);
    const catchUpMs = Date.now() - t1;
    expect(bo.chat.getConnectionInfo().loginId).not.toBe(loginId);
    // The room was joined again on the new connection: its messages arrive.
    await pause(500);
    await say(al, live, 'live after the reconnect');
    expect(await eventually(() => textsIn(bo, live).includes('live after the reconnect'))).toBe(true);
    await pause(1500);
    expect(textsIn(bo, work)).toEqual(['work 0', 'work 1', 'work 2', 'work 3']);
    expect(textsIn(bo, live)).toEqual(['live one', 'live after the reconnect']);
    expect((await bo.chat.getConversationProfile(`GROUP${work}`)).data.conversation!.unreadCount).toBe(4);
    expect((await bo.chat.getGroupList()).data.groupList.map((g) => g.groupID).sort()).toEqual([live, pub, work].sort());

    // Members and leaving.
    const members = await al.chat.getGroupMemberList({ groupID: pub });
    expect(members.data.memberList.map((m) => [m.userID, m.role]).sort()).toEqual([
      ['gal', 'Owner'],
      ['gbo', 'Member'],
    ]);
    await bo.chat.quitGroup(pub);
    expect((await bo.chat.getGroupList()).data.groupList.some((g) => g.groupID === pub)).toBe(false);
    expect(await eventually(() => al.received.some((m) => m.type === TYPES.MSG_GRP_TIP && m.payload['operationType'] === TYPES.GRP_TIP_MBR_QUIT))).toBe(true);
    process.stdout.write(`[sdk groups] cross-region group message ${crossRegionMs} ms; outage end to Work group caught up ${catchUpMs} ms\n`);
  }, 90_000);
});
