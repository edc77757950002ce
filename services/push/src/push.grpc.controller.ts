import { Controller, Inject } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcEndpoint } from '@meridian/platform';
import { pushV1 } from '@meridian/proto';
import { AudienceService } from './audience/audience.service';
import { BroadcastService } from './broadcast/broadcast.service';
import { OfflinePushService } from './offline/offline-push.service';

const nonEmpty = (m: Record<string, string> | undefined) => (m && Object.keys(m).length ? m : undefined);
const nonEmptyList = (l: string[] | undefined) => (l?.length ? l : undefined);

/** The push service's gRPC face (audiences and broadcasts); routing itself is driven by Kafka. */
@Controller()
@GrpcEndpoint()
@pushV1.PushServiceControllerMethods()
export class PushGrpcController implements pushV1.PushServiceController {
  constructor(
    @Inject(AudienceService) private readonly audience: AudienceService,
    @Inject(BroadcastService) private readonly broadcasts: BroadcastService,
    @Inject(OfflinePushService) private readonly offline: OfflinePushService,
  ) {}

  async registerDeviceToken(req: pushV1.RegisterDeviceTokenRequest): Promise<pushV1.RegisterDeviceTokenResponse> {
    await this.offline.registerToken(req.sdkAppId, req.userId, req.platform, req.provider, req.token);
    return {};
  }

  async getPushPlatforms(req: pushV1.GetPushPlatformsRequest): Promise<pushV1.GetPushPlatformsResponse> {
    return { registrations: await this.offline.pushPlatforms(req.sdkAppId, req.userIds) };
  }

  async setProviderConfig(req: pushV1.SetProviderConfigRequest): Promise<pushV1.SetProviderConfigResponse> {
    await this.offline.setProviderConfig(req.sdkAppId, req.provider, Buffer.from(req.config).toString('utf8'));
    return {};
  }

  async setAttrNames(req: pushV1.SetAttrNamesRequest): Promise<pushV1.SetAttrNamesResponse> {
    await this.audience.setAttrNames(req.sdkAppId, req.names);
    return {};
  }

  async getAttrNames(req: pushV1.GetAttrNamesRequest): Promise<pushV1.GetAttrNamesResponse> {
    return { names: await this.audience.attrNames(req.sdkAppId) };
  }

  async setUserAttrs(req: pushV1.SetUserAttrsRequest): Promise<pushV1.SetUserAttrsResponse> {
    await this.audience.setUserAttrs(req.sdkAppId, req.users);
    return {};
  }

  async getUserAttrs(req: pushV1.GetUserAttrsRequest): Promise<pushV1.GetUserAttrsResponse> {
    return { users: await this.audience.userAttrs(req.sdkAppId, req.userIds) };
  }

  async removeUserAttrs(req: pushV1.RemoveUserAttrsRequest): Promise<pushV1.RemoveUserAttrsResponse> {
    await this.audience.removeUserAttrs(req.sdkAppId, req.users);
    return {};
  }

  async addUserTags(req: pushV1.AddUserTagsRequest): Promise<pushV1.AddUserTagsResponse> {
    await this.audience.addTags(req.sdkAppId, req.users);
    return {};
  }

  async getUserTags(req: pushV1.GetUserTagsRequest): Promise<pushV1.GetUserTagsResponse> {
    return { users: await this.audience.userTags(req.sdkAppId, req.userIds) };
  }

  async removeUserTags(req: pushV1.RemoveUserTagsRequest): Promise<pushV1.RemoveUserTagsResponse> {
    await this.audience.removeTags(req.sdkAppId, req.users);
    return {};
  }

  async removeAllUserTags(req: pushV1.RemoveAllUserTagsRequest): Promise<pushV1.RemoveAllUserTagsResponse> {
    await this.audience.removeAllTags(req.sdkAppId, req.userIds);
    return {};
  }

  async startBroadcast(req: pushV1.StartBroadcastRequest): Promise<pushV1.StartBroadcastResponse> {
    const c = req.condition;
    const taskId = await this.broadcasts.start({
      sdkAppId: req.sdkAppId,
      fromAccount: req.fromAccount,
      msgRandom: req.msgRandom,
      msgLifeTime: req.msgLifeTime,
      condition: {
        attrsAnd: nonEmpty(c?.attrsAnd),
        attrsOr: nonEmpty(c?.attrsOr),
        tagsAnd: nonEmptyList(c?.tagsAnd),
        tagsOr: nonEmptyList(c?.tagsOr),
      },
      msgBody: Buffer.from(req.msgBody).toString('utf8'),
      offlinePushInfo: Buffer.from(req.offlinePushInfo).toString('utf8'),
    });
    return { taskId };
  }

  async getBroadcast(req: pushV1.GetBroadcastRequest): Promise<pushV1.GetBroadcastResponse> {
    const t = await this.broadcasts.find(req.taskId);
    if (!t || t.sdkAppId !== req.sdkAppId) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'no such task');
    return { taskId: t._id, state: t.state, recipients: t.recipients, deliveredOnline: t.deliveredOnline, offline: t.offline };
  }
}
