import type { z } from 'zod';
import { REST_OPT_PLATFORM, optPlatformOf, type Aliases, type JsonObject, type ServiceName } from '@meridian/contracts';
import type { originEventsV1 } from '@meridian/proto';
import type { GrpcClients, PlatformConfig, PromiseClient } from '@meridian/platform';
import type { GatewayConfig } from '../gateway.config';
import type { HistoryExportService } from '../history/history-export.service';
import type { MediaRouter } from '../media/media-router';
import type { LiveRooms } from '../ws/live-rooms';

/**
 * One Tencent command at the edge, for REST and WebSocket alike (commands.table.ts lists them).
 * The runner (edge-table.ts) reads a body leniently (null = absent, `aliases`), parses it with
 * `schema` (zod, libs/contracts/src/tencent; a refusal carries Tencent's code), then either maps
 * it to one gRPC call (`call`, `request`, `answer`) or, for a command that needs more than one
 * call, hands it to `run`.
 */
export interface EdgeCall {
  face: 'rest' | 'ws';
  sdkAppId: number;
  /** REST: the calling App admin; WebSocket: the logged-in user. */
  operator: string;
  isAdmin: boolean;
  /** The WebSocket device's login ('' on REST). */
  loginId: string;
  /** The WebSocket connection ('' on REST). */
  connectionId: string;
  /** The WebSocket device's platform ('' on REST). */
  platform: string;
  /** The app's home region: where the owning service is called. */
  homeRegion: string;
  /** The region the call entered through. */
  entryRegion: string;
  /** The caller's address (REST: from the trusted-proxy rule; WebSocket: the connection's). */
  clientIp: string;
  deps: EdgeDeps;
}

/**
 * Who made a request, for every call that can end in a callback (Tencent's OptPlatform, ClientIP
 * and Operator_Account / Admin_Account): REST is `RESTAPI` and the app admin; WebSocket the
 * logged-in user on their device's platform.
 */
export function originOf(c: EdgeCall): originEventsV1.Origin {
  return c.face === 'rest' ? { platform: REST_OPT_PLATFORM, clientIp: c.clientIp, operator: c.operator } : { platform: optPlatformOf(c.platform), clientIp: c.clientIp, operator: c.operator };
}

export interface EdgeDeps {
  clients: GrpcClients;
  platform: PlatformConfig;
  config: GatewayConfig;
  live: LiveRooms;
  history: HistoryExportService;
  media: MediaRouter;
}

/** A typed reference to one RPC of a service's generated client. */
export interface Rpc<C, M extends keyof C> {
  service: ServiceName;
  method: M;
  /** Never read: carries the client type. */
  readonly client?: C;
}

export function rpc<C>(service: ServiceName) {
  return <M extends keyof PromiseClient<C> & string>(method: M): Rpc<PromiseClient<C>, M> => ({ service, method });
}

type Fn = (...args: never[]) => Promise<unknown>;
type ReqOf<C, M extends keyof C> = C[M] extends Fn ? Parameters<C[M]>[0] : never;
type ResOf<C, M extends keyof C> = C[M] extends Fn ? Awaited<ReturnType<C[M]>> : never;

interface RowBase<S extends z.ZodType> {
  /** REST path "<service>/<command>" (e.g. "openim/query_online_status"); absent: not on REST. */
  rest?: string;
  /** WebSocket command "<area>.<command>"; absent: not on the WebSocket. */
  ws?: string;
  schema: S;
  /** Old field names and variants real clients send, read as the current name: {old: current}. */
  aliases?: Aliases;
  /** Calls per second per app on REST (Tencent's per-API limit); default from config (200). */
  rate?: number;
  /** The code for a refused field that carries none (default: the face's invalid-parameter code). */
  invalid?: number;
  /** The README's notes for the REST table (and the OpenAPI description). */
  doc: string;
}

export interface CallRow<S extends z.ZodType, C, M extends keyof C> extends RowBase<S> {
  call: Rpc<C, M>;
  request: (c: EdgeCall, input: z.output<S>) => ReqOf<C, M>;
  answer?: (res: ResOf<C, M>, input: z.output<S>, c: EdgeCall) => JsonObject;
}

export interface RunRow<S extends z.ZodType> extends RowBase<S> {
  /** The owning service, for the docs. */
  service: ServiceName;
  run: (c: EdgeCall, input: z.output<S>) => Promise<JsonObject>;
}

/** A row as the runner sees it (its types erased). */
export interface EdgeRow {
  rest?: string;
  ws?: string;
  service: ServiceName;
  schema: z.ZodType;
  aliases?: Aliases;
  rate?: number;
  invalid?: number;
  doc: string;
  handle: (c: EdgeCall, input: unknown) => Promise<JsonObject>;
}

/** A row that is one gRPC call: the request mapper, the call (with the platform's deadline), the answer mapper. */
export function callRow<S extends z.ZodType, C, M extends keyof C>(row: CallRow<S, C, M>): EdgeRow {
  const { call, request, answer, ...rest } = row;
  return {
    ...rest,
    service: call.service,
    handle: async (c, input) => {
      const client = c.deps.clients.service<C>(call.service, c.homeRegion) as unknown as Record<M, (req: unknown) => Promise<ResOf<C, M>>>;
      const res = await client[call.method](request(c, input as z.output<S>));
      return answer ? answer(res, input as z.output<S>, c) : {};
    },
  };
}

/** A row that needs more than one call (or none). */
export function runRow<S extends z.ZodType>(row: RunRow<S>): EdgeRow {
  const { run, ...rest } = row;
  return { ...rest, handle: (c, input) => run(c, input as z.output<S>) };
}
