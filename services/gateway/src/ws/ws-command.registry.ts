import { Injectable } from '@nestjs/common';
import type { SessionInfo } from './client-connection';

export interface WsContext {
  session: SessionInfo;
  connectionId: string;
  /** The client's address (the WebSocket peer, or the X-Forwarded-For entry of a trusted proxy). */
  clientIp: string;
}

export interface WsCommand {
  /** "<area>.<command>", e.g. "account.online_status". */
  cmd: string;
  handle(ctx: WsContext, body: Record<string, unknown>): Promise<unknown>;
}

/** Commands a logged-in client may send in `req` frames; feature modules register theirs. */
@Injectable()
export class WsCommandRegistry {
  private readonly commands = new Map<string, WsCommand>();

  register(...commands: WsCommand[]): void {
    for (const c of commands) {
      if (this.commands.has(c.cmd)) throw new Error(`WebSocket command ${c.cmd} registered twice`);
      this.commands.set(c.cmd, c);
    }
  }

  find(cmd: string): WsCommand | undefined {
    return this.commands.get(cmd);
  }
}
