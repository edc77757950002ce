import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { WsCommandRegistry } from '../ws-command.registry';

function accounts(body: Record<string, unknown>): string[] {
  const v = body['userIds'];
  if (!Array.isArray(v) || v.length < 1 || v.length > 1000 || !v.every((u) => typeof u === 'string')) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'userIds must be 1-1000 account ids');
  return v as string[];
}

const items = (results: relationshipV1.AccountResultItem[]) => results.map((r) => ({ userId: r.toAccount, code: r.resultCode, info: r.resultInfo }));

/**
 * The user's own blacklist from clients: `blacklist.add` / `blacklist.delete` {userIds} →
 * {results: [{userId, code, info}]}, `blacklist.get` {startIndex?, limit?} → {items, nextStartIndex, sequence}.
 */
@Injectable()
export class RelationshipCommands implements OnModuleInit {
  constructor(
    @Inject(WsCommandRegistry) private readonly registry: WsCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  onModuleInit(): void {
    const rel = (region: string) => this.clients.service<relationshipV1.RelationshipServiceClient>('relationship', region);
    this.registry.register(
      {
        cmd: 'blacklist.add',
        handle: async ({ session }, body) => ({
          results: items((await rel(session.homeRegion).addBlacklist({ sdkAppId: session.sdkAppId, fromAccount: session.userId, toAccounts: accounts(body) })).results),
        }),
      },
      {
        cmd: 'blacklist.delete',
        handle: async ({ session }, body) => ({
          results: items((await rel(session.homeRegion).deleteBlacklist({ sdkAppId: session.sdkAppId, fromAccount: session.userId, toAccounts: accounts(body) })).results),
        }),
      },
      {
        cmd: 'blacklist.get',
        handle: async ({ session }, body) => {
          const n = (k: string) => (typeof body[k] === 'number' ? (body[k] as number) : 0);
          const res = await rel(session.homeRegion).getBlacklist({ sdkAppId: session.sdkAppId, fromAccount: session.userId, startIndex: n('startIndex'), maxLimited: n('limit') || 100 });
          return { items: res.entries.map((e) => ({ userId: e.toAccount, addedAt: Number(e.addedAt) })), nextStartIndex: res.nextStartIndex, sequence: Number(res.sequence) };
        },
      },
    );
  }
}
