import { type BackoffOptions, backoffDelay } from './backoff.js';
import { ErrorCodes, MeridianError } from './errors.js';

/** The part of the WebSocket API the SDK uses: the browser's, Node ≥ 22's and the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;
export type FetchLike = (url: string, init?: { signal?: AbortSignal; cache?: string }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** One gateway of the addressing answer (docs/protocol.md, Finding a gateway). */
export interface GatewayInfo {
  region: string;
  wsUrl: string;
  probeUrl?: string;
  healthy?: boolean;
  /** Measured by the SDK (ms); `null` when the probe failed. */
  rttMs?: number | null;
}

export type NetState = 'connected' | 'connecting' | 'disconnected';

export interface LoginBody {
  sdkAppId: number;
  userId: string;
  userSig: string;
  platform: string;
}

export interface LoginAnswer {
  loginId: string;
  connectionId: string;
  region: string;
  homeRegion: string;
  heartbeatMs: number;
  idleTimeoutMs: number;
  serverTime: number;
}

export interface PushFrame {
  did: string;
  kind: string;
  body: Record<string, unknown>;
}

export interface ConnectionOptions {
  /** Base URLs (http/https) of gateways that answer `/v1/access/gateways`; tried in order. */
  accessUrls: string[];
  /** A fixed gateway list instead of asking the addressing endpoint (e.g. behind one load balancer). */
  gateways?: GatewayInfo[];
  /** Preferred region: ranked first among reachable gateways. */
  region?: string;
  /** Absent until {@link Connection.useWebSocket} (the SDK may find `ws` only at login). */
  WebSocket?: WebSocketConstructor;
  fetch: FetchLike;
  backoff?: BackoffOptions;
  /** How long a request may wait for its answer on a live connection (default 10 s). */
  requestTimeoutMs?: number;
  /** How long a request may wait in total, across reconnects (default 60 s). */
  queueTimeoutMs?: number;
  /** Probes per gateway when ranking by RTT (default 2). */
  probes?: number;
  random?: () => number;
}

interface Pending {
  cmd: string;
  frame: Record<string, unknown>;
  resolve: (body: Record<string, unknown>) => void;
  reject: (err: MeridianError) => void;
  deadline: ReturnType<typeof setTimeout>;
  answerTimer?: ReturnType<typeof setTimeout>;
  sentOn?: number;
}

export interface ConnectionEvents {
  state(state: NetState): void;
  /** Logged in: the first time (`resumed` false) and after every reconnect (`resumed` true). */
  ready(answer: LoginAnswer, resumed: boolean): void;
  push(frame: PushFrame): void;
  /** The session ended for good (kicked, or a reconnect login refused): no more reconnects. */
  ended(err: MeridianError, reason: string): void;
}

const OPEN = 1;
/** Close codes after which reconnecting is pointless (docs/protocol.md, Close codes). */
const FINAL_CLOSE = new Set([4002, 4003]);

/**
 * The connection the app never sees: addressing, RTT ranking, one WebSocket, login and resume,
 * heartbeats, backoff-and-jitter reconnects to the next gateway, acks, and requests that survive
 * reconnects (each is sent again on the next connection until answered or its deadline passes).
 */
export class Connection {
  private ws?: WebSocketLike;
  private socketSerial = 0;
  private gateways: GatewayInfo[] = [];
  private gatewayIndex = 0;
  private attempt = 0;
  private login?: LoginBody;
  private loginAnswer?: LoginAnswer;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Pending[] = [];
  private heartbeat?: ReturnType<typeof setInterval>;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private lastFrameAt = 0;
  private ackBuffer: string[] = [];
  private ackTimer?: ReturnType<typeof setTimeout>;
  private stopped = true;
  private netState: NetState = 'disconnected';
  private connectedGateway?: GatewayInfo;
  /** The device said it has no network: no reconnect attempts until it says it is back. */
  private offline = false;

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly on: ConnectionEvents,
  ) {}

  useWebSocket(WS: WebSocketConstructor): void {
    this.opts.WebSocket = WS;
  }

  get state(): NetState {
    return this.netState;
  }

  get gateway(): GatewayInfo | undefined {
    return this.connectedGateway;
  }

  get session(): LoginAnswer | undefined {
    return this.loginAnswer;
  }

  /** Ranks the gateways, then logs in on the first that accepts; rejects when none does. */
  async start(login: LoginBody): Promise<LoginAnswer> {
    this.stopped = false;
    // A login is the app saying the network is worth trying, whatever an earlier session heard.
    this.offline = false;
    this.login = login;
    this.loginAnswer = undefined;
    this.attempt = 0;
    this.setState('connecting');
    this.gateways = await this.rankGateways();
    let lastErr: MeridianError = new MeridianError(ErrorCodes.NO_GATEWAY, 'no gateway reachable');
    for (let i = 0; i < this.gateways.length && !this.stopped; i++) {
      this.gatewayIndex = i;
      try {
        return await this.openAndLogin(false);
      } catch (err) {
        lastErr = err as MeridianError;
        // A refused login (bad UserSig, unknown app) is the same on every gateway.
        if (lastErr.code !== ErrorCodes.NETWORK_ERROR && lastErr.code !== ErrorCodes.NETWORK_TIMEOUT) break;
      }
    }
    this.stopped = true;
    this.setState('disconnected');
    throw lastErr;
  }

  /** Sends `logout`, waits briefly for the answer and closes. */
  async stop(sendLogout: boolean): Promise<void> {
    if (this.stopped && !this.ws) return;
    if (sendLogout && this.ws?.readyState === OPEN && this.loginAnswer) {
      const id = this.nextId++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        this.pending.set(id, {
          cmd: 'logout',
          frame: { v: 1, t: 'logout', id },
          resolve: () => (clearTimeout(timer), resolve()),
          reject: () => (clearTimeout(timer), resolve()),
          deadline: timer,
        });
        this.sendFrame({ v: 1, t: 'logout', id });
      });
    }
    this.shutdown(new MeridianError(ErrorCodes.CANCELLED, 'logged out'));
  }

  /**
   * A request (`req` frame). Queued while (re)connecting; sent again after a reconnect until it is
   * answered, so callers must only use it for commands that are safe to repeat (chat.send is, by
   * its MsgRandom).
   */
  request<T = Record<string, unknown>>(cmd: string, body: Record<string, unknown>): Promise<T> {
    if (this.stopped) return Promise.reject(new MeridianError(ErrorCodes.NOT_LOGGED_IN, 'not logged in'));
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        cmd,
        frame: { v: 1, t: 'req', cmd, body },
        resolve: resolve as (b: Record<string, unknown>) => void,
        reject,
        deadline: setTimeout(() => this.fail(p, new MeridianError(ErrorCodes.NETWORK_TIMEOUT, `${cmd}: no answer in time`)), this.opts.queueTimeoutMs ?? 60_000),
      };
      if (this.ws?.readyState === OPEN && this.loginAnswer && this.netState === 'connected') this.transmit(p);
      else this.queue.push(p);
    });
  }

  /** Closes the current socket as if the network dropped (tests, and the app's "network changed" hint). */
  dropConnection(): void {
    if (this.ws) this.onSocketGone(this.socketSerial, 1006, 'dropped by client');
  }

  /**
   * The device lost or regained its network (the browser's `offline` / `online` events). A socket
   * on a dead network can look open for a minute, and a backoff timer may sleep for many seconds
   * after the network is back: both hints are acted on at once.
   */
  setNetworkAvailable(online: boolean): void {
    if (this.stopped || online === !this.offline) return;
    this.offline = !online;
    clearTimeout(this.reconnectTimer);
    if (!online) {
      clearInterval(this.heartbeat);
      this.discardSocket(this.socketSerial);
      this.connectedGateway = undefined;
      this.setState('disconnected');
      return;
    }
    this.attempt = 0;
    this.setState('connecting');
    this.scheduleReconnect(0);
  }

  private transmit(p: Pending): void {
    const id = this.nextId++;
    p.frame = { ...p.frame, id };
    p.sentOn = this.socketSerial;
    this.pending.set(id, p);
    // A live connection that does not answer is treated as dead: the request goes again elsewhere.
    p.answerTimer = setTimeout(() => {
      if (this.pending.get(id) === p && p.sentOn === this.socketSerial) this.onSocketGone(this.socketSerial, 4999, 'request timed out');
    }, this.opts.requestTimeoutMs ?? 10_000);
    this.sendFrame(p.frame);
  }

  private fail(p: Pending, err: MeridianError): void {
    clearTimeout(p.deadline);
    clearTimeout(p.answerTimer);
    const qi = this.queue.indexOf(p);
    if (qi >= 0) this.queue.splice(qi, 1);
    for (const [id, q] of this.pending) if (q === p) this.pending.delete(id);
    p.reject(err);
  }

  private async rankGateways(): Promise<GatewayInfo[]> {
    let list = this.opts.gateways ? [...this.opts.gateways] : await this.fetchGateways();
    if (!list.length) list = this.gateways;
    const probes = this.opts.probes ?? 2;
    const measured = await Promise.all(list.map(async (g) => ({ ...g, rttMs: g.probeUrl ? await this.probe(g.probeUrl, probes) : (g.rttMs ?? null) })));
    const region = this.opts.region;
    return measured.sort(
      (a, b) =>
        Number(b.healthy !== false) - Number(a.healthy !== false) ||
        Number(b.rttMs !== null) - Number(a.rttMs !== null) ||
        Number(b.region === region) - Number(a.region === region) ||
        (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity),
    );
  }

  private async fetchGateways(): Promise<GatewayInfo[]> {
    for (const base of this.opts.accessUrls) {
      try {
        const q = this.opts.region ? `?region=${encodeURIComponent(this.opts.region)}` : '';
        const res = await this.opts.fetch(`${base.replace(/\/$/, '')}/v1/access/gateways${q}`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) continue;
        const { gateways } = (await res.json()) as { gateways: GatewayInfo[] };
        if (Array.isArray(gateways) && gateways.length) return gateways;
      } catch {
        // The next access URL, then the list we already have.
      }
    }
    return [];
  }

  /** The best of `n` round trips to a probe URL, or null when it never answered. */
  private async probe(url: string, n: number): Promise<number | null> {
    let best: number | null = null;
    for (let i = 0; i < n; i++) {
      const t0 = Date.now();
      try {
        const res = await this.opts.fetch(url, { signal: AbortSignal.timeout(2000), cache: 'no-store' });
        if (res.status >= 400) return null;
        const rtt = Date.now() - t0;
        best = best === null ? rtt : Math.min(best, rtt);
      } catch {
        return best;
      }
    }
    return best;
  }

  /** Opens a socket to gateways[gatewayIndex] and logs in (resuming when `resume`). */
  private openAndLogin(resume: boolean): Promise<LoginAnswer> {
    const gw = this.gateways[this.gatewayIndex % this.gateways.length]!;
    const serial = ++this.socketSerial;
    return new Promise<LoginAnswer>((resolve, reject) => {
      let settled = false;
      const settle = (err: MeridianError | undefined, answer?: LoginAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const timer = setTimeout(() => {
        this.discardSocket(serial);
        settle(new MeridianError(ErrorCodes.NETWORK_TIMEOUT, `no login answer from ${gw.wsUrl}`));
      }, this.opts.requestTimeoutMs ?? 10_000);
      let ws: WebSocketLike;
      try {
        if (!this.opts.WebSocket) throw new Error('no WebSocket implementation');
        ws = new this.opts.WebSocket(gw.wsUrl);
      } catch (err) {
        settle(new MeridianError(ErrorCodes.NETWORK_ERROR, `cannot open ${gw.wsUrl}: ${(err as Error).message}`));
        return;
      }
      this.ws = ws;
      const loginId = this.nextId++;
      ws.onopen = () => {
        const body: Record<string, unknown> = { ...this.login! };
        if (resume && this.loginAnswer) body['resumeLoginId'] = this.loginAnswer.loginId;
        ws.send(JSON.stringify({ v: 1, t: 'login', id: loginId, body }));
      };
      ws.onerror = () => undefined;
      ws.onclose = (ev) => {
        if (!settled) {
          this.discardSocket(serial);
          settle(new MeridianError(ErrorCodes.NETWORK_ERROR, `connection to ${gw.wsUrl} closed (${ev.code})`));
        } else this.onSocketGone(serial, ev.code, ev.reason);
      };
      ws.onmessage = (ev) => {
        if (serial !== this.socketSerial) return;
        this.lastFrameAt = Date.now();
        let frame: Record<string, unknown>;
        try {
          frame = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)) as Record<string, unknown>;
        } catch {
          return;
        }
        if (!settled && frame['t'] === 'res' && frame['id'] === loginId) {
          if (frame['code'] !== 0) {
            this.discardSocket(serial);
            settle(new MeridianError(Number(frame['code']), String(frame['info'] ?? 'login refused'), frame['body']));
            return;
          }
          const answer = frame['body'] as unknown as LoginAnswer;
          this.loginAnswer = answer;
          this.connectedGateway = gw;
          this.attempt = 0;
          this.startHeartbeat(serial, answer.heartbeatMs);
          this.setState('connected');
          settle(undefined, answer);
          this.on.ready(answer, resume);
          // Everything that waited for a connection (or was in flight on the dead one) goes now.
          const again = [...this.pending.values()].filter((p) => p.sentOn !== undefined && p.sentOn !== serial);
          for (const p of again) for (const [id, q] of this.pending) if (q === p) this.pending.delete(id);
          const waiting = [...again, ...this.queue.splice(0)];
          for (const p of waiting) this.transmit(p);
          return;
        }
        this.onFrame(frame);
      };
    });
  }

  private onFrame(frame: Record<string, unknown>): void {
    switch (frame['t']) {
      case 'res': {
        const p = this.pending.get(Number(frame['id']));
        if (!p) return;
        this.pending.delete(Number(frame['id']));
        clearTimeout(p.deadline);
        clearTimeout(p.answerTimer);
        if (frame['code'] === 0) p.resolve((frame['body'] as Record<string, unknown>) ?? {});
        else p.reject(new MeridianError(Number(frame['code']), String(frame['info'] ?? ''), frame['body']));
        return;
      }
      case 'push': {
        const did = String(frame['did']);
        this.ack(did);
        this.on.push({ did, kind: String(frame['kind']), body: (frame['body'] as Record<string, unknown>) ?? {} });
        return;
      }
      case 'kicked': {
        const reason = String(frame['reason'] ?? 'OtherDeviceLogin');
        this.shutdown(new MeridianError(ErrorCodes.KICKED_OFFLINE, `kicked: ${reason}`));
        this.on.ended(new MeridianError(Number(frame['code'] ?? ErrorCodes.KICKED_OFFLINE), reason), reason);
        return;
      }
      case 'reconnect': {
        // The gateway drains: leave before it closes, for the next one of the list.
        const serial = this.socketSerial;
        setTimeout(() => this.onSocketGone(serial, 1001, 'drain'), Math.min(Number(frame['afterMs'] ?? 0), 1000));
        return;
      }
      case 'error': {
        const id = frame['id'];
        const p = typeof id === 'number' ? this.pending.get(id) : undefined;
        if (p) {
          this.pending.delete(id as number);
          this.fail(p, new MeridianError(Number(frame['code']), String(frame['info'] ?? 'refused')));
        }
        return;
      }
      default:
        return;
    }
  }

  private ack(did: string): void {
    this.ackBuffer.push(did);
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      const dids = this.ackBuffer.splice(0, 1000);
      if (dids.length) this.sendFrame({ v: 1, t: 'ack', dids });
      if (this.ackBuffer.length) this.ack(this.ackBuffer.pop()!);
    }, 0);
  }

  private startHeartbeat(serial: number, everyMs: number): void {
    clearInterval(this.heartbeat);
    const every = Math.max(500, Number(everyMs) || 30_000);
    this.lastFrameAt = Date.now();
    this.heartbeat = setInterval(() => {
      if (serial !== this.socketSerial) return;
      // Two beats without any frame back: the network is gone even if the socket has not noticed.
      if (Date.now() - this.lastFrameAt > every * 2 + 1000) return this.onSocketGone(serial, 4998, 'heartbeat lost');
      this.sendFrame({ v: 1, t: 'ping' });
    }, every);
  }

  private sendFrame(frame: unknown): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** Stops listening to a socket and closes it (it may never tell us it closed). */
  private discardSocket(serial: number): void {
    if (serial !== this.socketSerial || !this.ws) return;
    const ws = this.ws;
    this.ws = undefined;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => undefined;
    try {
      const terminate = (ws as unknown as { terminate?: () => void }).terminate;
      if (typeof terminate === 'function') terminate.call(ws);
      else ws.close();
    } catch {
      // Closing a socket that never opened may throw; it is gone either way.
    }
  }

  private onSocketGone(serial: number, code: number, _reason: string): void {
    if (serial !== this.socketSerial || this.stopped) return;
    clearInterval(this.heartbeat);
    this.discardSocket(serial);
    this.connectedGateway = undefined;
    if (FINAL_CLOSE.has(code)) {
      const err = new MeridianError(code === 4002 ? ErrorCodes.KICKED_OFFLINE : ErrorCodes.NOT_LOGGED_IN, `closed (${code})`);
      this.shutdown(err);
      this.on.ended(err, code === 4002 ? 'kicked' : 'logout');
      return;
    }
    if (this.offline) return this.setState('disconnected');
    this.setState('connecting');
    this.gatewayIndex++;
    this.scheduleReconnect(code === 1001 ? 0 : backoffDelay(this.attempt, this.opts.backoff, this.opts.random));
  }

  private scheduleReconnect(delayMs: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delayMs);
  }

  private async reconnect(): Promise<void> {
    if (this.stopped || this.offline) return;
    this.setState('connecting');
    // After a full round of failures, ask the addressing endpoint again.
    if (this.attempt > 0 && this.attempt % Math.max(1, this.gateways.length) === 0) {
      const ranked = await this.rankGateways().catch(() => this.gateways);
      if (ranked.length) this.gateways = ranked;
      if (this.stopped) return;
    }
    this.attempt++;
    // openAndLogin numbers its socket at once: a failure of an attempt that a newer one (after
    // the network came back) replaced must not schedule yet another.
    const serial = this.socketSerial + 1;
    try {
      await this.openAndLogin(true);
    } catch (err) {
      const e = err as MeridianError;
      if (this.stopped || serial !== this.socketSerial) return;
      if (e.code !== ErrorCodes.NETWORK_ERROR && e.code !== ErrorCodes.NETWORK_TIMEOUT) {
        this.shutdown(e);
        this.on.ended(e, 'login refused');
        return;
      }
      // Said as it is between attempts (Tencent's SDK does the same), so an app never shows
      // "connecting" for minutes while no gateway answers.
      this.setState('disconnected');
      if (this.offline) return;
      this.gatewayIndex++;
      this.scheduleReconnect(backoffDelay(this.attempt, this.opts.backoff, this.opts.random));
    }
  }

  private shutdown(err: MeridianError): void {
    this.stopped = true;
    this.offline = false;
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.ackTimer);
    this.ackBuffer = [];
    this.discardSocket(this.socketSerial);
    this.connectedGateway = undefined;
    for (const p of [...this.pending.values(), ...this.queue]) this.fail(p, err);
    this.pending.clear();
    this.queue.length = 0;
    this.setState('disconnected');
  }

  private setState(s: NetState): void {
    if (s === this.netState) return;
    this.netState = s;
    this.on.state(s);
  }
}

/**
 * The WebSocket to use when the app passed none: the global one (browsers, Node ≥ 22), else the
 * `ws` package if it is installed (an optional peer dependency, so Node 20 needs no extra code).
 * The specifier is a variable so that bundlers for browsers do not try to pull `ws` in.
 */
export async function findWebSocket(): Promise<WebSocketConstructor | undefined> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  const name = 'ws';
  try {
    const mod = (await import(name)) as { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor | { WebSocket?: WebSocketConstructor } };
    const def = mod.default;
    return mod.WebSocket ?? (typeof def === 'function' ? def : def?.WebSocket);
  } catch {
    return undefined;
  }
}
