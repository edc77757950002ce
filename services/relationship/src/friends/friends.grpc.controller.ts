import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcEndpoint } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { FriendsService, type AddItem } from './friends.service';

const failed = (items: { toAccount: string; resultCode: number }[]) => items.filter((i) => i.resultCode !== 0).map((i) => i.toAccount);
const toItem = (i: relationshipV1.FriendAddItem): AddItem => ({
  to: i.toAccount,
  remark: i.remark,
  groups: i.groupNames,
  addSource: i.addSource,
  addWording: i.addWording,
  addTime: Number(i.addTime) || undefined,
});

function parseValue(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'Value is not JSON');
  }
}

/** The friend RPCs of RelationshipService. */
@Controller()
@GrpcEndpoint()
export class FriendsGrpcController {
  constructor(@Inject(FriendsService) private readonly friends: FriendsService) {}

  @GrpcMethod('RelationshipService', 'AddFriends')
  async addFriends(req: relationshipV1.AddFriendsRequest): Promise<relationshipV1.AddFriendsResponse> {
    const results = await this.friends.add(req.sdkAppId, req.fromAccount, req.items.map(toItem), req.addType || 'Add_Type_Both', req.force, req.origin);
    return { results, failAccounts: failed(results) };
  }

  @GrpcMethod('RelationshipService', 'ImportFriends')
  async importFriends(req: relationshipV1.ImportFriendsRequest): Promise<relationshipV1.ImportFriendsResponse> {
    const results = await this.friends.import(req.sdkAppId, req.fromAccount, req.items.map(toItem));
    return { results, failAccounts: failed(results) };
  }

  @GrpcMethod('RelationshipService', 'RespondFriendRequest')
  async respondFriendRequest(req: relationshipV1.RespondFriendRequestRequest): Promise<relationshipV1.RespondFriendRequestResponse> {
    await this.friends.respond(req.sdkAppId, req.account, req.requester, req.action, req.remark, req.origin);
    return {};
  }

  @GrpcMethod('RelationshipService', 'GetFriendRequests')
  async getFriendRequests(req: relationshipV1.GetFriendRequestsRequest): Promise<relationshipV1.GetFriendRequestsResponse> {
    const r = await this.friends.requests(req.sdkAppId, req.account);
    const map = (d: { from: string; to: string; addSource: string; addWording: string; addTime: number; addType: string }, peer: string) => ({
      fromAccount: peer,
      addSource: d.addSource,
      addWording: d.addWording,
      addTime: String(d.addTime),
      addType: d.addType,
    });
    return { incoming: r.incoming.map((d) => map(d, d.from)), outgoing: r.outgoing.map((d) => map(d, d.to)) };
  }

  @GrpcMethod('RelationshipService', 'UpdateFriends')
  async updateFriends(req: relationshipV1.UpdateFriendsRequest): Promise<relationshipV1.UpdateFriendsResponse> {
    const results = await this.friends.update(
      req.sdkAppId,
      req.fromAccount,
      req.updates.map((u) => ({ to: u.toAccount, items: u.items.map((i) => ({ tag: i.tag, value: parseValue(i.valueJson) })) })),
    );
    return { results, failAccounts: failed(results) };
  }

  @GrpcMethod('RelationshipService', 'DeleteFriends')
  async deleteFriends(req: relationshipV1.DeleteFriendsRequest): Promise<relationshipV1.DeleteFriendsResponse> {
    const results = await this.friends.delete(req.sdkAppId, req.fromAccount, req.toAccounts, req.deleteType, req.origin);
    return { results, failAccounts: failed(results) };
  }

  @GrpcMethod('RelationshipService', 'DeleteAllFriends')
  async deleteAllFriends(req: relationshipV1.DeleteAllFriendsRequest): Promise<relationshipV1.DeleteAllFriendsResponse> {
    await this.friends.deleteAll(req.sdkAppId, req.fromAccount, req.deleteType, req.origin);
    return {};
  }

  @GrpcMethod('RelationshipService', 'CheckFriends')
  async checkFriends(req: relationshipV1.CheckFriendsRequest): Promise<relationshipV1.CheckFriendsResponse> {
    const relations = await this.friends.check(req.sdkAppId, req.fromAccount, req.toAccounts, req.checkType);
    return { relations, failAccounts: failed(relations) };
  }

  @GrpcMethod('RelationshipService', 'GetFriends')
  async getFriends(req: relationshipV1.GetFriendsRequest): Promise<relationshipV1.GetFriendsResponse> {
    const r = await this.friends.page(req.sdkAppId, req.fromAccount, req.startIndex, Number(req.standardSequence), req.limit);
    return { friends: r.friends, standardSequence: String(r.standardSequence), friendNum: r.friendNum, complete: r.complete, nextStartIndex: r.nextStartIndex };
  }

  @GrpcMethod('RelationshipService', 'GetFriendsByIds')
  async getFriendsByIds(req: relationshipV1.GetFriendsByIdsRequest): Promise<relationshipV1.GetFriendsByIdsResponse> {
    const friends = await this.friends.byIds(req.sdkAppId, req.fromAccount, req.toAccounts, req.tags);
    return { friends, failAccounts: failed(friends) };
  }

  @GrpcMethod('RelationshipService', 'AddFriendGroups')
  async addFriendGroups(req: relationshipV1.AddFriendGroupsRequest): Promise<relationshipV1.AddFriendGroupsResponse> {
    const r = await this.friends.addGroups(req.sdkAppId, req.fromAccount, req.groupNames, req.toAccounts);
    return { results: r.results, failAccounts: failed(r.results), sequence: String(r.sequence) };
  }

  @GrpcMethod('RelationshipService', 'DeleteFriendGroups')
  async deleteFriendGroups(req: relationshipV1.DeleteFriendGroupsRequest): Promise<relationshipV1.DeleteFriendGroupsResponse> {
    return { sequence: String(await this.friends.deleteGroups(req.sdkAppId, req.fromAccount, req.groupNames)) };
  }

  @GrpcMethod('RelationshipService', 'RenameFriendGroup')
  async renameFriendGroup(req: relationshipV1.RenameFriendGroupRequest): Promise<relationshipV1.RenameFriendGroupResponse> {
    return { sequence: String(await this.friends.renameGroup(req.sdkAppId, req.fromAccount, req.oldName, req.newName)) };
  }

  @GrpcMethod('RelationshipService', 'GetFriendGroups')
  async getFriendGroups(req: relationshipV1.GetFriendGroupsRequest): Promise<relationshipV1.GetFriendGroupsResponse> {
    const r = await this.friends.getGroups(req.sdkAppId, req.fromAccount, req.needFriends, req.groupNames);
    return { groups: r.groups, sequence: String(r.sequence) };
  }
}
