import { Injectable } from '@nestjs/common';

/**
 * Which of this instance's connections are in which AVChatRoom ("<sdkAppId>:<groupId>"). A room
 * message reaches this instance once (DeliverLive) and is written to every connection here.
 */
@Injectable()
export class LiveRooms {
  private readonly rooms = new Map<string, Set<string>>();
  private readonly byConnection = new Map<string, Set<string>>();

  join(room: string, connectionId: string): void {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Set()));
    members.add(connectionId);
    let joined = this.byConnection.get(connectionId);
    if (!joined) this.byConnection.set(connectionId, (joined = new Set()));
    joined.add(room);
  }

  leave(room: string, connectionId: string): void {
    const members = this.rooms.get(room);
    members?.delete(connectionId);
    if (members && !members.size) this.rooms.delete(room);
    this.byConnection.get(connectionId)?.delete(room);
  }

  /** Forgets a closed connection; returns the rooms it was in. */
  drop(connectionId: string): string[] {
    const joined = [...(this.byConnection.get(connectionId) ?? [])];
    for (const room of joined) this.leave(room, connectionId);
    this.byConnection.delete(connectionId);
    return joined;
  }

  members(room: string): string[] {
    return [...(this.rooms.get(room) ?? [])];
  }

  get size(): number {
    return this.rooms.size;
  }
}

export const roomKey = (sdkAppId: number, groupId: string) => `${sdkAppId}:${groupId}`;
