import { Inject, Injectable, Logger } from '@nestjs/common';
import { MeridianError, REST_OPT_PLATFORM, TOPICS } from '@meridian/contracts';
import { BeforeCallbacks, EventBus } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';
import { GroupsRepository } from './groups.repository';

type Json = Record<string, unknown>;

interface OriginCtx {
  sdkAppId: number;
  operator: string;
  isAdmin: boolean;
  origin?: originEventsV1.Origin;
}

/**
 * Who asked, for callbacks and events: the gateway's origin when it sent one, else what the
 * context says (an admin call is RESTAPI; an internal call names no platform or address).
 */
export function originOf(ctx: OriginCtx): originEventsV1.Origin {
  return {
    platform: ctx.origin?.platform || (ctx.isAdmin ? REST_OPT_PLATFORM : 'Unknown'),
    clientIp: ctx.origin?.clientIp ?? '',
    operator: ctx.origin?.operator || ctx.operator,
  };
}

const SEND_EXCEPTION = 'Group.CallbackSendMsgException';

/**
 * Group.CallbackSendMsgException: a group send that was refused (not a member, muted, bad input,
 * over the frequency limit…) becomes a `SendMsgFailed` GroupChangedEvent, which the callback
 * service turns into Tencent's payload. Only for apps that enabled the command (no event
 * otherwise); reporting is best effort and never changes the sender's answer.
 */
@Injectable()
export class GroupSendExceptions {
  private readonly logger = new Logger(GroupSendExceptions.name);

  constructor(
    @Inject(BeforeCallbacks) private readonly callbacks: BeforeCallbacks,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
  ) {}

  async report(ctx: OriginCtx, body: Json, err: MeridianError): Promise<void> {
    try {
      if (!(await this.callbacks.enabled(ctx.sdkAppId, SEND_EXCEPTION))) return;
      const groupId = typeof body['GroupId'] === 'string' ? body['GroupId'] : '';
      if (!groupId || Buffer.byteLength(groupId) > 96) return;
      const g = await this.repo.group(ctx.sdkAppId, groupId);
      const from = ctx.isAdmin && typeof body['From_Account'] === 'string' ? body['From_Account'] : ctx.operator;
      const detail = {
        Type: g?.typeName ?? '',
        From_Account: from,
        Random: typeof body['Random'] === 'number' ? body['Random'] : 0,
        OnlineOnlyFlag: body['OnlineOnlyFlag'] === 1 ? 1 : 0,
        MsgBody: Array.isArray(body['MsgBody']) ? body['MsgBody'] : [],
        CloudCustomData: typeof body['CloudCustomData'] === 'string' ? body['CloudCustomData'] : '',
        ErrorCode: err.code,
        ErrorInfo: err.message,
      };
      await this.bus.publish(
        TOPICS.groupEvents,
        `${ctx.sdkAppId}:${groupId}`,
        { groupChanged: { groupId, groupType: g?.kind ?? '', change: 'SendMsgFailed', operator: ctx.operator, members: [from], detailJson: Buffer.from(JSON.stringify(detail)), origin: originOf(ctx) } },
        { sdkAppId: ctx.sdkAppId },
      );
    } catch (e) {
      this.logger.warn({ sdkAppId: ctx.sdkAppId, error: (e as Error).message }, 'could not report a failed group send');
    }
  }
}

/** Runs a group send; a refusal is reported (Group.CallbackSendMsgException) and rethrown. */
export async function reportSendFailure<T>(ctx: OriginCtx, body: Json, send: () => Promise<T>, exceptions: GroupSendExceptions): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof MeridianError) await exceptions.report(ctx, body, err);
    throw err;
  }
}
