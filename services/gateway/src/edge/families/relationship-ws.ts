import { ErrorCode, MeridianError } from '@meridian/contracts';
import type { GrpcClients } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { legacyWsRows } from '../legacy-body';

function accounts(body: Record<string, unknown>): string[] {
  const v = body['userIds'];
  if (!Array.isArray(v) || v.length < 1 || v.length > 1000 || !v.every((u) => typeof u === 'string')) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'userIds must be 1-1000 account ids');
  return v as string[];
}

const str = (body: Record<string, unknown>, k: string, fallback?: string): string => {
  const v = body[k] ?? fallback;
  if (typeof v !== 'string') throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `${k} must be a string`);
  return v;
};
const strings = (body: Record<string, unknown>, k: string): string[] => {
  const v = body[k] ?? [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `${k} must be an array of strings`);
  return v as string[];
};

const items = (results: relationshipV1.AccountResultItem[]) => results.map((r) => ({ userId: r.toAccount, code: r.resultCode, info: r.resultInfo }));

const rel = (clients: GrpcClients, region: string) => clients.service<relationshipV1.RelationshipServiceClient>('relationship', region);
const me = (session: { sdkAppId: number; userId: string }) => ({ sdkAppId: session.sdkAppId, fromAccount: session.userId });

/**
 * The user's own relationship chain from clients (docs/protocol.md): `friend.*` (add, respond,
 * requests, delete, list, check, update, groups) and `blacklist.*` (add, delete, get).
 */
export const RELATIONSHIP_WS_COMMANDS = legacyWsRows('relationship', 'docs/protocol.md, relationship chain', [
  {
    cmd: 'friend.add',
    handle: async ({ session, clients, origin }, body) => {
      const list = body['items'];
      if (!Array.isArray(list) || list.length < 1 || list.length > 100) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'items must hold 1-100 friends to add');
      const res = await rel(clients, session.homeRegion).addFriends({
        origin,
        ...me(session),
        items: list.map((raw) => {
          const i = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
          return {
            toAccount: str(i, 'userId'),
            remark: str(i, 'remark', ''),
            groupNames: strings(i, 'groupNames'),
            addSource: str(i, 'addSource', ''),
            addWording: str(i, 'addWording', ''),
            addTime: '0',
          };
        }),
        addType: str(body, 'addType', 'Add_Type_Both'),
        // Only an app admin over REST may skip verification.
        force: false,
      });
      return { results: items(res.results) };
    },
  },
  {
    cmd: 'friend.respond',
    handle: async ({ session, clients, origin }, body) => {
      await rel(clients, session.homeRegion).respondFriendRequest({
        origin,
        sdkAppId: session.sdkAppId,
        account: session.userId,
        requester: str(body, 'userId'),
        action: str(body, 'action'),
        remark: str(body, 'remark', ''),
      });
      return {};
    },
  },
  {
    cmd: 'friend.requests',
    handle: async ({ session, clients }) => {
      const res = await rel(clients, session.homeRegion).getFriendRequests({ sdkAppId: session.sdkAppId, account: session.userId });
      const map = (r: relationshipV1.FriendRequest) => ({ userId: r.fromAccount, addSource: r.addSource, addWording: r.addWording, addTime: Number(r.addTime), addType: r.addType });
      return { incoming: res.incoming.map(map), outgoing: res.outgoing.map(map) };
    },
  },
  {
    cmd: 'friend.delete',
    handle: async ({ session, clients, origin }, body) => ({
      results: items((await rel(clients, session.homeRegion).deleteFriends({ ...me(session), toAccounts: accounts(body), deleteType: str(body, 'deleteType', 'Delete_Type_Both'), origin })).results),
    }),
  },
  {
    cmd: 'friend.list',
    handle: async ({ session, clients }, body) => {
      const res = await rel(clients, session.homeRegion).getFriends({ ...me(session), startIndex: typeof body['startIndex'] === 'number' ? body['startIndex'] : 0, standardSequence: '0', limit: 100 });
      return {
        friends: res.friends.map((f) => ({ userId: f.toAccount, ...Object.fromEntries(f.items.map((i) => [i.tag, JSON.parse(i.valueJson) as unknown])) })),
        friendNum: res.friendNum,
        nextStartIndex: res.nextStartIndex,
        complete: res.complete,
        sequence: Number(res.standardSequence),
      };
    },
  },
  {
    cmd: 'friend.check',
    handle: async ({ session, clients }, body) => {
      const res = await rel(clients, session.homeRegion).checkFriends({ ...me(session), toAccounts: accounts(body), checkType: str(body, 'checkType', 'CheckResult_Type_Both') });
      return { results: res.relations.map((r) => ({ userId: r.toAccount, relation: r.relation, code: r.resultCode })) };
    },
  },
  {
    cmd: 'friend.update',
    handle: async ({ session, clients }, body) => {
      const sns: relationshipV1.SnsItem[] = [];
      if (body['remark'] !== undefined) sns.push({ tag: 'Tag_SNS_IM_Remark', valueJson: JSON.stringify(body['remark']) });
      if (body['groupNames'] !== undefined) sns.push({ tag: 'Tag_SNS_IM_Group', valueJson: JSON.stringify(body['groupNames']) });
      const res = await rel(clients, session.homeRegion).updateFriends({ ...me(session), updates: [{ toAccount: str(body, 'userId'), items: sns }] });
      const r = res.results[0]!;
      if (r.resultCode) throw new MeridianError(r.resultCode, r.resultInfo);
      return {};
    },
  },
  {
    cmd: 'friend.group_create',
    handle: async ({ session, clients }, body) => {
      const res = await rel(clients, session.homeRegion).addFriendGroups({ ...me(session), groupNames: strings(body, 'names'), toAccounts: strings(body, 'userIds') });
      return { results: items(res.results), sequence: Number(res.sequence) };
    },
  },
  {
    cmd: 'friend.group_delete',
    handle: async ({ session, clients }, body) => ({
      sequence: Number((await rel(clients, session.homeRegion).deleteFriendGroups({ ...me(session), groupNames: strings(body, 'names') })).sequence),
    }),
  },
  {
    cmd: 'friend.group_rename',
    handle: async ({ session, clients }, body) => ({
      sequence: Number((await rel(clients, session.homeRegion).renameFriendGroup({ ...me(session), oldName: str(body, 'oldName'), newName: str(body, 'newName') })).sequence),
    }),
  },
  {
    cmd: 'friend.groups',
    handle: async ({ session, clients }) => {
      const res = await rel(clients, session.homeRegion).getFriendGroups({ ...me(session), needFriends: true, groupNames: [] });
      return { groups: res.groups.map((g) => ({ name: g.name, userIds: g.toAccounts })), sequence: Number(res.sequence) };
    },
  },
  {
    cmd: 'blacklist.add',
    handle: async ({ session, clients, origin }, body) => ({
      results: items((await rel(clients, session.homeRegion).addBlacklist({ sdkAppId: session.sdkAppId, fromAccount: session.userId, toAccounts: accounts(body), origin })).results),
    }),
  },
  {
    cmd: 'blacklist.delete',
    handle: async ({ session, clients, origin }, body) => ({
      results: items((await rel(clients, session.homeRegion).deleteBlacklist({ sdkAppId: session.sdkAppId, fromAccount: session.userId, toAccounts: accounts(body), origin })).results),
    }),
  },
  {
    cmd: 'blacklist.get',
    handle: async ({ session, clients }, body) => {
      const n = (k: string) => (typeof body[k] === 'number' ? (body[k] as number) : 0);
      const res = await rel(clients, session.homeRegion).getBlacklist({ sdkAppId: session.sdkAppId, fromAccount: session.userId, startIndex: n('startIndex'), maxLimited: n('limit') || 100 });
      return { items: res.entries.map((e) => ({ userId: e.toAccount, addedAt: Number(e.addedAt) })), nextStartIndex: res.nextStartIndex, sequence: Number(res.sequence) };
    },
  },
]);
