import { ErrorCode, MeridianError } from '@meridian/contracts';
import type { GrpcClients, PlatformConfig } from '@meridian/platform';
import type { GatewayConfig } from '../gateway.config';
import type { HistoryExportService } from '../history/history-export.service';
import type { MediaRouter } from '../media/media-router';
import { LiveRooms } from '../ws/live-rooms';
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

describe('group answers', () => {
  it('carry ShutUpUntil beside MuteUntil in member lists', async () => {
    const answer = { MemberList: [{ Member_Account: 'a', MuteUntil: 5 }, { Member_Account: 'b' }] };
    const { clients } = fakeClients({ execute: { bodyJson: Buffer.from(JSON.stringify(answer)) } });
    expect(await runRow(row('group_open_http_svc/get_group_member_info'), call('rest', clients), { GroupId: 'g' })).toEqual({
      MemberList: [{ Member_Account: 'a', MuteUntil: 5, ShutUpUntil: 5 }, { Member_Account: 'b' }],
    });
  });
});
