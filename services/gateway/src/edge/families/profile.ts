import { portraitGetSchema, portraitSetSchema, registerTokenSchema, wsProfileGetSchema, wsProfileSetSchema, type JsonObject } from '@meridian/contracts';
import type { pushV1, relationshipV1 } from '@meridian/proto';
import { callRow, originOf, rpc, type EdgeRow } from '../edge-command';

const relationship = rpc<relationshipV1.RelationshipServiceClient>('relationship');
const push = rpc<pushV1.PushServiceClient>('push');

/** The UserProfileItem / Fail_Account part of a portrait_get answer (REST and WebSocket alike). */
function profilesResponse(res: relationshipV1.GetProfilesResponse): JsonObject {
  return {
    UserProfileItem: res.profiles.map((p) => ({
      To_Account: p.userId,
      ProfileItem: p.items.map((i) => ({ Tag: i.tag, Value: JSON.parse(i.valueJson) as unknown })),
      ResultCode: p.resultCode,
      ResultInfo: p.resultInfo,
    })),
    ...(res.failAccounts.length ? { Fail_Account: res.failAccounts } : {}),
  };
}

const items = (list: { Tag: string; Value: unknown }[]) => list.map((i) => ({ tag: i.Tag, valueJson: JSON.stringify(i.Value) }));

/**
 * Profiles: v4/profile/portrait_get and portrait_set (an app admin reads and writes every field);
 * for clients `profile.get` (anyone's fields that users may read) and `profile.set` (the caller's
 * own profile, custom fields only when users may write them); and a device's offline-push token.
 */
export const PROFILE_COMMANDS: EdgeRow[] = [
  callRow({
    rest: 'profile/portrait_get',
    schema: portraitGetSchema,
    doc: '`To_Account` ≤ 100 (70206 past it), `TagList` (standard `Tag_Profile_IM_*` and declared `Tag_Profile_Custom_*`) → `UserProfileItem:[{To_Account, ProfileItem:[{Tag, Value}], ResultCode, ResultInfo}]`, `Fail_Account` (unknown accounts, ResultCode 40003); unset standard fields answer their defaults, unset custom fields are left out; 40009 unknown tag',
    call: relationship('getProfiles'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.To_Account, tags: i.TagList, requester: '' }),
    answer: profilesResponse,
  }),
  callRow({
    rest: 'profile/portrait_set',
    schema: portraitSetSchema,
    doc: "`From_Account`, `ProfileItem:[{Tag, Value}]` (strings as JSON strings, uint32/integer fields as numbers): all items are checked before any is stored; 40003 unknown account, 40009 unknown tag, 40601 over 500 bytes (or a custom field's length), 40605 bad standard value (enumeration, uint32 range, Location > 16 B), 40610 wrong type; the user's devices get a `profile_changed` push",
    call: relationship('setProfile'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userId: i.From_Account, items: items(i.ProfileItem), byAdmin: true, fromLoginId: '', origin: originOf(c) }),
  }),
  callRow({
    ws: 'profile.get',
    schema: wsProfileGetSchema,
    doc: '`userIds` ≤ 100, `tags` → as portrait_get (fields users may read)',
    call: relationship('getProfiles'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.userIds, tags: i.tags, requester: c.operator }),
    answer: profilesResponse,
  }),
  callRow({
    ws: 'profile.set',
    schema: wsProfileSetSchema,
    doc: "`items:[{Tag, Value}]`: the caller's own profile",
    call: relationship('setProfile'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userId: c.operator, items: items(i.items), byAdmin: false, fromLoginId: c.loginId, origin: originOf(c) }),
  }),
  callRow({
    ws: 'push.register_token',
    schema: registerTokenSchema,
    doc: '`provider` (`apns` | `fcm` | `webhook`), `token`: this device (its user and platform) for offline push; an empty token unregisters it',
    call: push('registerDeviceToken'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userId: c.operator, platform: c.platform, provider: i.provider, token: i.token }),
  }),
];
