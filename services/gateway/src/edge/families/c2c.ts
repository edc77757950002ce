import { ErrorCode, MeridianError, isValidUserId, validateMsgBody } from '@meridian/contracts';
import { existingAccounts } from '@meridian/platform';
import type { chatV1 } from '@meridian/proto';
import { accountField, uintField } from '../../rest/body';
import type { JsonObject } from '@meridian/contracts';
import { originOf, runRow, type EdgeCall, type EdgeRow } from '../edge-command';
import { checkedByHandler } from '../legacy-body';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const BATCH_MAX = 500;
const BATCH_CONCURRENCY = 20;
/** get_c2c_unread_msg_num: at most 10 Peer_Account. */
const UNREAD_PEERS_MAX = 10;

const chat = (c: EdgeCall) => c.deps.clients.service<chatV1.ChatServiceClient>('chat', c.homeRegion);

/** History migration: no callbacks; de-duplicated on (MsgSeq, MsgRandom, MsgTimeStamp). */
async function importmsg(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const mode = uintField(body, 'SyncFromOldSystem', ErrorCode.INVALID_PARAMETER, { required: true })!;
  const from = accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
  const to = accountField(body, ['To_Account'], ErrorCode.TO_ACCOUNT_MISSING);
  const seq = uintField(body, 'MsgSeq', ErrorCode.INVALID_PARAMETER) ?? Math.floor(Math.random() * 0xffffffff);
  const random = uintField(body, 'MsgRandom', ErrorCode.MSG_RANDOM_INVALID, { required: true })!;
  const time = uintField(body, 'MsgTimeStamp', ErrorCode.INVALID_PARAMETER, { required: true })!;
  const cloud = body['CloudCustomData'];
  if (cloud !== undefined && typeof cloud !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'CloudCustomData must be a string');
  validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
  await chat(c).importMessage({
    sdkAppId: c.sdkAppId,
    fromAccount: from,
    toAccount: to,
    msgSeq: seq,
    msgRandom: random,
    msgTime: String(time),
    msgBody: Buffer.from(JSON.stringify(body['MsgBody'])),
    cloudCustomData: (cloud as string | undefined) ?? '',
    syncFromOldSystem: mode,
  });
  return {};
}

/** Overwrites a stored message's MsgBody and/or CloudCustomData. */
async function modify(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const from = accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
  const to = accountField(body, ['To_Account'], ErrorCode.INVALID_PARAMETER);
  const key = body['MsgKey'];
  if (typeof key !== 'string' || !key) throw new MeridianError(ErrorCode.MSG_KEY_INVALID, 'MsgKey is required');
  const cloud = body['CloudCustomData'];
  if (cloud !== undefined && typeof cloud !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'CloudCustomData must be a string');
  if (body['MsgBody'] === undefined && cloud === undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgBody or CloudCustomData is required');
  if (body['MsgBody'] !== undefined) validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
  await chat(c).modifyMessage({
    sdkAppId: c.sdkAppId,
    fromAccount: from,
    toAccount: to,
    msgKey: key,
    msgBody: body['MsgBody'] === undefined ? undefined : Buffer.from(JSON.stringify(body['MsgBody'])),
    cloudCustomData: cloud as string | undefined,
  });
  return {};
}

/** Report_Account has read everything Peer_Account sent up to MsgReadTime (default: now). */
async function setRead(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const reporter = accountField(body, ['Report_Account'], ErrorCode.INVALID_PARAMETER);
  const peer = accountField(body, ['Peer_Account'], ErrorCode.INVALID_PARAMETER);
  const raw = body['MsgReadTime'];
  let readTime = 0;
  if (raw !== undefined) {
    // Tencent documents a string of unix seconds; numbers are accepted too.
    readTime = typeof raw === 'string' && /^\d{1,10}$/.test(raw) ? Number(raw) : typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : -1;
    if (readTime < 0 || readTime > 0xffffffff) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgReadTime must be unix seconds');
  }
  await requireExisting(c, [reporter, peer]);
  await chat(c).reportRead({ sdkAppId: c.sdkAppId, account: reporter, peer, readSeq: '0', readTime: String(readTime), loginId: '', origin: originOf(c) });
  return {};
}

/** Unread 1:1 messages of To_Account: the total, and per peer for up to 10 Peer_Account. */
async function unread(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const owner = accountField(body, ['To_Account'], ErrorCode.TO_ACCOUNT_MISSING);
  const peersRaw = body['Peer_Account'];
  if (peersRaw !== undefined && !Array.isArray(peersRaw)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Peer_Account must be an array');
  const peersIn = (peersRaw as unknown[] | undefined) ?? [];
  if (peersIn.length > UNREAD_PEERS_MAX) throw new MeridianError(ErrorCode.INVALID_BATCH_COUNT, `at most ${UNREAD_PEERS_MAX} Peer_Account`);
  const errors: { Peer_Account: string; ErrorCode: number }[] = [];
  const peers: string[] = [];
  for (const p of peersIn) {
    if (typeof p !== 'string') throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'Peer_Account entries must be strings');
    if (isValidUserId(p)) peers.push(p);
    else errors.push({ Peer_Account: p, ErrorCode: ErrorCode.INVALID_PARAMETER });
  }
  await requireExisting(c, [owner]);
  const res = await chat(c).getUnread({ sdkAppId: c.sdkAppId, account: owner, peers });
  return {
    AllC2CUnreadMsgNum: res.total,
    ...(peersIn.length ? { C2CUnreadMsgNumList: res.peers.map((p) => ({ Peer_Account: p.peer, C2CUnreadMsgNum: p.unread })) } : {}),
    ...(errors.length ? { ErrorList: errors } : {}),
  };
}

async function requireExisting(c: EdgeCall, userIds: string[]): Promise<void> {
  const found = await existingAccounts(c.deps.clients, c.sdkAppId, userIds);
  const missing = userIds.find((u) => !found.has(u));
  if (missing !== undefined) throw new MeridianError(ErrorCode.ACCOUNT_NOT_FOUND, `account ${missing} does not exist`);
}

async function sendmsg(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const to = accountField(body, ['To_Account'], ErrorCode.TO_ACCOUNT_MISSING);
  const res = await chat(c).sendMessage(sendRequest(c, body, to));
  return { MsgTime: Number(res.msgTime), MsgKey: res.msgKey, MsgSeq: Number(res.msgSeq) };
}

/**
 * The same message to up to 500 accounts, each in its own conversation. Errors are per
 * recipient in ErrorList; the top-level code is 0 when at least one was sent.
 */
async function batchsendmsg(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const list = body['To_Account'];
  if (!Array.isArray(list) || list.length === 0) throw new MeridianError(ErrorCode.TO_ACCOUNT_MISSING, 'To_Account must be a non-empty array');
  if (list.length > BATCH_MAX) throw new MeridianError(ErrorCode.INVALID_BATCH_COUNT, `at most ${BATCH_MAX} recipients`);
  if (!list.every((t) => typeof t === 'string')) throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'To_Account entries must be strings');
  const recipients = [...new Set(list as string[])];
  // A malformed account fails the request before anything is sent, wherever it stands in the list.
  const malformed = recipients.find((t) => !isValidUserId(t));
  if (malformed !== undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${malformed} is not a valid account`);
  // Validate the shared fields once (against the first recipient) before sending anything.
  sendRequest(c, body, recipients[0]!);
  const errors: { To_Account: string; ErrorCode: number }[] = [];
  let msgKey = '';
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(BATCH_CONCURRENCY, recipients.length) }, async () => {
      while (next < recipients.length) {
        const to = recipients[next++]!;
        try {
          // Callbacks: batch sends trigger none (Tencent).
          const res = await chat(c).sendMessage({ ...sendRequest(c, body, to), noCallbacks: true });
          msgKey ||= res.msgKey;
        } catch (err) {
          const code = MeridianError.is(err) ? err.code : ErrorCode.INTERNAL;
          // A refusal of the message itself is the same for everyone: fail the request.
          if (code === ErrorCode.MSG_BODY_NOT_ARRAY || code === ErrorCode.MSG_ELEMENT_INVALID || code === ErrorCode.MSG_TOO_LONG_REST) throw err;
          errors.push({ To_Account: to, ErrorCode: code });
        }
      }
    }),
  );
  if (errors.length === recipients.length) throw new MeridianError(errors[0]!.ErrorCode, 'the message was sent to no one');
  return { MsgKey: msgKey, ...(errors.length ? { ErrorList: errors } : {}) };
}

function sendRequest(c: EdgeCall, body: JsonObject, to: string): chatV1.SendMessageRequest {
  const from = body['From_Account'] === undefined ? c.operator : accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
  if (!isValidUserId(to)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${to} is not a valid account`);
  const random = uintField(body, 'MsgRandom', ErrorCode.MSG_RANDOM_INVALID, { required: true })!;
  const lifeTime = uintField(body, 'MsgLifeTime', ErrorCode.MSG_LIFETIME_INVALID, { max: 604_800 });
  const sync = uintField(body, 'SyncOtherMachine', ErrorCode.INVALID_PARAMETER, { max: 2 }) ?? 0;
  const cloud = body['CloudCustomData'];
  if (cloud !== undefined && typeof cloud !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'CloudCustomData must be a string');
  const offline = body['OfflinePushInfo'];
  if (offline !== undefined && !isObject(offline)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'OfflinePushInfo must be an object');
  const control = body['SendMsgControl'];
  if (control !== undefined && (!Array.isArray(control) || !control.every((c) => typeof c === 'string'))) {
    throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'SendMsgControl must be an array of strings');
  }
  validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
  const forbid = body['ForbidCallbackControl'];
  if (forbid !== undefined && (!Array.isArray(forbid) || !forbid.every((c) => typeof c === 'string'))) {
    throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'ForbidCallbackControl must be an array of strings');
  }
  return {
    origin: originOf(c),
    sdkAppId: c.sdkAppId,
    fromAccount: from,
    toAccount: to,
    msgRandom: random,
    msgBody: Buffer.from(JSON.stringify(body['MsgBody'] ?? null)),
    cloudCustomData: (cloud as string | undefined) ?? '',
    msgLifeTime: lifeTime ?? -1,
    syncOtherMachine: sync,
    offlinePushInfo: Buffer.from(offline ? JSON.stringify(offline) : ''),
    fromLoginId: '',
    sendMsgControl: (control as string[] | undefined) ?? [],
    noCallbacks: false,
    forbidCallbackControl: (forbid as string[] | undefined) ?? [],
  };
}

/** Recall any C2C message, no time limit (Tencent: irreversible; both parties are told). */
async function withdraw(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const from = accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
  const to = accountField(body, ['To_Account'], ErrorCode.INVALID_PARAMETER);
  const key = body['MsgKey'];
  if (typeof key !== 'string') throw new MeridianError(ErrorCode.MSG_KEY_INVALID, 'MsgKey is required');
  await chat(c).recallMessage({ sdkAppId: c.sdkAppId, fromAccount: from, toAccount: to, msgKey: key, byAdmin: true, operatorAccount: '', origin: originOf(c) });
  return {};
}

/** History of one conversation as one party sees it, newest first (by time) within [MinTime, MaxTime]. */
async function getroammsg(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const operator = accountField(body, ['Operator_Account', 'From_Account'], ErrorCode.INVALID_PARAMETER);
  const peer = accountField(body, ['Peer_Account', 'To_Account'], ErrorCode.INVALID_PARAMETER);
  const maxCnt = uintField(body, 'MaxCnt', ErrorCode.INVALID_PARAMETER, { required: true, max: 100 })!;
  const minTime = uintField(body, 'MinTime', ErrorCode.INVALID_PARAMETER, { required: true })!;
  const maxTime = uintField(body, 'MaxTime', ErrorCode.INVALID_PARAMETER, { required: true })!;
  if (minTime > maxTime) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MinTime is after MaxTime');
  const lastKey = body['LastMsgKey'];
  if (lastKey !== undefined && typeof lastKey !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'LastMsgKey must be a string');
  const beforeSeq = lastKey ? Number(lastKey.split('_')[0]) : 0;
  if (lastKey && !(beforeSeq > 0)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'LastMsgKey is not a message key');
  // Paged by message time, as Tencent: an imported old message holding the highest seq must not
  // hide the live ones. The next page is MaxTime = LastMsgTime with LastMsgKey.
  if (maxCnt === 0 || maxTime === 0) return { Complete: 1, MsgCnt: 0, LastMsgTime: 0, LastMsgKey: '', MsgList: [] };
  const page = await chat(c).getMessages({
    sdkAppId: c.sdkAppId,
    account: operator,
    peer,
    afterSeq: '0',
    limit: maxCnt,
    beforeSeq: String(beforeSeq),
    maxTime: String(maxTime),
    minTime: String(minTime),
  });
  const out = page.messages;
  const complete = page.complete;
  const last = out[out.length - 1];
  return {
    Complete: complete ? 1 : 0,
    MsgCnt: out.length,
    LastMsgTime: last ? Number(last.msgTime) : 0,
    LastMsgKey: last?.msgKey ?? '',
    MsgList: out.map((m) => ({
      From_Account: m.fromAccount,
      To_Account: m.toAccount,
      MsgSeq: Number(m.msgSeq),
      MsgRandom: m.msgRandom,
      MsgTimeStamp: Number(m.msgTime),
      MsgFlagBits: m.msgFlagBits,
      IsPeerRead: m.isPeerRead,
      MsgKey: m.msgKey,
      MsgBody: JSON.parse(Buffer.from(m.msgBody).toString('utf8')) as unknown,
      CloudCustomData: m.cloudCustomData,
    })),
  };
}

/** C2C_COMMANDS: 1:1 messages over REST (v4/openim/*): sending, importing, history, recall, modify, read and unread. */
export const C2C_COMMANDS: EdgeRow[] = [
  runRow({
    rest: 'openim/sendmsg',
    service: 'chat',
    schema: checkedByHandler,
    doc: '`From_Account?`, `To_Account`, `MsgRandom`, `MsgBody`, `MsgLifeTime?` (0 = online only), `SyncOtherMachine?`, `CloudCustomData?`, `OfflinePushInfo?` → `MsgTime`, `MsgKey`, `MsgSeq`; 90003/90005/90012/90026/90002/90010/93000; an `OfflinePushInfo` with a field of the wrong type 90001, nothing stored',
    run: sendmsg,
  }),
  runRow({
    rest: 'openim/batchsendmsg',
    service: 'chat',
    schema: checkedByHandler,
    doc: 'as sendmsg with `To_Account: string[]` ≤ 500 → `MsgKey`, `ErrorList:[{To_Account, ErrorCode}]`',
    run: batchsendmsg,
  }),
  runRow({
    rest: 'openim/admin_getroammsg',
    service: 'chat',
    schema: checkedByHandler,
    doc: '`Operator_Account`, `Peer_Account` (old `From_Account`/`To_Account`), `MaxCnt` ≤ 100, `MinTime`, `MaxTime`, `LastMsgKey?` → `Complete`, `MsgCnt`, `LastMsgTime`, `LastMsgKey`, `MsgList` (newest first; `IsPeerRead` 1 once the peer has read it)',
    run: getroammsg,
  }),
  runRow({ rest: 'openim/admin_msgwithdraw', service: 'chat', schema: checkedByHandler, doc: '`From_Account`, `To_Account`, `MsgKey`: recall at any time; 90054/20022/20023', run: withdraw }),
  runRow({
    rest: 'openim/importmsg',
    service: 'chat',
    schema: checkedByHandler,
    doc: '`SyncFromOldSystem` (1 realtime/unread, 2 history/read, 5 realtime/unread/pushed), `From_Account`, `To_Account`, `MsgSeq?`, `MsgRandom`, `MsgTimeStamp`, `MsgBody`, `CloudCustomData?`; a repeat of (`MsgSeq`, `MsgRandom`, `MsgTimeStamp`) in either direction is accepted and ignored (first import wins); no callbacks',
    run: importmsg,
  }),
  runRow({
    rest: 'openim/modify_c2c_msg',
    service: 'chat',
    schema: checkedByHandler,
    doc: '`From_Account`, `To_Account`, `MsgKey`, `MsgBody?`, `CloudCustomData?` (at least one): overwrites the stored message; both parties get a `c2c_modify` push; 90054/20022/20023/93000',
    run: modify,
  }),
  runRow({
    rest: 'openim/admin_set_msg_read',
    service: 'chat',
    schema: checkedByHandler,
    doc: '`Report_Account`, `Peer_Account`, `MsgReadTime?` (unix seconds as string or number; default now): everything up to it is read; the peer is told',
    run: setRead,
  }),
  runRow({
    rest: 'openim/get_c2c_unread_msg_num',
    service: 'chat',
    schema: checkedByHandler,
    doc: '`To_Account`, `Peer_Account?` ≤ 10 → `AllC2CUnreadMsgNum`, `C2CUnreadMsgNumList:[{Peer_Account, C2CUnreadMsgNum}]`, `ErrorList`',
    run: unread,
  }),
];
