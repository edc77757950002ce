import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { accountField, accountList } from '../body';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';
import { restOrigin } from '../../origin';

/** Tencent: portrait_get reads at most 100 accounts (70206 past it, like every batch reader here). */
const PORTRAIT_GET_MAX = 100;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** TagList: a non-empty array of strings (40001 otherwise: the profile service's invalid-parameter code). */
export function tagList(body: JsonObject, name: string): string[] {
  const v = body[name];
  if (!Array.isArray(v) || !v.length || !v.every((t) => typeof t === 'string')) {
    throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, `${name} must be a non-empty array of tags`);
  }
  return v as string[];
}

/** ProfileItem: [{Tag, Value}] with Tencent-typed values (strings as JSON strings, integers as numbers). */
export function profileItems(body: JsonObject, name: string): relationshipV1.ProfileItem[] {
  const v = body[name];
  if (!Array.isArray(v) || !v.length) throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, `${name} must be a non-empty array`);
  return v.map((item) => {
    if (!isObject(item) || typeof item['Tag'] !== 'string' || item['Value'] === undefined) {
      throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, `${name} entries are {Tag, Value}`);
    }
    return { tag: item['Tag'], valueJson: JSON.stringify(item['Value']) };
  });
}

/** The UserProfileItem / Fail_Account part of a portrait_get answer (REST and WebSocket alike). */
export function profilesResponse(res: relationshipV1.GetProfilesResponse): JsonObject {
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

/** Profiles over REST: v4/profile/portrait_get and portrait_set (an app admin may read and write every field). */
@Injectable()
export class ProfileCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private get relationship() {
    return this.clients.service<relationshipV1.RelationshipServiceClient>('relationship');
  }

  onModuleInit(): void {
    this.registry.register(
      { path: 'profile/portrait_get', handle: (ctx, body) => this.get(ctx, body) },
      { path: 'profile/portrait_set', handle: (ctx, body) => this.set(ctx, body) },
    );
  }

  private async get(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    // A malformed or missing account is the profile service's bad parameter (40001), as it answers itself.
    const userIds = accountList(body, 'To_Account', PORTRAIT_GET_MAX, ErrorCode.PROFILE_INVALID_PARAMETER);
    const tags = tagList(body, 'TagList');
    return profilesResponse(await this.relationship.getProfiles({ sdkAppId: ctx.sdkAppId, userIds, tags, requester: '' }));
  }

  private async set(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userId = accountField(body, ['From_Account'], ErrorCode.PROFILE_INVALID_PARAMETER, ErrorCode.PROFILE_INVALID_PARAMETER);
    const items = profileItems(body, 'ProfileItem');
    await this.relationship.setProfile({ sdkAppId: ctx.sdkAppId, userId, items, byAdmin: true, fromLoginId: '', origin: restOrigin(ctx) });
    return {};
  }
}
