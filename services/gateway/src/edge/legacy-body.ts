import { z } from 'zod';
import type { JsonObject, ServiceName } from '@meridian/contracts';
import type { GrpcClients } from '@meridian/platform';
import type { SessionInfo } from '../ws/client-connection';
import type { originEventsV1 } from '@meridian/proto';
import { originOf, runRow, type EdgeRow } from './edge-command';

/**
 * The schema of a row whose body is still read by its handler with the readers in rest/body.ts
 * (Tencent's codes, old names) rather than a zod schema under libs/contracts/src/tencent: any
 * JSON object passes here. Moving a row off it: write its schema, map the request from the
 * parsed input, delete the handler's readers.
 */
export const checkedByHandler = z.looseObject({});

/** What a WebSocket handler not yet on a schema receives: the session and the clients. */
export interface LegacyWsContext {
  session: SessionInfo;
  connectionId: string;
  clients: GrpcClients;
  /** Who made the request (for the callbacks it can end in). */
  origin: originEventsV1.Origin;
}

/** Rows for WebSocket handlers that still read their bodies themselves (chat.*, friend.*, blacklist.*). */
export function legacyWsRows(service: ServiceName, doc: string, handlers: { cmd: string; handle: (ctx: LegacyWsContext, body: JsonObject) => Promise<unknown> }[]): EdgeRow[] {
  return handlers.map(({ cmd, handle }) =>
    runRow({
      ws: cmd,
      service,
      schema: checkedByHandler,
      doc,
      run: async (c, body) => {
        const session: SessionInfo = { sdkAppId: c.sdkAppId, userId: c.operator, loginId: c.loginId, platform: c.platform, homeRegion: c.homeRegion };
        return (await handle({ session, connectionId: c.connectionId, clients: c.deps.clients, origin: originOf(c) }, body)) as JsonObject;
      },
    }),
  );
}
