import WebSocket from 'ws';

/** One frame of protocol v1 as the chaos clients read it (docs/protocol.md). */
export interface Frame {
  t: string;
  id?: number;
  code?: number;
  info?: string;
  body?: Record<string, unknown>;
  did?: string;
  kind?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ChaosUserOptions {
  sdkAppId: number;
  userId: string;
  sig: () => string;
  /** WebSocket URLs, preferred first; a failed connect moves on to the next. */
  urls: string[];
}

/**
 * A resilient protocol-v1 client for the chaos test: connects (preferred gateway first, then the
 * others), logs in with `resumeLoginId` after the first time, pings, treats silence as a dead
 * connection, reconnects after any close, acks every push, and answers requests by id with a
 * client-side timeout. No de-duplication here: the callers count raw receipts.
 */
export class ChaosUser {
  loginId = '';
  reconnects = 0;
  kicked = 0;
  stopped = false;
  onPush?: (frame: Frame) => void;
  /** Called after every successful login except the first. */
  onReconnected?: () => void;
  private ws?: WebSocket;
  private ready = false;
  private connecting?: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: Frame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private heartbeat?: NodeJS.Timeout;
  private lastFrameAt = 0;
  private logins = 0;

  constructor(readonly opts: ChaosUserOptions) {}

  /** Resolves once connected and logged in (reconnecting as long as needed, until stopped). */
  ensure(): Promise<void> {
    if (this.ready && this.ws?.readyState === WebSocket.OPEN) return Promise.resolve();
    this.connecting ??= this.connectLoop().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async request(cmd: string, body: Record<string, unknown>, timeoutMs: number): Promise<Frame> {
    await this.ensure();
    const ws = this.ws!;
    const id = this.nextId++;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ v: 1, t: 'req', id, cmd, body }));
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.ws?.terminate();
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new Error('stopped');
      const url = this.opts.urls[attempt % this.opts.urls.length]!;
      try {
        await this.connectOnce(url);
        return;
      } catch {
        await sleep(Math.min(1000, 100 * 2 ** Math.floor(attempt / this.opts.urls.length)) * (0.5 + Math.random()));
      }
    }
  }

  private async connectOnce(url: string): Promise<void> {
    const ws = new WebSocket(url, { handshakeTimeout: 3000 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('closed before open')));
    });
    ws.on('error', () => undefined);
    const loginId = this.nextId++;
    const answer = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('login timeout')), 6000);
      this.pending.set(loginId, { resolve, reject, timer });
    });
    ws.on('message', (data) => this.onMessage(ws, data.toString()));
    ws.on('close', (code) => this.onClose(ws, code));
    this.ws = ws;
    this.lastFrameAt = Date.now();
    const body: Record<string, unknown> = { sdkAppId: this.opts.sdkAppId, userId: this.opts.userId, userSig: this.opts.sig(), platform: 'Linux' };
    if (this.loginId) body['resumeLoginId'] = this.loginId;
    ws.send(JSON.stringify({ v: 1, t: 'login', id: loginId, body }));
    let res: Frame;
    try {
      res = await answer;
    } catch (err) {
      ws.terminate();
      throw err;
    }
    if (res.code !== 0) {
      ws.terminate();
      throw new Error(`login refused ${res.code}`);
    }
    this.loginId = String(res.body?.['loginId'] ?? '');
    const every = Number(res.body?.['heartbeatMs'] ?? 1000);
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      // Four beats without any frame back: the connection is dead.
      if (Date.now() - this.lastFrameAt > every * 4) ws.terminate();
      else ws.send(JSON.stringify({ v: 1, t: 'ping' }));
    }, every);
    this.ready = true;
    if (this.logins++ > 0) {
      this.reconnects++;
      this.onReconnected?.();
    }
  }

  private onMessage(ws: WebSocket, text: string): void {
    if (ws !== this.ws) return;
    this.lastFrameAt = Date.now();
    let f: Frame;
    try {
      f = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    if (f.t === 'push') {
      ws.send(JSON.stringify({ v: 1, t: 'ack', dids: [f.did] }));
      this.onPush?.(f);
    } else if ((f.t === 'res' || f.t === 'error') && f.id !== undefined) {
      const p = this.pending.get(f.id);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(f.id);
        p.resolve(f);
      }
    } else if (f.t === 'kicked') {
      this.kicked++;
    } else if (f.t === 'reconnect') {
      ws.close();
    }
  }

  private onClose(ws: WebSocket, _code: number): void {
    if (ws !== this.ws) return;
    this.ready = false;
    clearInterval(this.heartbeat);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('closed'));
      this.pending.delete(id);
    }
    if (!this.stopped) void this.ensure().catch(() => undefined);
  }
}
