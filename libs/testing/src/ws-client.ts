import WebSocket from 'ws';
import { gatewayUrl } from './test-platform';

export interface Frame {
  v: number;
  t: string;
  id?: number;
  code?: number;
  info?: string;
  body?: Record<string, unknown>;
  did?: string;
  kind?: string;
  reason?: string;
  [k: string]: unknown;
}

/**
 * A raw protocol-v1 client for tests: records every frame, pings on the server's heartbeat,
 * and acks pushes unless told not to.
 */
export class TestWsClient {
  readonly frames: Frame[] = [];
  closed?: { code: number; reason: string };
  private nextId = 1;
  private heartbeat?: NodeJS.Timeout;
  autoAck = true;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      if (frame.t === 'push' && this.autoAck) this.send({ v: 1, t: 'ack', dids: [frame.did] });
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      clearInterval(this.heartbeat);
    });
  }

  /** `localAddress` picks the client's source address (any 127.x.y.z: another client machine). */
  static async connect(region: string, opts: { url?: string; localAddress?: string } = {}): Promise<TestWsClient> {
    const url = opts.url ?? `${gatewayUrl(region).replace(/^http/, 'ws')}/v1/ws`;
    const ws = opts.localAddress === undefined ? new WebSocket(url) : new WebSocket(url, { localAddress: opts.localAddress });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestWsClient(ws);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async request(t: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    const id = this.nextId++;
    this.send({ v: 1, t, id, ...extra });
    return this.waitFor((f) => f.t === 'res' && f.id === id);
  }

  async login(body: { sdkAppId: number; userId: string; userSig: string; platform: string; resumeLoginId?: string }): Promise<Frame> {
    const res = await this.request('login', { body });
    if (res.code === 0) {
      const every = Number((res.body as { heartbeatMs: number }).heartbeatMs);
      this.heartbeat = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.send({ v: 1, t: 'ping' }), every);
    }
    return res;
  }

  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`frame not received in ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection not closed in time');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  /** Stops pinging, as a client whose network went quiet. */
  stopHeartbeat(): void {
    clearInterval(this.heartbeat);
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.ws.close();
  }
}
