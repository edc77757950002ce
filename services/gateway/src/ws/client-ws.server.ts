import type { BlockList } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { Gauge, Counter } from 'prom-client';
import { ErrorCode, MeridianError, describeTextProblem, findMalformedText, invalidParameterCodeForWs, withoutNulls } from '@meridian/contracts';
import { GrpcClients, Metrics, PLATFORM_CONFIG, clientAddress, trustedProxies, type PlatformConfig } from '@meridian/platform';
import { gatewayV1, type authV1, type groupV1 } from '@meridian/proto';
import { HomeRegions } from '../access/home-regions.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { ClientConnection } from './client-connection';
import { LiveRooms, roomKey } from './live-rooms';
import { CloseCode, FrameError, parseFrame, pushFrame, type ClientFrame, type LoginBody } from './protocol';
import { WsCommandRegistry } from './ws-command.registry';

export const WS_PATH = '/v1/ws';

/**
 * The client WebSocket face (docs/protocol.md): login through the app's home-region auth, requests
 * forwarded over gRPC with a deadline, deliveries with client acks, kicks, heartbeats and idle
 * timeout, per-connection rate limit and frame size, strikes for abuse, drain on shutdown.
 */
@Injectable()
export class ClientWsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClientWsServer.name);
  private readonly connections = new Map<string, ClientConnection>();
  private readonly byLogin = new Map<string, ClientConnection>();
  private wss?: WebSocketServer;
  private draining = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly gauge: Gauge<'state'>;
  private readonly frames: Counter<'direction' | 'type'>;
  private readonly deliveries: Counter<'status'>;
  private readonly refused: Counter<'reason'>;
  /** Connections not logged in yet, per client address (the limit's bookkeeping). */
  private readonly anonymous = new Map<string, number>();
  private anonymousTotal = 0;
  private readonly proxies: BlockList;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(HomeRegions) private readonly homes: HomeRegions,
    @Inject(WsCommandRegistry) private readonly commands: WsCommandRegistry,
    @Inject(LiveRooms) private readonly live: LiveRooms,
    @Inject(Metrics) metrics: Metrics,
  ) {
    const registers = [metrics.registry];
    this.gauge = new Gauge({
      name: 'meridian_gateway_connections',
      help: 'Client WebSocket connections held by this instance',
      labelNames: ['state'],
      registers,
      collect: () => {
        let authed = 0;
        for (const c of this.connections.values()) if (c.session) authed++;
        this.gauge.set({ state: 'authenticated' }, authed);
        this.gauge.set({ state: 'anonymous' }, this.connections.size - authed);
      },
    });
    this.frames = new Counter({ name: 'meridian_gateway_frames_total', help: 'WebSocket frames', labelNames: ['direction', 'type'], registers });
    this.deliveries = new Counter({ name: 'meridian_gateway_deliveries_total', help: 'Deliveries by outcome', labelNames: ['status'], registers });
    this.refused = new Counter({ name: 'meridian_gateway_connections_refused_total', help: 'WebSocket connections closed at once (1013): too many not logged in', labelNames: ['reason'], registers });
    this.proxies = trustedProxies(config.MERIDIAN_TRUSTED_PROXIES.split(','));
  }

  onApplicationBootstrap(): void {
    const server = this.http.httpAdapter.getHttpServer() as import('node:http').Server;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.config.MERIDIAN_WS_MAX_FRAME_BYTES });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.timers.push(setInterval(() => this.sweep(), Math.min(1000, this.config.MERIDIAN_WS_HEARTBEAT_MS)));
    this.timers.push(setInterval(() => void this.touchSessions(), this.config.MERIDIAN_WS_TOUCH_INTERVAL_MS));
    for (const t of this.timers) t.unref();
  }

  /** Drain: tell every client to reconnect elsewhere, end their sessions, then close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    for (const t of this.timers) clearInterval(t);
    const all = [...this.connections.values()];
    for (const c of all) c.send({ v: 1, t: 'reconnect', reason: 'drain', afterMs: 0 });
    if (all.length) await new Promise((r) => setTimeout(r, this.config.MERIDIAN_WS_DRAIN_MS));
    await Promise.allSettled(all.filter((c) => c.session && !c.ended).map((c) => this.endSession(c, 'Disconnect')));
    for (const c of all) c.close(CloseCode.GOING_AWAY, 'server shutting down');
    this.wss?.close();
    this.logger.log({ connections: all.length }, 'drained client connections');
  }

  /** Push: send deliveries to the connections held here and wait (bounded) for the client acks. */
  async deliver(deliveries: gatewayV1.Delivery[], ackTimeoutMs: number): Promise<gatewayV1.DeliveryResult[]> {
    const timeout = ackTimeoutMs || this.config.MERIDIAN_WS_ACK_TIMEOUT_MS;
    return Promise.all(
      deliveries.map(async (d) => {
        const conn = this.byLogin.get(d.loginId);
        if (!conn || conn.id !== d.connectionId || !conn.open) {
          this.deliveries.inc({ status: 'not_connected' });
          return { deliveryId: d.deliveryId, status: gatewayV1.DeliveryStatus.DELIVERY_STATUS_NOT_CONNECTED };
        }
        const frame = pushFrame(d.kind, d.body)(d.deliveryId);
        const acked = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            conn.pending.delete(d.deliveryId);
            resolve(false);
          }, timeout);
          conn.pending.set(d.deliveryId, () => {
            clearTimeout(timer);
            conn.pending.delete(d.deliveryId);
            resolve(conn.open);
          });
          conn.sendText(frame);
          this.frames.inc({ direction: 'out', type: 'push' });
        });
        this.deliveries.inc({ status: acked ? 'acked' : 'timeout' });
        return {
          deliveryId: d.deliveryId,
          status: acked ? gatewayV1.DeliveryStatus.DELIVERY_STATUS_ACKED : gatewayV1.DeliveryStatus.DELIVERY_STATUS_TIMEOUT,
        };
      }),
    );
  }

  /** An AVChatRoom frame for every connection here in the room (online only: no acks, no retries). */
  deliverLive(sdkAppId: number, groupId: string, kind: string, bodyBytes: Uint8Array, excludeLoginId: string): number {
    // The frame is built once; each connection only gets its own delivery id.
    const frame = pushFrame(kind, bodyBytes);
    let delivered = 0;
    for (const id of this.live.members(roomKey(sdkAppId, groupId))) {
      const conn = this.connections.get(id);
      if (!conn?.open || !conn.session || conn.session.loginId === excludeLoginId) continue;
      conn.sendText(frame(`live:${groupId}:${++this.liveSeq}`));
      delivered++;
    }
    this.frames.inc({ direction: 'out', type: 'push' }, delivered);
    return delivered;
  }

  private liveSeq = 0;

  /** Closes a session's connection with a kicked frame the client sees. */
  closeSession(loginId: string, connectionId: string, reason: string): boolean {
    const conn = this.byLogin.get(loginId);
    if (!conn || (connectionId && conn.id !== connectionId)) return false;
    conn.ended = true;
    conn.send({ v: 1, t: 'kicked', code: ErrorCode.CLIENT_KICKED, reason });
    this.forget(conn);
    conn.close(CloseCode.KICKED, reason);
    return true;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH || this.draining || !this.wss) {
      socket.end(`HTTP/1.1 ${path === WS_PATH ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.proxies);
    // Until it logs in a connection costs us and proves nothing: bounded per address and in all.
    const fromHere = this.anonymous.get(address) ?? 0;
    if (fromHere >= this.config.MERIDIAN_WS_MAX_ANONYMOUS_PER_ADDRESS || this.anonymousTotal >= this.config.MERIDIAN_WS_MAX_ANONYMOUS) {
      const reason = fromHere >= this.config.MERIDIAN_WS_MAX_ANONYMOUS_PER_ADDRESS ? 'address' : 'total';
      this.refused.inc({ reason });
      ws.close(CloseCode.TRY_AGAIN_LATER, reason === 'address' ? 'too many connections not logged in from this address' : 'too many connections not logged in');
      return;
    }
    this.anonymous.set(address, fromHere + 1);
    this.anonymousTotal++;
    const conn = new ClientConnection(ws, address, this.config.MERIDIAN_WS_RATE_PER_S, this.config.MERIDIAN_WS_BURST);
    conn.anonymous = true;
    this.connections.set(conn.id, conn);
    // A frame's failure is that frame's (and at worst that connection's), never the process's.
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void this.onMessage(conn, data, isBinary).catch((err: unknown) => {
        this.logger.error({ err }, 'WebSocket frame handling failed');
        conn.close(CloseCode.INTERNAL_ERROR, 'internal error');
      });
    });
    ws.on('close', () => {
      void this.onClose(conn).catch((err: unknown) => this.logger.error({ err }, 'WebSocket close handling failed'));
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes with 1009 on an oversized frame; anything else is logged.
      if (err.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.logger.warn({ error: err.message }, 'WebSocket error');
    });
  }

  private async onMessage(conn: ClientConnection, data: RawData, isBinary: boolean): Promise<void> {
    conn.lastSeen = Date.now();
    if (!conn.take()) return this.strike(conn, ErrorCode.TOO_FREQUENT, 'sending too fast; slow down');
    if (isBinary) return this.strike(conn, ErrorCode.INVALID_PARAMETER, 'binary frames are reserved; send JSON text frames');
    let frame: ClientFrame;
    try {
      frame = parseFrame(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    } catch (err) {
      if (err instanceof FrameError) return this.strike(conn, err.code, err.message, err.id);
      throw err;
    }
    this.frames.inc({ direction: 'in', type: frame.t });
    switch (frame.t) {
      case 'ping':
        conn.send({ v: 1, t: 'pong', id: frame.id, time: Date.now() });
        return;
      case 'ack':
        for (const did of frame.dids) conn.pending.get(did)?.();
        return;
      case 'login':
        return this.login(conn, frame.id, frame.body);
      case 'logout':
        if (!conn.session) return void conn.send({ v: 1, t: 'res', id: frame.id, code: ErrorCode.CLIENT_NOT_LOGGED_IN, info: 'not logged in' });
        await this.endSession(conn, 'Logout');
        conn.send({ v: 1, t: 'res', id: frame.id, code: 0, info: '' });
        this.forget(conn);
        conn.close(CloseCode.LOGGED_OUT, 'logged out');
        return;
      case 'req':
        return this.request(conn, frame.id, frame.cmd, frame.body);
    }
  }

  private async login(conn: ClientConnection, id: number, body: LoginBody): Promise<void> {
    if (conn.session) return void conn.send({ v: 1, t: 'res', id, code: ErrorCode.INVALID_PARAMETER, info: 'already logged in on this connection' });
    try {
      const homeRegion = await this.homes.of(body.sdkAppId);
      const auth = this.clients.service<authV1.AuthServiceClient>('auth', homeRegion);
      const res = await auth.login(
        {
          sdkAppId: body.sdkAppId,
          userId: body.userId,
          userSig: body.userSig,
          platform: body.platform,
          gatewayRegion: this.platform.region,
          gatewayInstance: this.platform.instanceId,
          connectionId: conn.id,
          gatewayAddress: this.platform.grpc.advertise,
          replaceLoginId: body.resumeLoginId ?? '',
          clientIp: conn.remoteAddress,
        },
        { deadlineMs: this.config.MERIDIAN_WS_REQUEST_TIMEOUT_MS },
      );
      if (!conn.open) {
        // The client left while we logged it in: end the session we just made.
        await auth.logout({ sdkAppId: body.sdkAppId, userId: body.userId, loginId: res.session!.loginId, reason: 'Disconnect' }).catch(() => undefined);
        return;
      }
      conn.session = { sdkAppId: body.sdkAppId, userId: body.userId, loginId: res.session!.loginId, platform: body.platform, homeRegion };
      this.leftAnonymous(conn);
      this.byLogin.set(conn.session.loginId, conn);
      conn.send({
        v: 1,
        t: 'res',
        id,
        code: 0,
        info: '',
        body: {
          loginId: conn.session.loginId,
          connectionId: conn.id,
          region: this.platform.region,
          homeRegion,
          heartbeatMs: this.config.MERIDIAN_WS_HEARTBEAT_MS,
          idleTimeoutMs: this.config.MERIDIAN_WS_IDLE_TIMEOUT_MS,
          serverTime: Date.now(),
        },
      });
    } catch (err) {
      const code = MeridianError.is(err) ? err.code : ErrorCode.INTERNAL;
      conn.send({ v: 1, t: 'res', id, code, info: MeridianError.is(err) ? err.message : 'internal error' });
      conn.strikes++;
      if (conn.strikes >= this.config.MERIDIAN_WS_MAX_STRIKES) conn.close(CloseCode.POLICY, 'too many failed logins');
    }
  }

  private async request(conn: ClientConnection, id: number, cmd: string, body: Record<string, unknown>): Promise<void> {
    if (!conn.session) return void conn.send({ v: 1, t: 'res', id, code: ErrorCode.CLIENT_NOT_LOGGED_IN, info: 'log in first' });
    const command = this.commands.find(cmd);
    if (!command) return this.strike(conn, ErrorCode.BAD_RESOURCE, `unknown command ${JSON.stringify(cmd.slice(0, 64))}`, id);
    // Lone surrogates and NUL never reach a service (they broke gRPC status encoding and the store).
    const malformed = findMalformedText(body);
    if (malformed) return void conn.send({ v: 1, t: 'res', id, code: invalidParameterCodeForWs(cmd), info: describeTextProblem(malformed) });
    try {
      // Tencent's leniency: JSON null is the same as an absent field (libs/contracts tencent/leniency).
      const result = await command.handle({ session: conn.session, connectionId: conn.id, clientIp: conn.remoteAddress }, withoutNulls(body) as Record<string, unknown>);
      conn.send({ v: 1, t: 'res', id, code: 0, info: '', body: result });
    } catch (err) {
      if (!MeridianError.is(err)) this.logger.error({ cmd, err }, 'WebSocket command failed');
      const code = MeridianError.is(err) ? err.code : ErrorCode.INTERNAL;
      conn.send({ v: 1, t: 'res', id, code, info: MeridianError.is(err) ? err.message : 'internal error' });
    }
  }

  /** Answers a protocol violation; past the strike limit the connection is closed (1008). */
  private strike(conn: ClientConnection, code: number, info: string, id?: number): void {
    conn.strikes++;
    conn.send({ v: 1, t: 'error', code, info, ...(id !== undefined ? { id } : {}) });
    this.frames.inc({ direction: 'in', type: 'invalid' });
    if (conn.strikes >= this.config.MERIDIAN_WS_MAX_STRIKES) conn.close(CloseCode.POLICY, 'too many protocol errors');
  }

  /** A connection stops counting as anonymous once: when it logs in or closes. */
  private leftAnonymous(conn: ClientConnection): void {
    if (!conn.anonymous) return;
    conn.anonymous = false;
    this.anonymousTotal--;
    const left = (this.anonymous.get(conn.remoteAddress) ?? 1) - 1;
    if (left > 0) this.anonymous.set(conn.remoteAddress, left);
    else this.anonymous.delete(conn.remoteAddress);
  }

  private async onClose(conn: ClientConnection): Promise<void> {
    this.connections.delete(conn.id);
    this.leftAnonymous(conn);
    const rooms = this.live.drop(conn.id);
    if (rooms.length && conn.session) void this.leaveRooms(conn.session, rooms);
    for (const resolve of conn.pending.values()) resolve();
    if (conn.session && !conn.ended && !this.draining) await this.endSession(conn, 'Disconnect');
    this.forget(conn);
  }

  /** A closed connection leaves its AVChatRooms (the group service keeps the audience count). */
  private async leaveRooms(s: NonNullable<ClientConnection['session']>, rooms: string[]): Promise<void> {
    for (const room of rooms) {
      const groupId = room.slice(room.indexOf(':') + 1);
      try {
        await this.clients.service<groupV1.GroupServiceClient>('group', s.homeRegion).execute({
          sdkAppId: s.sdkAppId,
          command: 'quit_group',
          operator: s.userId,
          operatorIsAdmin: false,
          bodyJson: Buffer.from(JSON.stringify({ GroupId: groupId })),
          loginId: s.loginId,
          gatewayAddress: this.platform.grpc.advertise,
          gatewayRegion: this.platform.region,
          origin: undefined,
        });
      } catch (err) {
        this.logger.warn({ groupId, error: (err as Error).message }, 'could not leave an AVChatRoom');
      }
    }
  }

  private async endSession(conn: ClientConnection, reason: 'Logout' | 'Disconnect'): Promise<void> {
    const s = conn.session;
    if (!s || conn.ended) return;
    conn.ended = true;
    try {
      await this.clients.service<authV1.AuthServiceClient>('auth', s.homeRegion).logout({ sdkAppId: s.sdkAppId, userId: s.userId, loginId: s.loginId, reason });
    } catch (err) {
      // The session then ends by expiry (TimeOut) when this gateway stops touching it.
      this.logger.warn({ error: (err as Error).message }, 'logout failed');
    }
  }

  private forget(conn: ClientConnection): void {
    if (conn.session && this.byLogin.get(conn.session.loginId) === conn) this.byLogin.delete(conn.session.loginId);
  }

  /** Login and idle timeouts. */
  private sweep(): void {
    const now = Date.now();
    for (const conn of this.connections.values()) {
      if (!conn.session && now - conn.openedAt > this.config.MERIDIAN_WS_LOGIN_TIMEOUT_MS) conn.close(CloseCode.LOGIN_TIMEOUT, 'login timeout');
      else if (now - conn.lastSeen > this.config.MERIDIAN_WS_IDLE_TIMEOUT_MS) conn.close(CloseCode.IDLE, 'idle timeout');
    }
  }

  /** Keeps this instance's sessions alive in each home region; closes the ones that are gone. */
  private async touchSessions(): Promise<void> {
    const byHome = new Map<string, ClientConnection[]>();
    for (const c of this.byLogin.values()) {
      if (!c.session || c.ended) continue;
      // Appended in place: copying the list for every connection made this loop quadratic
      // (4.2 s of CPU per tick at 25,000 connections).
      const list = byHome.get(c.session.homeRegion);
      if (list) list.push(c);
      else byHome.set(c.session.homeRegion, [c]);
    }
    for (const [region, conns] of byHome) {
      for (let i = 0; i < conns.length; i += 500) {
        const batch = conns.slice(i, i + 500);
        try {
          const res = await this.clients.service<authV1.AuthServiceClient>('auth', region).touchSessions({
            sessions: batch.map((c) => ({ sdkAppId: c.session!.sdkAppId, userId: c.session!.userId, loginId: c.session!.loginId })),
          });
          // A session that is gone was usually ended on purpose (kick, other device) and push is
          // bringing that reason; close here only if it is still open one touch later.
          for (const loginId of res.goneLoginIds) {
            const conn = this.byLogin.get(loginId);
            if (!conn) continue;
            if (conn.goneSince) this.closeSession(loginId, '', 'SessionExpired');
            else conn.goneSince = Date.now();
          }
        } catch (err) {
          this.logger.warn({ region, error: (err as Error).message }, 'touching sessions failed');
        }
      }
    }
  }
}
