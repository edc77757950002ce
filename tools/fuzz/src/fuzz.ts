import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import WebSocket from 'ws';
import { REST_PATHS, WS_COMMANDS } from '../../../services/gateway/src/edge/commands.table';

/**
 * Property-based fuzzing of the gateway's three inputs (issue #11): REST bodies and query
 * strings, WebSocket frames, and UserSigs. Every case must get a Tencent-style error code answer
 * (REST: HTTP 200 envelope with ActionStatus and a numeric ErrorCode; WS: a `res` or `error`
 * frame with a numeric code, or a close with a documented code), the gateway must keep answering
 * /healthz, and rejected input must change no state (checked by the callers with probes).
 */
export interface FuzzTarget {
  gatewayUrl: string;
  sdkAppId: number;
  admin: string;
  /** A valid UserSig for an identifier of the app. */
  sig: (identifier: string) => string;
  /** A second admin for UserSig cases (failed verifications count against an identifier). */
  sigAdmin: string;
  /** Logged-in fuzz users for WS cases, one per connection (not probe accounts). */
  wsUsers: string[];
  /** HTTP base URLs of every service process of the platform: none may restart or stop answering. */
  serviceUrls: string[];
}

export interface FuzzStats {
  cases: number;
  byKind: Record<string, number>;
  byCode: Record<string, number>;
  violations: string[];
  /** Service processes that restarted or stopped answering during the run (must be 0). */
  restarts: number;
  /** Cases answered with code 0 (accepted): they may change state, so callers exclude them from probes. */
  accepted: { kind: string; detail: string }[];
  ms: number;
}

/** Every REST command the gateway serves (its edge table), fuzzed with a valid admin UserSig. */
export const REST_COMMANDS = [...REST_PATHS];

/** Every WebSocket command of the edge table, plus names that must not exist. */
const WS_CMDS = [...WS_COMMANDS, 'nope.nothing', 'group.__proto__', 'constructor', ''];

/**
 * Strings that have broken parsers, validators, stores and transports: lone surrogates (grpc-js
 * could not encode them into a status and the service exited), NUL (PostgreSQL refuses it),
 * non-characters, bidi controls, over-long and multi-byte-heavy strings, and names that are
 * inherited members of every JavaScript object.
 */
export const HOSTILE_STRINGS = [
  '\ud800',
  '\udfff',
  'a\ud800b',
  '\udc00\ud800',
  '\u0000',
  'a\u0000',
  '\uFFFE',
  '\uFFFF',
  '\u{10FFFF}',
  '\u202E\u2066evil\u2069',
  '\u200B',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '$where',
  'a.b',
  '😀',
  'é'.repeat(6000),
  '😀'.repeat(4000),
  'a'.repeat(40_000),
];

/** Field names of Tencent bodies (so hostile values land in real string fields of every command). */
const FIELD_NAMES = [
  'To_Account',
  'From_Account',
  'MsgBody',
  'MsgRandom',
  'MsgKey',
  'MsgSeq',
  'GroupId',
  'UserID',
  'Identifier',
  'Accounts',
  'DeleteItem',
  'CheckItem',
  'ProfileItem',
  'TagList',
  'AddFriendItem',
  'UpdateItem',
  'MemberList',
  'Member_Account',
  'Owner_Account',
  'NewOwner_Account',
  'Type',
  'Name',
  'Introduction',
  'Notification',
  'FaceUrl',
  'NameCard',
  'AppDefinedData',
  'Key',
  'Value',
  'Tag',
  'MsgType',
  'MsgContent',
  'Text',
  'Data',
  'Desc',
  'CloudCustomData',
  'OfflinePushInfo',
  'Operator_Account',
  'Peer_Account',
  'Report_Account',
  'Set_Account',
  'Get_Account',
  'GroupName',
  'ChatType',
  'MsgTime',
  'AttrNames',
  'Attrs',
  'Tags',
  'MaxCnt',
  'MinTime',
  'MaxTime',
  '__proto__',
  'constructor',
];

/** Close codes a fuzzed connection may legitimately end with (docs/protocol.md). */
const OK_CLOSES = new Set([1008, 1009, 4000, 4001, 4002, 4003]);

/** Arbitrary JSON-ish values biased towards the edges that break parsers and validators. */
const edgy = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 32, 2 ** 53, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, '', ' ', '0', 'sigadmin', 'p1', 'p2', 'p3'),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom('p1', 'p2', '@probe').chain((base) => fc.constantFrom(...HOSTILE_STRINGS.slice(0, 11)).map((h) => `${base}${h}`)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer(),
  fc.double(),
);
const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, edgy, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...FIELD_NAMES), fc.constantFrom(...HOSTILE_STRINGS.slice(0, 16))), tie('v'), { maxKeys: 5 })),
})).v;

/** Bodies shaped like the real ones (right field names, wrong or odd values) plus free-form JSON. */
const restBody = fc.oneof(
  jsonValue,
  fc.record(
    {
      UserID: edgy,
      From_Account: fc.oneof(edgy, fc.constant('p1')),
      To_Account: fc.oneof(edgy, fc.array(edgy, { maxLength: 3 }), fc.constant('p2')),
      MsgRandom: edgy,
      MsgBody: fc.oneof(jsonValue, fc.array(fc.record({ MsgType: fc.oneof(edgy, fc.constantFrom('TIMTextElem', 'TIMCustomElem', 'TIMNope')), MsgContent: jsonValue }, { requiredKeys: [] }), { maxLength: 3 })),
      GroupId: fc.oneof(edgy, fc.constant('@probe')),
      Type: fc.oneof(edgy, fc.constantFrom('Public', 'Private', 'ChatRoom', 'AVChatRoom', 'Work', 'Community')),
      Name: edgy,
      Owner_Account: edgy,
      ProfileItem: fc.oneof(jsonValue, fc.array(fc.record({ Tag: fc.oneof(edgy, fc.constantFrom('Tag_Profile_IM_Nick', 'Tag_Profile_IM_Gender')), Value: edgy }), { maxLength: 3 })),
      AddFriendItem: jsonValue,
      Operator_Account: edgy,
      Peer_Account: edgy,
      MaxCnt: edgy,
      MinTime: edgy,
      MaxTime: edgy,
    },
    { requiredKeys: [] },
  ),
);

const queryString = fc.oneof(edgy.map(String), fc.string({ maxLength: 30 }), fc.constant(undefined));

export type FuzzCase =
  | { kind: 'rest-body'; command: string; body: unknown; raw?: string }
  | { kind: 'rest-query'; command: string; query: Record<string, string | undefined>; body: unknown }
  | { kind: 'usersig'; sig: string; how: string }
  | { kind: 'ws'; frames: (string | Buffer)[] };

const randomSigPayload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ how: 'random-bytes', sig: Buffer.from(b).toString('base64') })),
  jsonValue.map((v) => ({ how: 'zlib-json', sig: tencentB64(deflateSync(Buffer.from(JSON.stringify(v) ?? 'null'))) })),
  fc
    .record({ 'TLS.ver': fc.oneof(edgy, fc.constant('2.0')), 'TLS.identifier': fc.oneof(edgy, fc.constant('administrator')), 'TLS.sdkappid': edgy, 'TLS.time': edgy, 'TLS.expire': edgy, 'TLS.sig': edgy }, { requiredKeys: [] })
    .map((v) => ({ how: 'zlib-tls-fields', sig: tencentB64(deflateSync(Buffer.from(JSON.stringify(v)))) })),
  fc.string({ maxLength: 200 }).map((s) => ({ how: 'random-string', sig: s })),
);

/** Tencent's UserSig base64 alphabet: + → *, / → -, = → _. */
function tencentB64(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

/** `valid`: the one valid UserSig the mutations start from (and the acceptance check compares with). */
export function caseArbitrary(target: FuzzTarget, valid: string): fc.Arbitrary<FuzzCase> {
  const mutated = fc
    .tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom(...'ABCxyz019*-_+/='.split('')), fc.constantFrom('replace', 'delete', 'insert', 'truncate'))
    .map(([i, ch, op]) => {
      const s = op === 'replace' ? valid.slice(0, i) + ch + valid.slice(i + 1) : op === 'delete' ? valid.slice(0, i) + valid.slice(i + 1) : op === 'insert' ? valid.slice(0, i) + ch + valid.slice(i) : valid.slice(0, i);
      return { how: `mutated-${op}`, sig: s };
    });
  const frame = fc.oneof(
    fc.string({ maxLength: 100 }),
    jsonValue.map((v) => JSON.stringify(v) ?? 'null'),
    fc.record({ v: fc.oneof(fc.constant(1), edgy), t: fc.oneof(fc.constantFrom('req', 'ping', 'ack', 'login', 'logout', 'push', 'nope'), edgy), id: fc.oneof(fc.nat(), edgy), cmd: fc.oneof(fc.constantFrom(...WS_CMDS), edgy), body: fc.oneof(restBody, jsonValue), dids: jsonValue }, { requiredKeys: ['v', 't'] }).map((v) => JSON.stringify(v)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
    fc.constant('x'.repeat(70_000)),
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('rest-body' as const), command: fc.oneof(fc.constantFrom(...REST_COMMANDS), fc.constantFrom('openim/nope', 'x/y', 'OPENIM/SENDMSG')), body: restBody }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('rest-body' as const), command: fc.constantFrom(...REST_COMMANDS), body: fc.constant(null), raw: fc.oneof(fc.string({ maxLength: 60 }), fc.constant('{"a":'), fc.constant('[]'), fc.constant('')) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('rest-query' as const),
        command: fc.constantFrom(...REST_COMMANDS),
        query: fc.record({ sdkappid: queryString, identifier: queryString, usersig: queryString, random: queryString, contenttype: fc.oneof(queryString, fc.constant('json')) }, { requiredKeys: [] }),
        body: restBody,
      }),
    },
    { weight: 2, arbitrary: fc.oneof(randomSigPayload, mutated).map((s) => ({ kind: 'usersig' as const, ...s })) },
    { weight: 3, arbitrary: fc.array(frame, { minLength: 1, maxLength: 3 }).map((frames) => ({ kind: 'ws' as const, frames })) },
  );
}

/** Runs `cases` cases from `seed`, `concurrency` at a time; classifies every answer. */
export async function runFuzz(target: FuzzTarget, opts: { cases: number; seed: number; concurrency: number; onProgress?: (s: FuzzStats) => void }): Promise<FuzzStats> {
  const stats: FuzzStats = { cases: 0, byKind: {}, byCode: {}, violations: [], restarts: 0, accepted: [], ms: 0 };
  const started = Date.now();
  const startedAt = await processStartTimes(target.serviceUrls);
  // One valid sig for the whole run: a second one (another TLS.time) would make a mutation of the
  // first look like a forgery when it is only the first with its padding cut.
  const valid = target.sig(target.sigAdmin);
  const samples = fc.sample(caseArbitrary(target, valid), { numRuns: opts.cases, seed: opts.seed });
  const ws = Array.from({ length: opts.concurrency }, (_, i) => new WsSession(target, target.wsUsers[i % target.wsUsers.length]!));
  let next = 0;
  let lastProgress = Date.now();
  const worker = async (w: number) => {
    while (next < samples.length) {
      const c = samples[next++]!;
      let code: string;
      try {
        code = await runCase(target, c, ws[w]!, valid);
      } catch (err) {
        code = 'violation';
        if (stats.violations.length < 50) stats.violations.push(`${(err as Error).message} :: ${JSON.stringify(c).slice(0, 300)}`);
      }
      stats.cases++;
      stats.byKind[c.kind] = (stats.byKind[c.kind] ?? 0) + 1;
      stats.byCode[code] = (stats.byCode[code] ?? 0) + 1;
      if (code === '0' && stats.accepted.length < 1000) stats.accepted.push({ kind: c.kind, detail: JSON.stringify(c).slice(0, 4000) });
      if (opts.onProgress && Date.now() - lastProgress > 10_000) {
        lastProgress = Date.now();
        opts.onProgress({ ...stats, ms: Date.now() - started });
      }
    }
  };
  await Promise.all(ws.map((_, i) => worker(i)));
  for (const s of ws) s.close();
  // No crash: the gateway still answers.
  const health = await fetch(`${target.gatewayUrl}/healthz`).then((r) => r.status, () => 0);
  if (health !== 200) stats.violations.push(`gateway /healthz answered ${health} after the run`);
  // No crash anywhere: every service process is the one that answered before the run.
  const after = await processStartTimes(target.serviceUrls);
  for (const [url, t] of startedAt) {
    if (after.get(url) !== t) {
      stats.restarts++;
      stats.violations.push(`${url} ${after.get(url) === undefined ? 'stopped answering' : 'restarted'} during the run`);
    }
  }
  stats.ms = Date.now() - started;
  return stats;
}

/** Each service's process start time (from its /metrics); missing when it does not answer. */
export async function processStartTimes(urls: string[]): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  for (const url of urls) {
    const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.text() : ''), () => '');
    const m = /^meridian_process_start_time_seconds\{[^}]*\} ([0-9.e+]+)$/m.exec(text);
    out.set(url, m ? Number(m[1]) : undefined);
  }
  return out;
}

async function runCase(target: FuzzTarget, c: FuzzCase, ws: WsSession, validSig: string): Promise<string> {
  switch (c.kind) {
    case 'rest-body':
      return restCall(target, c.command, { usersig: target.sig(target.admin) }, c.raw ?? JSON.stringify(c.body) ?? 'null');
    case 'rest-query':
      return restCall(target, c.command, c.query, JSON.stringify(c.body) ?? 'null', true);
    case 'usersig': {
      const code = await restCall(target, 'im_open_login_svc/account_check', { identifier: target.sigAdmin, usersig: c.sig }, JSON.stringify({ CheckItem: [{ UserID: 'p1' }] }));
      // A mutation that decodes to the same bytes is still the valid sig (base64 is lenient).
      if (code === '0' && c.sig !== validSig && !sameSig(c.sig, validSig)) throw new Error(`a mutated UserSig was accepted (${c.how})`);
      return code;
    }
    case 'ws':
      return ws.run(c.frames);
  }
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the bytes a
 * careless encoder would write for it (WTF-8, `%ED%A0%80` for U+D800): invalid UTF-8 in the URL.
 */
export function percentEncode(s: string): string {
  return s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g, (ch) => {
    if (ch.length === 2 || ch < '\uD800' || ch > '\uDFFF') return encodeURIComponent(ch);
    const u = ch.charCodeAt(0);
    return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  });
}

/**
 * Whether two UserSigs carry the same credential: the same bytes, or zlib streams of the same
 * signed document. A character that only changes the unused bits after the last deflate block's
 * end code decodes to other bytes but the same document (a CI run drew one: the seed fixes the
 * mutations, not the valid sig, whose TLS.time changes every run): that is the valid sig spelled
 * differently, not a forgery, and the codec rightly accepts it.
 */
export function sameSig(a: string, b: string): boolean {
  const dec = (s: string) => Buffer.from(s.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64');
  const [x, y] = [dec(a), dec(b)];
  if (x.equals(y)) return true;
  const inflated = (buf: Buffer) => {
    try {
      return inflateSync(buf).toString('hex');
    } catch {
      return undefined;
    }
  };
  const ix = inflated(x);
  return ix !== undefined && ix === inflated(y);
}

async function restCall(target: FuzzTarget, command: string, query: Record<string, string | undefined>, body: string, replaceQuery = false): Promise<string> {
  const base: Record<string, string | undefined> = { sdkappid: String(target.sdkAppId), identifier: target.admin, random: String(Math.floor(Math.random() * 4294967295)), contenttype: 'json' };
  const params = replaceQuery ? query : { ...base, ...query };
  const qs = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${percentEncode(v!)}`)
    .join('&');
  const res = await fetch(`${target.gatewayUrl}/v4/${command}?${qs}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  // Node's HTTP server refuses a request line over 16 KiB before any route runs (431/414): a
  // transport limit, counted apart.
  if (res.status === 431 || res.status === 414) return `http-${res.status}`;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`REST ${command} answered HTTP ${res.status} with a non-JSON body: ${text.slice(0, 100)}`);
  }
  if (res.status !== 200) throw new Error(`REST ${command} answered HTTP ${res.status}`);
  if (typeof json['ErrorCode'] !== 'number' || (json['ActionStatus'] !== 'OK' && json['ActionStatus'] !== 'FAIL')) throw new Error(`REST ${command}: not a Tencent envelope: ${text.slice(0, 120)}`);
  if ((json['ErrorCode'] === 0) !== (json['ActionStatus'] === 'OK')) throw new Error(`REST ${command}: ActionStatus ${String(json['ActionStatus'])} with ErrorCode ${String(json['ErrorCode'])}`);
  return String(json['ErrorCode']);
}

/**
 * One logged-in connection reused across WS cases. Each fuzzed frame is followed by a sentinel
 * ping with a fresh id: everything that arrives before its pong is the fuzzed frame's answer.
 */
class WsSession {
  private ws?: WebSocket;
  private frames: Record<string, unknown>[] = [];
  private closed?: number;
  private id = 1_000_000;

  constructor(
    private readonly target: FuzzTarget,
    private readonly user: string,
  ) {}

  close(): void {
    this.ws?.terminate();
  }

  async run(frames: (string | Buffer)[]): Promise<string> {
    await this.ensure();
    const codes: number[] = [];
    for (const f of frames) {
      this.frames = [];
      const text = typeof f === 'string' ? f : '';
      let parsed: Record<string, unknown> | undefined;
      try {
        const v = JSON.parse(text) as unknown;
        parsed = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      } catch {
        parsed = undefined;
      }
      const t = parsed?.['t'];
      // Requests with an id are answered asynchronously (after gRPC): wait for their own answer.
      const reqId = (t === 'req' || t === 'login' || t === 'logout') && Number.isSafeInteger(parsed?.['id']) && (parsed!['id'] as number) >= 0 ? (parsed!['id'] as number) : undefined;
      this.ws!.send(f);
      const sentinel = ++this.id;
      if (this.closed === undefined) this.ws!.send(JSON.stringify({ v: 1, t: 'ping', id: sentinel }));
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (this.closed !== undefined) {
          if (!OK_CLOSES.has(this.closed)) throw new Error(`WS closed with ${this.closed}`);
          const code = this.closed;
          this.ws = undefined;
          return `close ${code}`;
        }
        const pong = this.frames.some((x) => x['t'] === 'pong' && x['id'] === sentinel);
        if (pong && (reqId === undefined || this.frames.some((x) => (x['t'] === 'res' || x['t'] === 'error') && (x['id'] === reqId || x['id'] === undefined)))) break;
        if (Date.now() > deadline) throw new Error('WS: no answer to the sentinel ping within 10 s');
        await new Promise((r) => setTimeout(r, 5));
      }
      for (const x of this.frames) {
        if (x['t'] === 'res' || x['t'] === 'error') {
          if (typeof x['code'] !== 'number') throw new Error(`WS ${String(x['t'])} frame without a numeric code: ${JSON.stringify(x).slice(0, 100)}`);
          codes.push(x['code']);
        }
      }
      // Only a well-formed ping (pong) or ack (silence) may go without a coded answer.
      const answered = this.frames.some((x) => x['t'] === 'res' || x['t'] === 'error' || (x['t'] === 'pong' && x['id'] !== sentinel));
      if (!answered && t !== 'ack' && t !== 'ping') throw new Error(`WS frame got no coded answer: ${text.slice(0, 100) || '<binary>'}`);
    }
    return codes.length ? String(codes[codes.length - 1]) : 'no-answer(ping/ack)';
  }

  private async ensure(): Promise<void> {
    if (this.ws && this.closed === undefined) return;
    this.closed = undefined;
    const ws = new WebSocket(`${this.target.gatewayUrl.replace(/^http/, 'ws')}/v1/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (d, isBinary) => {
      if (!isBinary) this.frames.push(JSON.parse(d.toString()) as Record<string, unknown>);
    });
    ws.on('close', (code) => {
      if (this.ws === ws) this.closed = code;
    });
    ws.on('error', () => undefined);
    this.ws = ws;
    this.frames = [];
    ws.send(JSON.stringify({ v: 1, t: 'login', id: 1, body: { sdkAppId: this.target.sdkAppId, userId: this.user, userSig: this.target.sig(this.user), platform: 'Linux' } }));
    const deadline = Date.now() + 10_000;
    while (!this.frames.some((x) => x['t'] === 'res' && x['id'] === 1)) {
      if (this.closed !== undefined || Date.now() > deadline) throw new Error('WS fuzz login failed');
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = this.frames.find((x) => x['t'] === 'res' && x['id'] === 1)!;
    if (res['code'] !== 0) throw new Error(`WS fuzz login refused ${String(res['code'])}`);
  }
}
