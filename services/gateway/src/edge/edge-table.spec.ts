import { ErrorCode, MeridianError } from '@meridian/contracts';
import type { groupV1 } from '@meridian/proto';
import type { GrpcClients, PlatformConfig } from '@meridian/platform';
import type { GatewayConfig } from '../gateway.config';
import type { HistoryExportService } from '../history/history-export.service';
import type { MediaRouter } from '../media/media-router';
import { LiveRooms, roomKey } from '../ws/live-rooms';
import { COMMANDS, REST_PATHS, WS_COMMANDS } from './commands.table';
import type { EdgeCall } from './edge-command';
import { runRow } from './edge-table';
import { GROUP_REST_COMMANDS, GROUP_WS_COMMANDS } from './families/groups';

/** A fake of the gRPC clients: records each call and answers what the test gives. */
function fakeClients(answers: Record<string, unknown>) {
  const calls: { service: string; region: string; method: string; request: unknown }[] = [];
  const clients = {
    service: (service: string, region: string) =>
      new Proxy(
        {},
        {
          get: (_t, method: string) => async (request: unknown) => {
            calls.push({ service, region, method, request });
            return answers[method] ?? {};
          },
        },
      ),
  } as unknown as GrpcClients;
  return { clients, calls };
}

function call(face: 'rest' | 'ws', clients: GrpcClients): EdgeCall {
  const platform = { region: 'ap-singapore', grpc: { advertise: '127.0.0.1:1' } } as unknown as PlatformConfig;
  return {
    face,
    sdkAppId: 7,
    operator: 'admin',
    isAdmin: face === 'rest',
    loginId: face === 'ws' ? 'L1' : '',
    connectionId: 'C1',
    platform: face === 'ws' ? 'Web' : '',
    homeRegion: 'eu-frankfurt',
    entryRegion: 'ap-singapore',
    clientIp: '127.0.0.1',
    deps: { clients, platform, config: {} as GatewayConfig, live: new LiveRooms(), history: {} as HistoryExportService, media: {} as MediaRouter },
  };
}

const row = (name: string) => COMMANDS.find((r) => r.rest === name || r.ws === name)!;

async function refusal(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    if (MeridianError.is(err)) return err.code;
    throw err;
  }
  throw new Error('accepted');
}

describe('edge table', () => {
  it('names every command once per face', () => {
    expect(new Set(REST_PATHS).size).toBe(REST_PATHS.length);
    expect(new Set(WS_COMMANDS).size).toBe(WS_COMMANDS.length);
    for (const p of REST_PATHS) expect(p).toMatch(/^[A-Za-z_]+\/[A-Za-z0-9_]+$/);
    for (const c of WS_COMMANDS) expect(c).toMatch(/^[a-z]+\.[a-z_]+$/);
    for (const r of COMMANDS) expect(r.rest ?? r.ws).toBeDefined();
  });

  it('serves every group command on the faces the gateway lists (the fuzzer reads the same lists)', () => {
    for (const c of GROUP_REST_COMMANDS) expect(REST_PATHS).toContain(`group_open_http_svc/${c}`);
    for (const c of GROUP_WS_COMMANDS) expect(WS_COMMANDS).toContain(`group.${c}`);
  });

  it('reads old names and nulls leniently, then maps the request and the answer', async () => {
    const { clients, calls } = fakeClients({ queryOnlineStatus: { results: [{ userId: 'a', state: 'Online', detail: [] }], notFound: ['b'] } });
    expect(await runRow(row('openim/query_online_status'), call('rest', clients), { To_Account: ['a', 'b'], IsNeedDetail: null })).toEqual({
      QueryResult: [{ To_Account: 'a', Status: 'Online', State: 'Online' }],
      ErrorList: [{ To_Account: 'b', ErrorCode: ErrorCode.ACCOUNT_NOT_FOUND }],
    });
    expect(calls).toEqual([{ service: 'auth', region: 'eu-frankfurt', method: 'queryOnlineStatus', request: { sdkAppId: 7, userIds: ['a', 'b'], needDetail: false } }]);
    await runRow(row('im_open_login_svc/kick'), call('rest', clients), { Identifier: 'old' });
    expect(calls[1]).toMatchObject({ method: 'kick', request: { sdkAppId: 7, userId: 'old' } });
  });

  it("refuses a bad body with the field's Tencent code and calls nothing", async () => {
    const { clients, calls } = fakeClients({});
    expect(await refusal(runRow(row('openim/query_online_status'), call('rest', clients), { To_Account: [1] }))).toBe(ErrorCode.ACCOUNT_NOT_STRING);
    expect(await refusal(runRow(row('all_member_push/im_get_tag'), call('rest', clients), { To_Account: [] }))).toBe(ErrorCode.ACCOUNT_COUNT_OVER_LIMIT);
    expect(await refusal(runRow(row('account.online_status'), call('ws', clients), { userIds: [1] }))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(await refusal(runRow(row('recentcontact/delete'), call('rest', clients), { From_Account: 'a', Type: 2 }))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(calls).toEqual([]);
  });

  it('group rows: REST as the admin, WebSocket as the member with this gateway; ReqMsgSeq 0 is the newest; ShutUpAllMember beside MuteAllMember', async () => {
    const answer = {
      GroupInfo: [
        { GroupId: 'g', MuteAllMember: 'On' },
        { GroupId: 'h', ErrorCode: 10010 },
      ],
    };
    const { clients, calls } = fakeClients({ execute: { bodyJson: Buffer.from(JSON.stringify(answer)) } });
    expect(await runRow(row('group_open_http_svc/get_group_info'), call('rest', clients), { GroupIdList: ['g', 'h'] })).toEqual({
      GroupInfo: [
        { GroupId: 'g', MuteAllMember: 'On', ShutUpAllMember: 'On' },
        { GroupId: 'h', ErrorCode: 10010 },
      ],
    });
    expect(calls[0]!.request).toMatchObject({ command: 'get_group_info', operator: 'admin', operatorIsAdmin: true, gatewayAddress: '' });
    await runRow(row('group.group_msg_get_simple'), call('ws', clients), { GroupId: 'g', ReqMsgNumber: 5, ReqMsgSeq: 0 });
    const req = calls[1]!.request as { bodyJson: Buffer; operatorIsAdmin: boolean; loginId: string; gatewayAddress: string };
    expect(JSON.parse(req.bodyJson.toString())).toEqual({ GroupId: 'g', ReqMsgNumber: 5 });
    expect(req).toMatchObject({ operatorIsAdmin: false, loginId: 'L1', gatewayAddress: '127.0.0.1:1' });
  });
});

describe('recentcontact/delete', () => {
  it('needs no ToGroupid for a C2C conversation nor To_Account for a group', async () => {
    const { clients, calls } = fakeClients({});
    await runRow(row('recentcontact/delete'), call('rest', clients), { From_Account: 'a', Type: 1, To_Account: 'b' });
    await runRow(row('recentcontact/delete'), call('rest', clients), { From_Account: 'a', type: 2, ToGroupId: 'g' });
    expect(calls.map((c) => c.request)).toEqual([
      { sdkAppId: 7, account: 'a', type: 1, peer: 'b', clearHistory: false },
      { sdkAppId: 7, account: 'a', type: 2, peer: 'g', clearHistory: false },
    ]);
  });
});

describe('recentcontact/delete with ClearRamble', () => {
  it("has the group service hide a group's history from that member; a 1:1 conversation stays chat's alone", async () => {
    const { clients, calls } = fakeClients({ clearMemberHistory: { cleared: true, clearedSeq: '9' } });
    expect(await runRow(row('recentcontact/delete'), call('rest', clients), { From_Account: 'a', Type: 2, ToGroupid: 'g', ClearRamble: 1 })).toEqual({});
    await runRow(row('recentcontact/delete'), call('rest', clients), { From_Account: 'a', Type: 1, To_Account: 'b', ClearRamble: 1 });
    expect(calls.map((c) => [c.service, c.method])).toEqual([
      ['chat', 'deleteConversation'],
      ['group', 'clearMemberHistory'],
      ['chat', 'deleteConversation'],
    ]);
    expect(calls[1]!.request).toMatchObject({ groupId: 'g', memberAccount: 'a', caller: { sdkAppId: 7, operator: 'admin', operatorIsAdmin: true } });
    expect(calls[2]!.request).toMatchObject({ type: 1, peer: 'b', clearHistory: true });
  });
});

describe('group answers', () => {
  it('carry ShutUpUntil beside MuteUntil in member lists', async () => {
    const answer = { MemberList: [{ Member_Account: 'a', MuteUntil: 5 }, { Member_Account: 'b' }] };
    const { clients } = fakeClients({ execute: { bodyJson: Buffer.from(JSON.stringify(answer)) } });
    expect(await runRow(row('group_open_http_svc/get_group_member_info'), call('rest', clients), { GroupId: 'g' })).toEqual({
      MemberList: [{ Member_Account: 'a', MuteUntil: 5, ShutUpUntil: 5 }, { Member_Account: 'b' }],
    });
  });
});

describe('AVChatRoom membership at the edge', () => {
  const joined = (c: EdgeCall) => c.deps.live.members(roomKey(7, 'room'));

  it("follows the group service's typed live_room, never a field of Tencent's answer", async () => {
    const { clients } = fakeClients({ execute: { bodyJson: Buffer.from(JSON.stringify({ JoinStatus: 'Joined' })), liveRoom: true } });
    const c = call('ws', clients);
    expect(await runRow(row('group.apply_join_group'), c, { GroupId: 'room' })).toEqual({ JoinStatus: 'Joined' });
    expect(joined(c)).toEqual(['C1']);
    const left = fakeClients({ execute: { bodyJson: Buffer.from('{}'), liveRoom: true } });
    expect(await runRow(row('group.quit_group'), { ...c, deps: { ...c.deps, clients: left.clients } }, { GroupId: 'room' })).toEqual({});
    expect(joined(c)).toEqual([]);
  });

  it('ties no connection for an answer without live_room, whatever its body says', async () => {
    const { clients } = fakeClients({ execute: { bodyJson: Buffer.from(JSON.stringify({ JoinStatus: 'Joined', Live: true })), liveRoom: false } });
    const c = call('ws', clients);
    await runRow(row('group.apply_join_group'), c, { GroupId: 'room' });
    expect(joined(c)).toEqual([]);
  });
});

describe('typed group rows (live rooms)', () => {
  it('call GetOnlineMemberNum and SendBroadcastMessage with the caller and typed fields, and answer in Tencent names', async () => {
    const { clients, calls } = fakeClients({ getOnlineMemberNum: { onlineMemberNum: 3 }, sendBroadcastMessage: { msgSeq: '12' } });
    expect(await runRow(row('group.get_online_member_num'), call('ws', clients), { GroupId: 'room' })).toEqual({ OnlineMemberNum: 3 });
    expect(calls[0]).toMatchObject({
      service: 'group',
      method: 'getOnlineMemberNum',
      request: {
        groupId: 'room',
        caller: { sdkAppId: 7, operator: 'admin', operatorIsAdmin: false, loginId: 'L1', gatewayAddress: '127.0.0.1:1', gatewayRegion: 'ap-singapore', origin: { platform: 'Web' } },
      },
    });
    const body = [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }];
    expect(await runRow(row('group_open_http_svc/send_broadcast_msg'), call('rest', clients), { MsgBody: body, Random: 5, CloudCustomData: null })).toEqual({ MsgSeq: 12 });
    const req = calls[1]!.request as groupV1.SendBroadcastMessageRequest;
    expect({ ...req, msgBody: JSON.parse(Buffer.from(req.msgBody).toString()) as unknown }).toEqual({
      caller: expect.objectContaining({ operator: 'admin', operatorIsAdmin: true, gatewayAddress: '' }),
      fromAccount: '',
      random: 5,
      msgBody: body,
      cloudCustomData: '',
    });
  });

  it("refuse a bad body with the group service's codes and call nothing", async () => {
    const { clients, calls } = fakeClients({});
    const c = call('rest', clients);
    expect(await refusal(runRow(row('group_open_http_svc/get_online_member_num'), c, {}))).toBe(10015);
    expect(await refusal(runRow(row('group_open_http_svc/get_online_member_num'), c, { GroupId: 7 }))).toBe(10015);
    expect(await refusal(runRow(row('group_open_http_svc/get_online_member_num'), c, { GroupId: 'x'.repeat(97) }))).toBe(10015);
    const body = [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }];
    expect(await refusal(runRow(row('group_open_http_svc/send_broadcast_msg'), c, {}))).toBe(ErrorCode.MSG_BODY_NOT_ARRAY);
    expect(await refusal(runRow(row('group_open_http_svc/send_broadcast_msg'), c, { MsgBody: body, Random: -1 }))).toBe(10004);
    expect(await refusal(runRow(row('group_open_http_svc/send_broadcast_msg'), c, { MsgBody: body, From_Account: 5 }))).toBe(ErrorCode.ACCOUNT_NOT_STRING);
    expect(await refusal(runRow(row('group_open_http_svc/send_broadcast_msg'), c, { MsgBody: body, CloudCustomData: 1 }))).toBe(10004);
    expect(calls).toEqual([]);
  });
});
