import { Controller, Inject } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcEndpoint } from '@meridian/platform';
import { groupV1 } from '@meridian/proto';
import type { GroupAppSettingsDoc } from './groups/group.schema';
import type { Ctx } from './groups/group-input';
import { GroupMembersService } from './groups/group-members.service';
import { GroupMessagesService } from './groups/group-messages.service';
import { GroupsService } from './groups/groups.service';

function toProto(s: GroupAppSettingsDoc): groupV1.GroupAppSettings {
  return {
    groupFields: s.groupFields,
    memberFields: s.memberFields,
    maxMembersWork: s.maxMembers['Work'] ?? 0,
    maxMembersPublic: s.maxMembers['Public'] ?? 0,
    maxMembersMeeting: s.maxMembers['Meeting'] ?? 0,
  };
}

function jsonOf(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8') || '{}');
  } catch {
    throw new MeridianError(ErrorCode.JSON_PARSE, `${what} is not JSON`);
  }
}

/** The acting identity of a call (ExecuteRequest's fields or a typed RPC's GroupCaller). */
function ctxOf(caller: groupV1.GroupCaller | undefined, call?: { cancelled?: boolean }): Ctx {
  if (!caller) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'caller is required');
  return {
    sdkAppId: caller.sdkAppId,
    operator: caller.operator,
    isAdmin: caller.operatorIsAdmin,
    loginId: caller.loginId,
    gatewayAddress: caller.gatewayAddress,
    gatewayRegion: caller.gatewayRegion,
    callerGone: () => call?.cancelled === true,
    origin: caller.origin,
  };
}

@Controller()
@GrpcEndpoint()
@groupV1.GroupServiceControllerMethods()
export class GroupGrpcController implements groupV1.GroupServiceController {
  constructor(
    @Inject(GroupsService) private readonly groups: GroupsService,
    @Inject(GroupMessagesService) private readonly messages: GroupMessagesService,
    @Inject(GroupMembersService) private readonly members: GroupMembersService,
  ) {}

  async execute(req: groupV1.ExecuteRequest, _metadata?: unknown, call?: { cancelled?: boolean }): Promise<groupV1.ExecuteResponse> {
    const body = jsonOf(req.bodyJson, 'the body');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new MeridianError(ErrorCode.JSON_PARSE, 'the body must be a JSON object');
    const { command, bodyJson: _body, ...caller } = req;
    const out = await this.groups.execute(ctxOf(caller, call), command, body as Record<string, unknown>);
    return { bodyJson: Buffer.from(JSON.stringify(out.body)), liveRoom: out.liveRoom };
  }

  async getOnlineMemberNum(req: groupV1.GetOnlineMemberNumRequest): Promise<groupV1.GetOnlineMemberNumResponse> {
    return { onlineMemberNum: await this.members.onlineNum(ctxOf(req.caller), req.groupId) };
  }

  async clearMemberHistory(req: groupV1.ClearMemberHistoryRequest): Promise<groupV1.ClearMemberHistoryResponse> {
    const r = await this.members.clearHistory(ctxOf(req.caller), req.groupId, req.memberAccount);
    return { cleared: r.cleared, clearedSeq: String(r.seq) };
  }

  async sendBroadcastMessage(req: groupV1.SendBroadcastMessageRequest): Promise<groupV1.SendBroadcastMessageResponse> {
    const seq = await this.messages.broadcast(ctxOf(req.caller), { from: req.fromAccount, random: req.random, msgBody: jsonOf(req.msgBody, 'MsgBody'), cloudCustomData: req.cloudCustomData });
    return { msgSeq: String(seq) };
  }

  async listHourMessages(req: groupV1.ListHourMessagesRequest): Promise<groupV1.ListHourMessagesResponse> {
    const r = await this.messages.hourMessages(req.sdkAppId, Number(req.hourStart), req.cursor, req.limit || 500);
    return {
      messages: r.messages.map((m) => ({
        groupId: m.groupId,
        msgSeq: String(m.seq),
        fromAccount: m.from,
        msgRandom: m.random,
        msgTime: String(m.time),
        msgBody: Buffer.from(m.body),
        cloudCustomData: m.cloudCustomData,
        priority: m.priority,
      })),
      nextCursor: r.nextCursor,
      expired: r.expired,
    };
  }

  async setAppSettings(req: groupV1.SetAppSettingsRequest): Promise<groupV1.SetAppSettingsResponse> {
    const s = req.settings;
    if (!s) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'settings are required');
    const saved = await this.groups.setAppSettings(req.sdkAppId, {
      groupFields: s.groupFields,
      memberFields: s.memberFields,
      maxMembers: { Work: s.maxMembersWork, Public: s.maxMembersPublic, Meeting: s.maxMembersMeeting },
    });
    return { settings: toProto(saved) };
  }

  async getAppSettings(req: groupV1.GetAppSettingsRequest): Promise<groupV1.GetAppSettingsResponse> {
    return { settings: toProto(await this.groups.appSettings(req.sdkAppId)) };
  }
}
