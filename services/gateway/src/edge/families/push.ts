import { emptyBodySchema, imPushSchema, pushAccountsSchema, removeUserAttrsSchema, setAttrNamesSchema, setUserAttrsSchema, userTagsSchema } from '@meridian/contracts';
import type { pushV1 } from '@meridian/proto';
import { callRow, rpc, type EdgeRow } from '../edge-command';

const push = rpc<pushV1.PushServiceClient>('push');
/** Tencent's limit for the attribute and tag commands. */
const AUDIENCE_RATE = 100;
/** Clients send the lists under the names of their items' fields. */
const USER_ATTRS = { Attrs: 'UserAttrs' } as const;
const USER_TAGS = { Tags: 'UserTags' } as const;

/**
 * Push to all users and to audiences: v4/all_member_push/im_push and the attribute and tag
 * commands, 100/s each as Tencent.
 */
export const PUSH_COMMANDS: EdgeRow[] = [
  callRow({
    rest: 'all_member_push/im_push',
    schema: imPushSchema,
    doc: '`From_Account?`, `MsgRandom`, `MsgLifeTime?`, `MsgBody`, `OfflinePushInfo?`, `Condition?` with `AttrsAnd`/`AttrsOr`/`TagsAnd`/`TagsOr` (null lists are absent) → `TaskId`; at least 1 s apart, 90024; 100 per day, 90047',
    call: push('startBroadcast'),
    request: (c, i) => ({
      sdkAppId: c.sdkAppId,
      fromAccount: i.From_Account ?? c.operator,
      msgRandom: i.MsgRandom,
      msgLifeTime: i.MsgLifeTime ?? 0,
      condition: i.Condition && { attrsAnd: i.Condition.AttrsAnd ?? {}, attrsOr: i.Condition.AttrsOr ?? {}, tagsAnd: i.Condition.TagsAnd ?? [], tagsOr: i.Condition.TagsOr ?? [] },
      msgBody: Buffer.from(JSON.stringify(i.MsgBody)),
      offlinePushInfo: Buffer.from(i.OfflinePushInfo ? JSON.stringify(i.OfflinePushInfo) : ''),
    }),
    answer: (res) => ({ TaskId: res.taskId }),
  }),
  callRow({
    rest: 'all_member_push/im_set_attr_name',
    rate: AUDIENCE_RATE,
    schema: setAttrNamesSchema,
    doc: '`AttrNames: {"0".."9": name}` (90033 otherwise); 100/s',
    call: push('setAttrNames'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, names: i.AttrNames! }),
  }),
  callRow({
    rest: 'all_member_push/im_get_attr_name',
    rate: AUDIENCE_RATE,
    schema: emptyBodySchema,
    doc: '→ `AttrNames`; 100/s',
    call: push('getAttrNames'),
    request: (c) => ({ sdkAppId: c.sdkAppId }),
    answer: (res) => ({ AttrNames: res.names }),
  }),
  callRow({
    rest: 'all_member_push/im_set_attr',
    rate: AUDIENCE_RATE,
    schema: setUserAttrsSchema,
    aliases: USER_ATTRS,
    doc: '`UserAttrs:[{To_Account, Attrs}]` ≤ 100 (also read as `Attrs`; 90018 past it; undefined attribute 90033); 100/s',
    call: push('setUserAttrs'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, users: i.UserAttrs.map((u) => ({ userId: u.To_Account, attrs: u.Attrs! })) }),
  }),
  callRow({
    rest: 'all_member_push/im_get_attr',
    rate: AUDIENCE_RATE,
    schema: pushAccountsSchema,
    doc: '`To_Account` ≤ 100 → `UserAttrs:[{To_Account, Attrs}]`; 100/s',
    call: push('getUserAttrs'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.To_Account }),
    answer: (res) => ({ UserAttrs: res.users.map((u) => ({ To_Account: u.userId, Attrs: u.attrs })) }),
  }),
  callRow({
    rest: 'all_member_push/im_remove_attr',
    rate: AUDIENCE_RATE,
    schema: removeUserAttrsSchema,
    aliases: USER_ATTRS,
    doc: '`UserAttrs:[{To_Account, Attrs: [name]}]` ≤ 100 (also read as `Attrs`); 100/s',
    call: push('removeUserAttrs'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, users: i.UserAttrs.map((u) => ({ userId: u.To_Account, names: u.Attrs! })) }),
  }),
  callRow({
    rest: 'all_member_push/im_add_tag',
    rate: AUDIENCE_RATE,
    schema: userTagsSchema,
    aliases: USER_TAGS,
    doc: '`UserTags:[{To_Account, Tags}]` ≤ 100 (also read as `Tags`); 100/s',
    call: push('addUserTags'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, users: i.UserTags.map((u) => ({ userId: u.To_Account, tags: u.Tags! })) }),
  }),
  callRow({
    rest: 'all_member_push/im_get_tag',
    rate: AUDIENCE_RATE,
    schema: pushAccountsSchema,
    doc: '`To_Account` ≤ 100 → `UserTags:[{To_Account, Tags}]`; 100/s',
    call: push('getUserTags'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.To_Account }),
    answer: (res) => ({ UserTags: res.users.map((u) => ({ To_Account: u.userId, Tags: u.tags })) }),
  }),
  callRow({
    rest: 'all_member_push/im_remove_tag',
    rate: AUDIENCE_RATE,
    schema: userTagsSchema,
    aliases: USER_TAGS,
    doc: '`UserTags:[{To_Account, Tags}]` ≤ 100 (also read as `Tags`); 100/s',
    call: push('removeUserTags'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, users: i.UserTags.map((u) => ({ userId: u.To_Account, tags: u.Tags! })) }),
  }),
  callRow({
    rest: 'all_member_push/im_remove_all_tags',
    rate: AUDIENCE_RATE,
    schema: pushAccountsSchema,
    doc: '`To_Account` ≤ 100; 100/s',
    call: push('removeAllUserTags'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.To_Account }),
  }),
];
