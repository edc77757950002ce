import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { GrpcEndpoint } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { parseValueJson, type CustomField } from './profile-values';
import { ProfilesService } from './profiles.service';

const toField = (f: CustomField): relationshipV1.ProfileField => ({ ...f });
const fromField = (f: relationshipV1.ProfileField): CustomField => ({ ...f, type: f.type as CustomField['type'] });

/**
 * The profile RPCs of RelationshipService. Each method names its RPC explicitly: the blacklist's
 * controller serves the service's other RPCs, so the generated all-methods decorator is not used.
 */
@Controller()
@GrpcEndpoint()
export class ProfilesGrpcController {
  constructor(@Inject(ProfilesService) private readonly profiles: ProfilesService) {}

  @GrpcMethod('RelationshipService', 'GetProfiles')
  async getProfiles(req: relationshipV1.GetProfilesRequest): Promise<relationshipV1.GetProfilesResponse> {
    const r = await this.profiles.get(req.sdkAppId, req.userIds, req.tags, req.requester);
    return {
      profiles: r.profiles.map((p) => ({
        userId: p.userId,
        items: p.items.map((i) => ({ tag: i.tag, valueJson: JSON.stringify(i.value) })),
        resultCode: p.resultCode,
        resultInfo: p.resultInfo,
      })),
      failAccounts: r.failAccounts,
    };
  }

  @GrpcMethod('RelationshipService', 'SetProfile')
  async setProfile(req: relationshipV1.SetProfileRequest): Promise<relationshipV1.SetProfileResponse> {
    await this.profiles.set({
      sdkAppId: req.sdkAppId,
      userId: req.userId,
      items: req.items.map((i) => ({ tag: i.tag, value: parseValueJson(i.tag, i.valueJson) })),
      byAdmin: req.byAdmin,
      fromLoginId: req.fromLoginId,
      origin: req.origin,
    });
    return {};
  }

  @GrpcMethod('RelationshipService', 'SetProfileFields')
  async setProfileFields(req: relationshipV1.SetProfileFieldsRequest): Promise<relationshipV1.SetProfileFieldsResponse> {
    return { fields: (await this.profiles.setFields(req.sdkAppId, req.fields.map(fromField))).map(toField) };
  }

  @GrpcMethod('RelationshipService', 'GetProfileFields')
  async getProfileFields(req: relationshipV1.GetProfileFieldsRequest): Promise<relationshipV1.GetProfileFieldsResponse> {
    return { fields: (await this.profiles.fields(req.sdkAppId)).map(toField) };
  }
}
