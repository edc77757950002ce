import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, ownEntry } from '@meridian/contracts';
import { BeforeCallbacks } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';
import { originOf } from './group-origin';
import { GroupsRepository } from './groups.repository';

type Json = Record<string, unknown>;

/** The group commands that have a before-callback, and its Tencent name. */
const COMMANDS: Record<string, string> = {
  send_group_msg: 'Group.CallbackBeforeSendMsg',
  create_group: 'Group.CallbackBeforeCreateGroup',
  apply_join_group: 'Group.CallbackBeforeApplyJoinGroup',
  add_group_member: 'Group.CallbackBeforeInviteJoinGroup',
};

const members = (v: unknown): string[] =>
  (Array.isArray(v) ? v : []).map((m) => (m as Json | null)?.['Member_Account']).filter((m): m is string => typeof m === 'string');

/**
 * Group before-callbacks, run before a command's own handler: the app's backend may refuse
 * (10016 or its own 10100-10200), drop a message silently (answered as sent), rewrite a message's
 * MsgBody / CloudCustomData, or refuse some invitees (RefusedMembers_Account). Kept apart from
 * GroupsService so the handlers stay as they are; commands the app has not enabled cost no call.
 */
@Injectable()
export class GroupBeforeCallbacks {
  constructor(
    @Inject(BeforeCallbacks) private readonly callbacks: BeforeCallbacks,
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
  ) {}

  /**
   * Answers the body to go on with (possibly rewritten), or `{ answer }` to return to the client
   * at once (a dropped message). Throws the refusal.
   */
  async check(ctx: { sdkAppId: number; operator: string; isAdmin: boolean; origin?: originEventsV1.Origin }, command: string, body: Json): Promise<{ body: Json; answer?: Json }> {
    const name = ownEntry(COMMANDS, command);
    if (!name || !(await this.callbacks.enabled(ctx.sdkAppId, name))) return { body };
    // An app admin's send_group_msg may skip it (ForbidCallbackControl, as sendmsg).
    const forbid = body['ForbidCallbackControl'];
    if (command === 'send_group_msg' && ctx.isAdmin && Array.isArray(forbid) && forbid.includes('ForbidBeforeSendMsgCallback')) return { body };
    const EventTime = Date.now();
    let payload: Json;
    if (command === 'create_group') {
      const owner = ctx.isAdmin ? (typeof body['Owner_Account'] === 'string' ? body['Owner_Account'] : '') : ctx.operator;
      payload = { Operator_Account: ctx.operator, Owner_Account: owner, Type: body['Type'], Name: body['Name'], CreateGroupNum: 0, MemberList: members(body['MemberList']).map((Member_Account) => ({ Member_Account })), EventTime };
    } else {
      const groupId = typeof body['GroupId'] === 'string' ? body['GroupId'] : '';
      const g = groupId ? await this.repo.group(ctx.sdkAppId, groupId) : null;
      // An unknown group is the handler's error to report; nothing to ask the app about.
      if (!g) return { body };
      const base = { GroupId: g.groupId, Type: g.typeName };
      if (command === 'send_group_msg') {
        const from = ctx.isAdmin && typeof body['From_Account'] === 'string' ? body['From_Account'] : ctx.operator;
        payload = { ...base, From_Account: from, Operator_Account: ctx.operator, Random: body['Random'], OnlineOnlyFlag: body['OnlineOnlyFlag'] === 1 ? 1 : 0, MsgBody: body['MsgBody'], CloudCustomData: body['CloudCustomData'] ?? '', TopicId: '', EventTime };
      } else if (command === 'apply_join_group') {
        payload = { ...base, Requestor_Account: ctx.operator, EventTime };
      } else {
        payload = { ...base, Operator_Account: ctx.operator, DestinationMembers: members(body['MemberList']).map((Member_Account) => ({ Member_Account })), EventTime };
      }
    }
    const outcome = await this.callbacks.run(ctx.sdkAppId, name, payload, { optPlatform: originOf(ctx).platform, clientIp: originOf(ctx).clientIp });
    if (!BeforeCallbacks.proceed(outcome)) return { body, answer: { MsgTime: Math.floor(Date.now() / 1000), MsgSeq: 0 } };
    const answer = outcome?.answer;
    if (!answer) return { body };
    if (outcome.action === 'modify') {
      const next = { ...body };
      if (Array.isArray(answer['MsgBody'])) next['MsgBody'] = answer['MsgBody'];
      if (typeof answer['CloudCustomData'] === 'string') next['CloudCustomData'] = answer['CloudCustomData'];
      return { body: next };
    }
    const refused = answer['RefusedMembers_Account'];
    if (command === 'add_group_member' && Array.isArray(refused) && refused.length) {
      const out = new Set(refused);
      const kept = (Array.isArray(body['MemberList']) ? body['MemberList'] : []).filter((m) => !out.has((m as Json | null)?.['Member_Account']));
      if (!kept.length) throw new MeridianError(ErrorCode.GROUP_CALLBACK_REJECTED, 'the app backend refused every invitee');
      return { body: { ...body, MemberList: kept } };
    }
    return { body };
  }
}
