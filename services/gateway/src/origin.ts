import { REST_OPT_PLATFORM, optPlatformOf } from '@meridian/contracts';
import type { originEventsV1 } from '@meridian/proto';
import type { RestContext } from './rest/rest.types';
import type { WsContext } from './ws/ws-command.registry';

/**
 * Who made a request, for every call that can end in a callback (Tencent's OptPlatform, ClientIP
 * and Operator_Account / Admin_Account). REST: the app admin of the `identifier` parameter.
 */
export function restOrigin(ctx: RestContext): originEventsV1.Origin {
  return { platform: REST_OPT_PLATFORM, clientIp: ctx.clientIp, operator: ctx.identifier };
}

/** WebSocket: the logged-in user on their device's platform, from the connection's address. */
export function wsOrigin(ctx: Pick<WsContext, 'session' | 'clientIp'>): originEventsV1.Origin {
  return { platform: optPlatformOf(ctx.session.platform), clientIp: ctx.clientIp, operator: ctx.session.userId };
}
