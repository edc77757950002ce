import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { encode, type ServerFrame } from './protocol';

export interface SessionInfo {
  sdkAppId: number;
  userId: string;
  loginId: string;
  platform: string;
  homeRegion: string;
}

/** One client WebSocket: its session once logged in, its frame budget and its unacked deliveries. */
export class ClientConnection {
  readonly id = randomUUID();
  readonly openedAt = Date.now();
  lastSeen = Date.now();
  session?: SessionInfo;
  /** Counted against the not-logged-in limits (until login or close). */
  anonymous = false;
  /** Set when the session ended on the server side (kick, logout): no Logout call on close. */
  ended = false;
  strikes = 0;
  /** When a touch first found this session gone in its home region. */
  goneSince?: number;
  private tokens: number;
  private refilledAt = Date.now();
  readonly pending = new Map<string, () => void>();

  constructor(
    readonly socket: WebSocket,
    readonly remoteAddress: string,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: ServerFrame): boolean {
    return this.sendText(encode(frame));
  }

  /** A frame already encoded (push frames are spliced around their body's JSON text). */
  sendText(text: string): boolean {
    if (!this.open) return false;
    this.socket.send(text);
    return true;
  }

  /** Token bucket: false when the client sends faster than its budget. */
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  close(code: number, reason: string): void {
    for (const resolve of this.pending.values()) resolve();
    this.pending.clear();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason);
  }
}
