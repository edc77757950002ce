import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { GrpcEndpoint } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { BlacklistService } from './blacklist.service';

const failed = (items: { toAccount: string; resultCode: number }[]) => items.filter((i) => i.resultCode !== 0).map((i) => i.toAccount);

/** The blacklist RPCs of RelationshipService (profiles are served by their own controller). */
@Controller()
@GrpcEndpoint()
export class BlacklistGrpcController {
  constructor(@Inject(BlacklistService) private readonly blacklist: BlacklistService) {}

  @GrpcMethod('RelationshipService', 'AddBlacklist')
  async addBlacklist(req: relationshipV1.AddBlacklistRequest): Promise<relationshipV1.AddBlacklistResponse> {
    const results = await this.blacklist.add(req.sdkAppId, req.fromAccount, req.toAccounts, req.origin);
    return { results, failAccounts: failed(results) };
  }

  @GrpcMethod('RelationshipService', 'DeleteBlacklist')
  async deleteBlacklist(req: relationshipV1.DeleteBlacklistRequest): Promise<relationshipV1.DeleteBlacklistResponse> {
    const results = await this.blacklist.delete(req.sdkAppId, req.fromAccount, req.toAccounts, req.origin);
    return { results, failAccounts: failed(results) };
  }

  @GrpcMethod('RelationshipService', 'GetBlacklist')
  async getBlacklist(req: relationshipV1.GetBlacklistRequest): Promise<relationshipV1.GetBlacklistResponse> {
    const r = await this.blacklist.get(req.sdkAppId, req.fromAccount, req.startIndex, req.maxLimited);
    return { entries: r.entries.map((e) => ({ toAccount: e.toAccount, addedAt: String(e.addedAt) })), nextStartIndex: r.nextStartIndex, sequence: String(r.sequence) };
  }

  @GrpcMethod('RelationshipService', 'CheckBlacklist')
  async checkBlacklist(req: relationshipV1.CheckBlacklistRequest): Promise<relationshipV1.CheckBlacklistResponse> {
    const relations = await this.blacklist.check(req.sdkAppId, req.fromAccount, req.toAccounts, req.checkType);
    return { relations, failAccounts: failed(relations) };
  }

  @GrpcMethod('RelationshipService', 'CheckSendAllowed')
  async checkSendAllowed(req: relationshipV1.CheckSendAllowedRequest): Promise<relationshipV1.CheckSendAllowedResponse> {
    return { code: await this.blacklist.sendAllowed(req.sdkAppId, req.fromAccount, req.toAccount) };
  }
}
