import WebSocket from 'ws';
import type { WebSocketConstructor } from '../src/index';

/** `ws` as the SDK's WebSocket, with a switch that makes every new connection fail (a network outage). */
export function flakyWebSocket(): { WS: WebSocketConstructor; sockets: WebSocket[]; outage: (on: boolean) => void } {
  let down = false;
  const sockets: WebSocket[] = [];
  class Flaky extends WebSocket {
    constructor(url: string) {
      super(down ? 'ws://127.0.0.1:9/unreachable' : url);
      sockets.push(this);
    }
  }
  return { WS: Flaky as unknown as WebSocketConstructor, sockets, outage: (on) => (down = on) };
}

/** Short backoff and timeouts, so reconnect tests take seconds. */
export const FAST = { backoff: { baseMs: 100, maxMs: 800 }, requestTimeoutMs: 3000, queueTimeoutMs: 30_000 };
