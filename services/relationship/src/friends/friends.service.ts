import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId } from '@meridian/contracts';
import { BeforeCallbacks, EventBus, GrpcClients, existingAccounts, type BeforeOutcome } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';
import { BlacklistRepository } from '../blacklist/blacklist.repository';
import { ProfilesService } from '../profiles/profiles.service';
import type { FriendDoc } from './friend.schema';
import { FriendsRepository } from './friends.repository';

type Origin = originEventsV1.Origin;
/** Who caused a friendship change, for the after-callbacks (Admin_Account, ForceFlag, OptPlatform). */
interface Why {
  origin?: Origin;
  forced?: boolean;
}

/** Tencent's limits (reference §6 and §10). */
export const FRIENDS_MAX = 3000;
export const FRIEND_LISTS_MAX = 32;
export const PENDING_MAX = 100;
export const FRIEND_BATCH_MAX = 1000;
const REMARK_MAX = 96;
const LIST_NAME_MAX = 30;
const WORDING_MAX = 256;
const PAGE = 100;

export const Code = {
  PARAM: ErrorCode.SNS_INVALID_PARAMETER,
  NOT_FOUND: ErrorCode.SNS_ACCOUNT_NOT_FOUND,
  FORBIDDEN: 30009,
  FRIEND_LIMIT: 30010,
  LIST_LIMIT: 30011,
  PENDING_LIMIT: 30012,
  PEER_FRIEND_LIMIT: 30014,
  IN_OWN_BLACKLIST: 30515,
  DENY_ANY: 30516,
  IN_PEER_BLACKLIST: 30525,
  PENDING: 30539,
  NO_REQUEST: 30614,
  NOT_FRIENDS: 31704,
} as const;

export interface AddItem {
  to: string;
  remark: string;
  groups: string[];
  addSource: string;
  addWording: string;
  addTime?: number;
}

export interface ItemResult {
  toAccount: string;
  resultCode: number;
  resultInfo: string;
}

const ok = (toAccount: string): ItemResult => ({ toAccount, resultCode: 0, resultInfo: '' });
const bad = (toAccount: string, resultCode: number, resultInfo: string): ItemResult => ({ toAccount, resultCode, resultInfo });

export const SNS_TAGS = ['Tag_SNS_IM_Group', 'Tag_SNS_IM_Remark', 'Tag_SNS_IM_AddSource', 'Tag_SNS_IM_AddWording', 'Tag_SNS_IM_AddTime'] as const;

/** Friend fields as Tencent's Tag/Value items. */
export function snsItems(f: FriendDoc, tags: readonly string[] = SNS_TAGS): { tag: string; valueJson: string }[] {
  const values: Record<string, unknown> = {
    Tag_SNS_IM_Group: f.groups ?? [],
    Tag_SNS_IM_Remark: f.remark ?? '',
    Tag_SNS_IM_AddSource: f.addSource ?? '',
    Tag_SNS_IM_AddWording: f.addWording ?? '',
    Tag_SNS_IM_AddTime: f.addTime ?? 0,
  };
  return tags.filter((t) => Object.hasOwn(values, t)).map((tag) => ({ tag, valueJson: JSON.stringify(values[tag]) }));
}

/**
 * Friends with Tencent's verification: the target's AllowType decides between an immediate
 * friendship, a pending request (30539) the target answers, and a refusal (30516). Either side's
 * blacklist refuses (30515 / 30525). Every change is an event (callbacks) and a delivery to the
 * users involved.
 */
@Injectable()
export class FriendsService {
  constructor(
    @Inject(FriendsRepository) private readonly repo: FriendsRepository,
    @Inject(BlacklistRepository) private readonly blacklist: BlacklistRepository,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(ProfilesService) private readonly profiles: ProfilesService,
    @Inject(BeforeCallbacks) private readonly callbacks: BeforeCallbacks,
  ) {}

  async add(sdkAppId: number, from: string, items: AddItem[], addType: string, force: boolean, origin?: Origin): Promise<ItemResult[]> {
    if (addType !== 'Add_Type_Both' && addType !== 'Add_Type_Single') throw new MeridianError(Code.PARAM, 'AddType is Add_Type_Both or Add_Type_Single');
    const prepared = await this.prepareItems(sdkAppId, from, items, true);
    const { results } = prepared;
    // Third-party callbacks: Sns.CallbackPrevFriendAdd may refuse items (ResultItem, 38000-39000).
    const valid = await this.prevFriendAddCallback(sdkAppId, from, prepared.valid, addType, force, results, origin);
    const facts = await this.repo.profileFacts(sdkAppId, from);
    if (facts.adminForbidType === 'AdminForbid_Type_SendOut' && !force) {
      for (const i of valid) results.set(i.to, bad(i.to, Code.FORBIDDEN, 'Err_SNS_FriendAdd_Forbidden_SendOut'));
      return items.map((i) => results.get(i.to) ?? ok(i.to));
    }
    let own = (await this.repo.list(sdkAppId, from, FRIENDS_MAX + 1)).length;
    const both = addType === 'Add_Type_Both';
    for (const item of valid) {
      const to = item.to;
      const r = await this.addOne(sdkAppId, from, item, both, force, own, origin);
      if (r.resultCode === 0) own++;
      results.set(to, r);
    }
    return items.map((i) => results.get(i.to) ?? ok(i.to));
  }

  private async addOne(sdkAppId: number, from: string, item: AddItem, both: boolean, force: boolean, own: number, origin?: Origin): Promise<ItemResult> {
    const to = item.to;
    if (to === from) return bad(to, Code.PARAM, 'Err_SNS_FriendAdd_Self');
    if (await this.repo.find(sdkAppId, from, to)) return bad(to, Code.PARAM, 'Err_SNS_FriendAdd_Friend_Exist');
    if (await this.blacklist.has(sdkAppId, from, to)) return bad(to, Code.IN_OWN_BLACKLIST, 'Err_SNS_FriendAdd_Peer_In_Your_Blacklist');
    if (await this.blacklist.has(sdkAppId, to, from)) return bad(to, Code.IN_PEER_BLACKLIST, 'Err_SNS_FriendAdd_You_In_Peer_Blacklist');
    if (own >= FRIENDS_MAX) return bad(to, Code.FRIEND_LIMIT, 'Err_SNS_FriendAdd_Friend_Limit');
    if (both && (await this.repo.list(sdkAppId, to, FRIENDS_MAX + 1)).length >= FRIENDS_MAX) return bad(to, Code.PEER_FRIEND_LIMIT, 'Err_SNS_FriendAdd_Peer_Friend_Limit');
    const allow = force ? 'AllowType_Type_AllowAny' : (await this.repo.profileFacts(sdkAppId, to)).allowType;
    if (allow === 'AllowType_Type_DenyAny') return bad(to, Code.DENY_ANY, 'Err_SNS_FriendAdd_Peer_Deny_Any');
    const now = Math.floor(Date.now() / 1000);
    if (allow === 'AllowType_Type_NeedConfirm') {
      // A request the target had already sent us is answered by ours: both become friends.
      const theirs = await this.repo.findRequest(sdkAppId, to, from);
      if (!theirs) {
        if ((await this.repo.incoming(sdkAppId, to, PENDING_MAX + 1)).length >= PENDING_MAX) return bad(to, Code.PENDING_LIMIT, 'Err_SNS_FriendAdd_Pendency_Limit');
        await this.repo.addRequest({ sdkAppId, from, to, addSource: item.addSource, addWording: item.addWording, remark: item.remark, groups: item.groups, addType: both ? 'Add_Type_Both' : 'Add_Type_Single', addTime: now });
        await this.deliver(sdkAppId, [to], 'friend_request', { From_Account: from, To_Account: to, AddSource: item.addSource, AddWording: item.addWording, AddTime: now });
        return bad(to, Code.PENDING, 'Err_SNS_FriendAdd_Need_Confirm');
      }
      await this.repo.removeRequest(sdkAppId, to, from);
      await this.befriend(sdkAppId, from, to, item, { remark: theirs.remark, groups: theirs.groups, addSource: theirs.addSource, addWording: theirs.addWording }, true, 'Response', { origin, forced: force });
      return ok(to);
    }
    await this.befriend(sdkAppId, from, to, item, { remark: '', groups: [], addSource: item.addSource, addWording: '' }, both, 'Add', { origin, forced: force });
    return ok(to);
  }

  /** One-way import, no verification (friend_import). */
  async import(sdkAppId: number, from: string, items: AddItem[]): Promise<ItemResult[]> {
    const { valid, results } = await this.prepareItems(sdkAppId, from, items, true);
    const added: string[] = [];
    let own = (await this.repo.list(sdkAppId, from, FRIENDS_MAX + 1)).length;
    for (const item of valid) {
      if (item.to === from) results.set(item.to, bad(item.to, Code.PARAM, 'Err_SNS_FriendImport_Self'));
      else if (own >= FRIENDS_MAX) results.set(item.to, bad(item.to, Code.FRIEND_LIMIT, 'Err_SNS_FriendImport_Friend_Limit'));
      else if (await this.repo.add({ sdkAppId, owner: from, friend: item.to, remark: item.remark, groups: item.groups, addSource: item.addSource, addWording: item.addWording, addTime: item.addTime || Math.floor(Date.now() / 1000) })) {
        added.push(item.to);
        own++;
      } else results.set(item.to, bad(item.to, Code.PARAM, 'Err_SNS_FriendImport_Friend_Exist'));
    }
    if (added.length) {
      await this.addGroupNames(sdkAppId, from, valid.filter((i) => added.includes(i.to)).flatMap((i) => i.groups));
      await this.repo.bump(sdkAppId, from);
      await this.event(sdkAppId, from, added.map((to) => ({ fromAccount: from, toAccount: to })), true, 'Import');
    }
    return items.map((i) => results.get(i.to) ?? ok(i.to));
  }

  /** The target answers a pending request (Response_Action_Agree / AgreeAndAdd / Reject). */
  async respond(sdkAppId: number, account: string, requester: string, action: string, remark: string, origin?: Origin): Promise<void> {
    requireAccount(account, 'account');
    requireAccount(requester, 'requester');
    if (!['Response_Action_Agree', 'Response_Action_AgreeAndAdd', 'Response_Action_Reject'].includes(action)) throw new MeridianError(Code.PARAM, 'unknown ResponseAction');
    if (Buffer.byteLength(remark) > REMARK_MAX) throw new MeridianError(Code.PARAM, `Remark is at most ${REMARK_MAX} bytes`);
    const request = await this.repo.findRequest(sdkAppId, requester, account);
    if (!request) throw new MeridianError(Code.NO_REQUEST, 'no such pending friend request');
    // Third-party callbacks: Sns.CallbackPrevFriendResponse may refuse the answer (38000-39000).
    await this.prevFriendResponseCallback(sdkAppId, account, requester, action, remark, origin);
    await this.repo.removeRequest(sdkAppId, requester, account);
    if (action === 'Response_Action_Reject') {
      await this.deliver(sdkAppId, [requester], 'friend_request_rejected', { From_Account: account, To_Account: requester });
      return;
    }
    // Agree: the requester gets the friend; AgreeAndAdd: both ways.
    await this.befriend(
      sdkAppId,
      requester,
      account,
      { to: account, remark: request.remark, groups: request.groups, addSource: request.addSource, addWording: request.addWording },
      { remark, groups: [], addSource: request.addSource, addWording: '' },
      action === 'Response_Action_AgreeAndAdd',
      'Response',
      { origin },
    );
  }

  async requests(sdkAppId: number, account: string) {
    requireAccount(account, 'account');
    const [incoming, outgoing] = await Promise.all([this.repo.incoming(sdkAppId, account, PENDING_MAX), this.repo.outgoing(sdkAppId, account, PENDING_MAX)]);
    return { incoming, outgoing };
  }

  async update(sdkAppId: number, from: string, updates: { to: string; items: { tag: string; value: unknown }[] }[]): Promise<ItemResult[]> {
    requireAccount(from, 'From_Account');
    if (!updates.length || updates.length > FRIEND_BATCH_MAX) throw new MeridianError(Code.PARAM, `UpdateItem must hold 1-${FRIEND_BATCH_MAX} items`);
    const out: ItemResult[] = [];
    const names: string[] = [];
    for (const u of updates) {
      const set: Partial<FriendDoc> = {};
      let error: string | undefined;
      for (const { tag, value } of u.items) {
        if (tag === 'Tag_SNS_IM_Remark') {
          if (typeof value !== 'string' || Buffer.byteLength(value) > REMARK_MAX) error = `Tag_SNS_IM_Remark is a string of at most ${REMARK_MAX} bytes`;
          else set.remark = value;
        } else if (tag === 'Tag_SNS_IM_Group') {
          const groups = Array.isArray(value) && value.every((g) => typeof g === 'string' && g.length > 0 && Buffer.byteLength(g) <= LIST_NAME_MAX) ? (value as string[]) : undefined;
          if (!groups) error = `Tag_SNS_IM_Group is an array of names of 1-${LIST_NAME_MAX} bytes`;
          else set.groups = [...new Set(groups)];
        } else error = `${tag} cannot be updated`;
      }
      if (!isValidUserId(u.to)) out.push(bad(u.to, Code.PARAM, 'invalid account'));
      else if (error || !u.items.length) out.push(bad(u.to, Code.PARAM, error ?? 'SnsItem is empty'));
      else if (await this.repo.update(sdkAppId, from, u.to, { $set: set })) {
        out.push(ok(u.to));
        names.push(...(set.groups ?? []));
      } else out.push(bad(u.to, Code.NOT_FRIENDS, 'Err_SNS_FriendUpdate_Not_Friend'));
    }
    if (names.length) await this.addGroupNames(sdkAppId, from, names);
    if (out.some((r) => r.resultCode === 0)) await this.repo.bump(sdkAppId, from);
    return out;
  }

  async delete(sdkAppId: number, from: string, targets: string[], deleteType: string, origin?: Origin): Promise<ItemResult[]> {
    requireAccount(from, 'From_Account');
    const both = parseDeleteType(deleteType);
    if (!targets.length || targets.length > FRIEND_BATCH_MAX) throw new MeridianError(Code.PARAM, `To_Account must hold 1-${FRIEND_BATCH_MAX} accounts`);
    const out: ItemResult[] = [];
    const pairs: { fromAccount: string; toAccount: string }[] = [];
    for (const to of targets) {
      if (!isValidUserId(to)) {
        out.push(bad(to, Code.PARAM, 'invalid account'));
        continue;
      }
      const removed = await this.repo.remove(sdkAppId, from, to);
      if (removed) pairs.push({ fromAccount: from, toAccount: to });
      if (both && (await this.repo.remove(sdkAppId, to, from))) pairs.push({ fromAccount: to, toAccount: from });
      out.push(removed ? ok(to) : bad(to, Code.NOT_FRIENDS, 'Err_SNS_FriendDelete_Not_Friend'));
    }
    await this.removed(sdkAppId, pairs, origin);
    return out;
  }

  async deleteAll(sdkAppId: number, from: string, deleteType: string, origin?: Origin): Promise<void> {
    requireAccount(from, 'From_Account');
    const both = parseDeleteType(deleteType);
    const all = await this.repo.list(sdkAppId, from, FRIENDS_MAX + 1);
    const pairs: { fromAccount: string; toAccount: string }[] = [];
    for (const f of all) {
      if (await this.repo.remove(sdkAppId, from, f.friend)) pairs.push({ fromAccount: from, toAccount: f.friend });
      if (both && (await this.repo.remove(sdkAppId, f.friend, from))) pairs.push({ fromAccount: f.friend, toAccount: from });
    }
    await this.removed(sdkAppId, pairs, origin);
  }

  async check(sdkAppId: number, from: string, targets: string[], checkType: string) {
    requireAccount(from, 'From_Account');
    if (checkType !== 'CheckResult_Type_Single' && checkType !== 'CheckResult_Type_Both') throw new MeridianError(Code.PARAM, 'CheckType is CheckResult_Type_Single or CheckResult_Type_Both');
    if (!targets.length || targets.length > FRIEND_BATCH_MAX) throw new MeridianError(Code.PARAM, `To_Account must hold 1-${FRIEND_BATCH_MAX} accounts`);
    const both = checkType === 'CheckResult_Type_Both';
    return Promise.all(
      targets.map(async (to) => {
        if (!isValidUserId(to)) return { toAccount: to, relation: 'CheckResult_Type_NoRelation', resultCode: Code.PARAM, resultInfo: 'invalid account' };
        const [a, b] = await Promise.all([this.repo.find(sdkAppId, from, to), both ? this.repo.find(sdkAppId, to, from) : Promise.resolve(null)]);
        const relation = a && b ? 'CheckResult_Type_BothWay' : a ? 'CheckResult_Type_AWithB' : b ? 'CheckResult_Type_BWithA' : 'CheckResult_Type_NoRelation';
        return { toAccount: to, relation, resultCode: 0, resultInfo: '' };
      }),
    );
  }

  /** A page of the friend list (friend_get); fields omitted when the caller's sequence is current. */
  async page(sdkAppId: number, from: string, startIndex: number, knownSeq: number, limit: number) {
    requireAccount(from, 'From_Account');
    const [all, meta] = await Promise.all([this.repo.list(sdkAppId, from, FRIENDS_MAX), this.repo.meta_(sdkAppId, from)]);
    const size = Math.min(Math.max(limit || PAGE, 1), PAGE);
    const slice = all.slice(startIndex, startIndex + size);
    const current = knownSeq > 0 && knownSeq === meta.seq;
    const next = startIndex + slice.length;
    return {
      friends: slice.map((f) => ({ toAccount: f.friend, items: current ? [] : snsItems(f), resultCode: 0, resultInfo: '' })),
      standardSequence: meta.seq,
      friendNum: all.length,
      complete: next >= all.length,
      nextStartIndex: next >= all.length ? 0 : next,
    };
  }

  async byIds(sdkAppId: number, from: string, targets: string[], tags: string[]) {
    requireAccount(from, 'From_Account');
    if (!targets.length || targets.length > 100) throw new MeridianError(Code.PARAM, 'To_Account must hold 1-100 accounts');
    const wanted = tags.length ? tags : [...SNS_TAGS];
    const profileTags = wanted.filter((t) => t.startsWith('Tag_Profile_'));
    const unknown = wanted.find((t) => !t.startsWith('Tag_Profile_') && !(SNS_TAGS as readonly string[]).includes(t));
    if (unknown !== undefined) throw new MeridianError(Code.PARAM, `unknown tag ${unknown}`);
    const found = await Promise.all(targets.map(async (to) => ({ to, f: isValidUserId(to) ? await this.repo.find(sdkAppId, from, to) : null })));
    const friendIds = found.filter((x) => x.f).map((x) => x.to);
    // Profile tags are answered by the profile module, with a user's read permissions.
    const profiles = new Map<string, { tag: string; valueJson: string }[]>();
    if (profileTags.length && friendIds.length) {
      for (let i = 0; i < friendIds.length; i += 100) {
        const page = await this.profiles.get(sdkAppId, friendIds.slice(i, i + 100), profileTags, from);
        for (const p of page.profiles) profiles.set(p.userId, p.items.map((it) => ({ tag: it.tag, valueJson: JSON.stringify(it.value) })));
      }
    }
    return found.map(({ to, f }) =>
      f
        ? { toAccount: to, items: [...(profiles.get(to) ?? []), ...snsItems(f, wanted)], resultCode: 0, resultInfo: '' }
        : { toAccount: to, items: [], resultCode: Code.NOT_FRIENDS, resultInfo: 'Err_SNS_FriendGetList_Not_Friend' },
    );
  }

  /** Creates friend lists, optionally putting friends into them (group_add). */
  async addGroups(sdkAppId: number, from: string, names: string[], friends: string[]): Promise<{ results: ItemResult[]; sequence: number }> {
    requireAccount(from, 'From_Account');
    validateListNames(names);
    const meta = await this.repo.meta_(sdkAppId, from);
    const fresh = names.filter((n) => !meta.groups.includes(n));
    if (meta.groups.length + fresh.length > FRIEND_LISTS_MAX) throw new MeridianError(Code.LIST_LIMIT, `at most ${FRIEND_LISTS_MAX} friend lists`);
    await this.repo.updateMeta(sdkAppId, from, { $addToSet: { groups: { $each: names } }, $max: { groupSeq: Date.now() } });
    const results: ItemResult[] = [];
    for (const to of friends) {
      const done = isValidUserId(to) && (await this.repo.update(sdkAppId, from, to, { $addToSet: { groups: { $each: names } } }));
      results.push(done ? ok(to) : bad(to, Code.NOT_FRIENDS, 'Err_SNS_GroupAdd_Not_Friend'));
    }
    if (friends.length) await this.repo.bump(sdkAppId, from);
    return { results, sequence: (await this.repo.meta_(sdkAppId, from)).groupSeq };
  }

  async deleteGroups(sdkAppId: number, from: string, names: string[]): Promise<number> {
    requireAccount(from, 'From_Account');
    validateListNames(names);
    const meta = await this.repo.meta_(sdkAppId, from);
    const missing = names.find((n) => !meta.groups.includes(n));
    if (missing !== undefined) throw new MeridianError(Code.PARAM, `no friend list named ${missing}`);
    await this.repo.updateMeta(sdkAppId, from, { $pullAll: { groups: names }, $max: { groupSeq: Date.now() } });
    for (const f of await this.repo.list(sdkAppId, from, FRIENDS_MAX)) {
      if (f.groups?.some((g) => names.includes(g))) await this.repo.update(sdkAppId, from, f.friend, { $pullAll: { groups: names } });
    }
    await this.repo.bump(sdkAppId, from);
    return (await this.repo.meta_(sdkAppId, from)).groupSeq;
  }

  async renameGroup(sdkAppId: number, from: string, oldName: string, newName: string): Promise<number> {
    requireAccount(from, 'From_Account');
    validateListNames([oldName, newName]);
    const meta = await this.repo.meta_(sdkAppId, from);
    if (!meta.groups.includes(oldName)) throw new MeridianError(Code.PARAM, `no friend list named ${oldName}`);
    if (meta.groups.includes(newName)) throw new MeridianError(Code.PARAM, `a friend list named ${newName} exists`);
    await this.repo.updateMeta(sdkAppId, from, { $set: { groups: meta.groups.map((g) => (g === oldName ? newName : g)) }, $max: { groupSeq: Date.now() } });
    for (const f of await this.repo.list(sdkAppId, from, FRIENDS_MAX)) {
      if (f.groups?.includes(oldName)) await this.repo.update(sdkAppId, from, f.friend, { $set: { groups: f.groups.map((g) => (g === oldName ? newName : g)) } });
    }
    await this.repo.bump(sdkAppId, from);
    return (await this.repo.meta_(sdkAppId, from)).groupSeq;
  }

  async getGroups(sdkAppId: number, from: string, needFriends: boolean, only: string[]) {
    requireAccount(from, 'From_Account');
    const [meta, all] = await Promise.all([this.repo.meta_(sdkAppId, from), this.repo.list(sdkAppId, from, FRIENDS_MAX)]);
    const names = only.length ? meta.groups.filter((g) => only.includes(g)) : meta.groups;
    return {
      groups: names.map((name) => {
        const members = all.filter((f) => f.groups?.includes(name)).map((f) => f.friend);
        return { name, friendNumber: members.length, toAccounts: needFriends ? members : [] };
      }),
      sequence: meta.groupSeq,
    };
  }

  /**
   * Account deletion (Tencent: the account's relationship chain goes with it): its friendships
   * both ways, its pending requests either way and its friend lists. Idempotent. Silent: no
   * callbacks or deliveries for what the app's own deletion caused; the friends' list versions
   * are raised so their next friend_get sees the change. A one-way entry another user keeps
   * (Add_Type_Single towards this account) is that user's data and stays.
   */
  async forget(sdkAppId: number, userId: string): Promise<void> {
    for (const f of await this.repo.list(sdkAppId, userId, FRIENDS_MAX + 1)) {
      await this.repo.remove(sdkAppId, userId, f.friend);
      if (await this.repo.remove(sdkAppId, f.friend, userId)) await this.repo.bump(sdkAppId, f.friend);
    }
    for (const r of await this.repo.incoming(sdkAppId, userId, PENDING_MAX + 1)) await this.repo.removeRequest(sdkAppId, r.from, userId);
    // Outgoing requests have no cap of their own (each target holds at most PENDING_MAX): page until none is left.
    for (let page = await this.repo.outgoing(sdkAppId, userId, PAGE); page.length; page = await this.repo.outgoing(sdkAppId, userId, PAGE)) {
      for (const r of page) await this.repo.removeRequest(sdkAppId, userId, r.to);
    }
    await this.repo.removeMeta(sdkAppId, userId);
  }

  /** Ends both directions of a friendship and any pending request between two users (blacklist add). */
  async sever(sdkAppId: number, a: string, b: string): Promise<void> {
    const pairs: { fromAccount: string; toAccount: string }[] = [];
    if (await this.repo.remove(sdkAppId, a, b)) pairs.push({ fromAccount: a, toAccount: b });
    if (await this.repo.remove(sdkAppId, b, a)) pairs.push({ fromAccount: b, toAccount: a });
    await this.repo.removeRequest(sdkAppId, a, b);
    await this.repo.removeRequest(sdkAppId, b, a);
    await this.removed(sdkAppId, pairs);
  }

  private async befriend(
    sdkAppId: number,
    from: string,
    to: string,
    mine: AddItem,
    theirs: { remark: string; groups: string[]; addSource: string; addWording: string },
    both: boolean,
    reason: string,
    why: Why = {},
  ): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const pairs: { fromAccount: string; toAccount: string }[] = [];
    if (await this.repo.add({ sdkAppId, owner: from, friend: to, remark: mine.remark, groups: mine.groups, addSource: mine.addSource, addWording: mine.addWording, addTime: now })) {
      pairs.push({ fromAccount: from, toAccount: to });
      await this.addGroupNames(sdkAppId, from, mine.groups);
    }
    if (both && (await this.repo.add({ sdkAppId, owner: to, friend: from, remark: theirs.remark, groups: theirs.groups, addSource: theirs.addSource, addWording: theirs.addWording, addTime: now }))) {
      pairs.push({ fromAccount: to, toAccount: from });
      await this.addGroupNames(sdkAppId, to, theirs.groups);
    }
    for (const p of pairs) await this.repo.bump(sdkAppId, p.fromAccount);
    if (!pairs.length) return;
    await this.event(sdkAppId, from, pairs, true, reason, why);
    await this.deliver(sdkAppId, [...new Set(pairs.flatMap((p) => [p.fromAccount, p.toAccount]))], 'friend_added', { Pairs: pairs.map((p) => ({ From_Account: p.fromAccount, To_Account: p.toAccount })) });
  }

  private async removed(sdkAppId: number, pairs: { fromAccount: string; toAccount: string }[], origin?: Origin): Promise<void> {
    if (!pairs.length) return;
    for (const owner of new Set(pairs.map((p) => p.fromAccount))) await this.repo.bump(sdkAppId, owner);
    await this.event(sdkAppId, pairs[0]!.fromAccount, pairs, false, 'Delete', { origin });
    await this.deliver(sdkAppId, [...new Set(pairs.flatMap((p) => [p.fromAccount, p.toAccount]))], 'friend_deleted', { Pairs: pairs.map((p) => ({ From_Account: p.fromAccount, To_Account: p.toAccount })) });
  }

  /** Friend lists named on a friend exist in the owner's lists too (up to the limit). */
  private async addGroupNames(sdkAppId: number, owner: string, names: string[]): Promise<void> {
    if (!names.length) return;
    const meta = await this.repo.meta_(sdkAppId, owner);
    const fresh = [...new Set(names)].filter((n) => !meta.groups.includes(n)).slice(0, Math.max(0, FRIEND_LISTS_MAX - meta.groups.length));
    if (fresh.length) await this.repo.updateMeta(sdkAppId, owner, { $addToSet: { groups: { $each: fresh } }, $max: { groupSeq: Date.now() } });
  }

  private async prepareItems(sdkAppId: number, from: string, items: AddItem[], requireTargetsExist: boolean): Promise<{ valid: AddItem[]; results: Map<string, ItemResult> }> {
    requireAccount(from, 'From_Account');
    if (!items.length || items.length > FRIEND_BATCH_MAX) throw new MeridianError(Code.PARAM, `AddFriendItem must hold 1-${FRIEND_BATCH_MAX} items`);
    const results = new Map<string, ItemResult>();
    const seen = new Set<string>();
    const shaped = items.filter((i) => {
      const problem = !isValidUserId(i.to)
        ? 'invalid To_Account'
        : seen.has(i.to)
          ? 'To_Account repeated'
          : Buffer.byteLength(i.remark) > REMARK_MAX
            ? `Remark is at most ${REMARK_MAX} bytes`
            : Buffer.byteLength(i.addWording) > WORDING_MAX
              ? `AddWording is at most ${WORDING_MAX} bytes`
              : i.addSource && !/^AddSource_Type_[A-Za-z]{1,8}$/.test(i.addSource)
                ? 'AddSource is AddSource_Type_<letters, at most 8>'
                : i.groups.some((g) => !g || Buffer.byteLength(g) > LIST_NAME_MAX)
                  ? `GroupName is 1-${LIST_NAME_MAX} bytes`
                  : undefined;
      seen.add(i.to);
      if (problem) results.set(i.to, bad(i.to, Code.PARAM, problem));
      return !problem;
    });
    const known = await this.existing(sdkAppId, [from, ...(requireTargetsExist ? shaped.map((i) => i.to) : [])]);
    if (!known.has(from)) throw new MeridianError(Code.NOT_FOUND, `From_Account ${from} does not exist`);
    const valid = shaped.filter((i) => {
      if (known.has(i.to)) return true;
      results.set(i.to, bad(i.to, Code.NOT_FOUND, 'Err_SNS_Account_Not_Exist'));
      return false;
    });
    return { valid, results };
  }

  private existing(sdkAppId: number, userIds: string[]): Promise<Set<string>> {
    return existingAccounts(this.clients, sdkAppId, userIds);
  }

  /** Items the app's backend let through; refused ones get its ResultCode in `results`. */
  private async prevFriendAddCallback(sdkAppId: number, from: string, valid: AddItem[], addType: string, force: boolean, results: Map<string, ItemResult>, origin?: Origin): Promise<AddItem[]> {
    if (!valid.length) return valid;
    const outcome = await this.callbacks.run(
      sdkAppId,
      'Sns.CallbackPrevFriendAdd',
      {
        Requester_Account: from,
        From_Account: from,
        FriendItem: valid.map((i) => ({ To_Account: i.to, Remark: i.remark, GroupName: i.groups[0] ?? '', AddSource: i.addSource, AddWording: i.addWording })),
        AddType: addType,
        ForceAddFlags: force ? 1 : 0,
        EventTime: Date.now(),
      },
      { optPlatform: origin?.platform || 'Unknown', clientIp: origin?.clientIp ?? '' },
    );
    const refused = snsRefusals(outcome);
    return valid.filter((i) => {
      const r = refused.get(i.to);
      if (r) results.set(i.to, bad(i.to, r.code, r.info));
      return !r;
    });
  }

  private async prevFriendResponseCallback(sdkAppId: number, account: string, requester: string, action: string, remark: string, origin?: Origin): Promise<void> {
    const outcome = await this.callbacks.run(
      sdkAppId,
      'Sns.CallbackPrevFriendResponse',
      { Requester_Account: account, From_Account: account, ResponseFriendItem: [{ To_Account: requester, Remark: remark, TagName: '', ResponseAction: action }], EventTime: Date.now() },
      { optPlatform: origin?.platform || 'Unknown', clientIp: origin?.clientIp ?? '' },
    );
    const r = snsRefusals(outcome).get(requester);
    if (r) throw new MeridianError(r.code, r.info);
  }

  private async event(sdkAppId: number, key: string, pairs: { fromAccount: string; toAccount: string }[], added: boolean, reason: string, why: Why = {}): Promise<void> {
    await this.bus.publish(TOPICS.relationshipChanges, `${sdkAppId}:${key}`, { friendsChanged: { pairs, added, reason, origin: why.origin, forced: Boolean(why.forced) } }, { sdkAppId });
  }

  private async deliver(sdkAppId: number, recipients: string[], kind: string, body: unknown): Promise<void> {
    await this.bus.publish(
      TOPICS.deliveries,
      `${sdkAppId}:${recipients[0]}`,
      { deliveryRequested: { recipients, kind, body: Buffer.from(JSON.stringify(body)), conversationId: '', seq: '0', excludeLoginId: '', offlinePush: Buffer.alloc(0), onlineOnlyRecipients: [] } },
      { sdkAppId },
    );
  }
}

function requireAccount(id: string, field: string): void {
  if (!isValidUserId(id)) throw new MeridianError(Code.PARAM, `${field} is missing or invalid`);
}

function parseDeleteType(t: string): boolean {
  if (t === '' || t === 'Delete_Type_Single') return false;
  if (t === 'Delete_Type_Both') return true;
  throw new MeridianError(Code.PARAM, 'DeleteType is Delete_Type_Single or Delete_Type_Both');
}

function validateListNames(names: string[]): void {
  if (!names.length || names.some((n) => typeof n !== 'string' || !n || Buffer.byteLength(n) > LIST_NAME_MAX)) {
    throw new MeridianError(Code.PARAM, `GroupName must be names of 1-${LIST_NAME_MAX} bytes`);
  }
}

/**
 * Refusals in an Sns before-callback's answer: ResultItem entries with a ResultCode in Tencent's
 * range for apps (38000-39000). A failure under the block policy refuses everything (80003).
 */
function snsRefusals(outcome: BeforeOutcome | null): { get(to: string): { code: number; info: string } | undefined } {
  if (!outcome) return { get: () => undefined };
  if (outcome.action === 'reject') return { get: () => ({ code: outcome.code, info: outcome.info }) };
  const refused = new Map<string, { code: number; info: string }>();
  const items = outcome.answer?.['ResultItem'];
  for (const item of Array.isArray(items) ? (items as Record<string, unknown>[]) : []) {
    const code = Number(item?.['ResultCode'] ?? 0);
    if (typeof item?.['To_Account'] === 'string' && code >= 38_000 && code <= 39_000) {
      refused.set(item['To_Account'], { code, info: typeof item['ResultInfo'] === 'string' ? item['ResultInfo'] : 'refused by the app backend' });
    }
  }
  return refused;
}
