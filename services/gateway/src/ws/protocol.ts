import { ErrorCode, describeTextProblem, findMalformedText, textFault } from '@meridian/contracts';

/**
 * Client protocol v1 (docs/protocol.md): one WebSocket per device, JSON text frames
 * `{"v":1,"t":<type>,...}`. Binary frames are reserved for a future encoding and refused today.
 */
export const PROTOCOL_VERSION = 1;

export type ClientFrame =
  | { t: 'login'; id: number; body: LoginBody }
  | { t: 'ping'; id?: number }
  | { t: 'req'; id: number; cmd: string; body: Record<string, unknown> }
  | { t: 'ack'; dids: string[] }
  | { t: 'logout'; id: number };

export interface LoginBody {
  sdkAppId: number;
  userId: string;
  userSig: string;
  platform: string;
  /** The loginId of this device's previous connection, when reconnecting. */
  resumeLoginId?: string;
}

export type ServerFrame =
  | { v: 1; t: 'res'; id: number; code: number; info: string; body?: unknown }
  | { v: 1; t: 'pong'; id?: number; time: number }
  | { v: 1; t: 'push'; did: string; kind: string; body: unknown }
  | { v: 1; t: 'kicked'; code: number; reason: string }
  | { v: 1; t: 'reconnect'; reason: string; afterMs: number }
  | { v: 1; t: 'error'; code: number; info: string; id?: number };

/** WebSocket close codes we use (4000-4999 are application codes). */
export const CloseCode = {
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  /** A bug on our side while handling a frame (logged); the client reconnects. */
  INTERNAL_ERROR: 1011,
  /** Too many connections waiting to log in (from this address, or in all): retry later. */
  TRY_AGAIN_LATER: 1013,
  IDLE: 4000,
  LOGIN_TIMEOUT: 4001,
  KICKED: 4002,
  LOGGED_OUT: 4003,
} as const;

export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly id?: number,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;

/** Parses and validates one text frame; throws FrameError with the code to answer. */
export function parseFrame(text: string): ClientFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FrameError(ErrorCode.JSON_FORMAT, 'frame is not valid JSON');
  }
  if (!isObject(raw)) throw new FrameError(ErrorCode.JSON_FORMAT, 'frame must be a JSON object');
  const id = isId(raw['id']) ? raw['id'] : undefined;
  if (raw['v'] !== PROTOCOL_VERSION) throw new FrameError(ErrorCode.INVALID_PARAMETER, `unsupported protocol version ${String(raw['v'])}; use 1`, id);
  switch (raw['t']) {
    case 'login': {
      const body = raw['body'];
      if (id === undefined || !isObject(body)) throw new FrameError(ErrorCode.INVALID_PARAMETER, 'login needs id and body', id);
      const { sdkAppId, userId, userSig, platform, resumeLoginId } = body;
      if (typeof sdkAppId !== 'number' || typeof userId !== 'string' || typeof userSig !== 'string' || typeof platform !== 'string') {
        throw new FrameError(ErrorCode.INVALID_PARAMETER, 'login body needs sdkAppId (number), userId, userSig and platform (strings)', id);
      }
      if (resumeLoginId !== undefined && typeof resumeLoginId !== 'string') throw new FrameError(ErrorCode.INVALID_PARAMETER, 'resumeLoginId must be a string', id);
      const malformed = findMalformedText({ userId, userSig, platform, resumeLoginId }, 'login');
      if (malformed) throw new FrameError(ErrorCode.INVALID_PARAMETER, describeTextProblem(malformed), id);
      return { t: 'login', id, body: { sdkAppId, userId, userSig, platform, resumeLoginId } };
    }
    case 'ping':
      return { t: 'ping', id };
    case 'req': {
      const cmd = raw['cmd'];
      const body = raw['body'] ?? {};
      if (id === undefined || typeof cmd !== 'string' || !isObject(body)) throw new FrameError(ErrorCode.INVALID_PARAMETER, 'req needs id, cmd and an object body', id);
      if (textFault(cmd)) throw new FrameError(ErrorCode.BAD_RESOURCE, 'unknown command', id);
      return { t: 'req', id, cmd, body };
    }
    case 'ack': {
      const dids = raw['dids'];
      if (!Array.isArray(dids) || dids.length > 1000 || !dids.every((d) => typeof d === 'string')) {
        throw new FrameError(ErrorCode.INVALID_PARAMETER, 'ack needs dids: string[] (at most 1000)');
      }
      return { t: 'ack', dids };
    }
    case 'logout':
      if (id === undefined) throw new FrameError(ErrorCode.INVALID_PARAMETER, 'logout needs id');
      return { t: 'logout', id };
    default:
      throw new FrameError(ErrorCode.BAD_RESOURCE, `unknown frame type ${JSON.stringify(raw['t'])}`, id);
  }
}

export function encode(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/**
 * A push frame built around its body's JSON text instead of parsing and re-serialising it: the
 * text is checked once (invalid text becomes `null`, as a parse failure did), then spliced. `frame`
 * gives the frame for one delivery id; a room's fan-out builds the parts once and only the id
 * differs per connection. Same JSON as `encode` of the parsed frame.
 */
export function pushFrame(kind: string, bodyBytes: Uint8Array): (did: string) => string {
  const text = Buffer.from(bodyBytes).toString('utf8');
  let body = 'null';
  try {
    JSON.parse(text);
    body = text;
  } catch {
    // Not JSON: the client gets `null`, never the bytes.
  }
  const tail = `,"kind":${JSON.stringify(kind)},"body":${body}}`;
  return (did) => `{"v":1,"t":"push","did":${JSON.stringify(did)}${tail}`;
}
