// A minimal app backend for Meridian (or Tencent Cloud IM) third-party callbacks. No framework.
//
//   CALLBACK_TOKEN=... SDKAPPID=... MERIDIAN_REST=http://127.0.0.1:7100 ADMIN=administrator ADMIN_SIG=... \
//     node tools/examples/callback-bot/server.mjs
//
// - verifies Sign = hex(sha256(token + RequestTime)) and rejects requests older than a minute;
// - C2C.CallbackBeforeSendMsg: refuses messages containing a banned word (custom code 120001, which
//   reaches the sender), and lets everything else through;
// - C2C.CallbackAfterSendMsg: a chatbot — a message to the bot account gets an answer sent with the
//   REST API (v4/openim/sendmsg) — and a red-packet flow on custom messages (TIMCustomElem).
// Answer first, work later: the after-callback is acknowledged before the bot replies.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { URLSearchParams } from 'node:url';

const PORT = Number(process.env.PORT ?? 8080);
const TOKEN = process.env.CALLBACK_TOKEN ?? '';
const SDKAPPID = process.env.SDKAPPID ?? '';
const REST = process.env.MERIDIAN_REST ?? 'http://127.0.0.1:7100';
const ADMIN = process.env.ADMIN ?? 'administrator';
const ADMIN_SIG = process.env.ADMIN_SIG ?? '';
const BOT = process.env.BOT_ACCOUNT ?? 'bot';
const BANNED = (process.env.BANNED_WORDS ?? 'spam').split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);

const OK = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };
/** Red packets: id -> { from, amountCents, left }. A real app keeps these in its database. */
const packets = new Map();
/** Event ids already handled: deliveries are at least once (X-Meridian-Event-Id). */
const seen = new Set();

export function sign(token, requestTime) {
  return createHash('sha256').update(`${token}${requestTime}`).digest('hex');
}

function verified(q) {
  if (SDKAPPID && q.get('SdkAppid') !== SDKAPPID) return false;
  if (!TOKEN) return true;
  const t = Number(q.get('RequestTime'));
  if (!Number.isFinite(t) || Math.abs(Date.now() / 1000 - t) > 60) return false;
  const want = Buffer.from(sign(TOKEN, t));
  const got = Buffer.from(q.get('Sign') ?? '');
  return want.length === got.length && timingSafeEqual(want, got);
}

const texts = (body) => (body.MsgBody ?? []).filter((e) => e.MsgType === 'TIMTextElem').map((e) => String(e.MsgContent?.Text ?? ''));
const customs = (body) => (body.MsgBody ?? []).filter((e) => e.MsgType === 'TIMCustomElem').map((e) => safeJson(e.MsgContent?.Data));

function safeJson(s) {
  try {
    return JSON.parse(s ?? '');
  } catch {
    return null;
  }
}

async function sendAs(from, to, msgBody) {
  const q = new URLSearchParams({ sdkappid: SDKAPPID, identifier: ADMIN, usersig: ADMIN_SIG, random: String(Math.floor(Math.random() * 2 ** 32)), contenttype: 'json' });
  const res = await fetch(`${REST}/v4/openim/sendmsg?${q}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ From_Account: from, To_Account: to, MsgRandom: Math.floor(Math.random() * 2 ** 32), MsgBody: msgBody, SyncOtherMachine: 2 }),
  });
  return res.json();
}

const text = (t) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const custom = (data, desc) => [{ MsgType: 'TIMCustomElem', MsgContent: { Data: JSON.stringify(data), Desc: desc, Ext: '' } }];

/** Before-callbacks answer synchronously: 0 allow (optionally with a new MsgBody), 1 reject, 2 drop. */
function before(cmd, body) {
  if (cmd === 'C2C.CallbackBeforeSendMsg' || cmd === 'Group.CallbackBeforeSendMsg') {
    const bad = texts(body).some((t) => BANNED.some((w) => t.toLowerCase().includes(w)));
    if (bad) return { ActionStatus: 'OK', ErrorCode: cmd.startsWith('C2C') ? 120001 : 10101, ErrorInfo: 'message contains a banned word' };
    // A red packet must carry a positive amount; anything else is dropped silently.
    for (const c of customs(body)) if (c?.type === 'red_packet' && !(c.amountCents > 0)) return { ...OK, ErrorCode: 2 };
  }
  return OK;
}

/** After-callbacks: acknowledged at once, worked on afterwards. */
async function after(cmd, body) {
  if (cmd !== 'C2C.CallbackAfterSendMsg') return;
  if (body.To_Account === BOT) {
    for (const t of texts(body)) await sendAs(BOT, body.From_Account, text(reply(t)));
  }
  for (const c of customs(body)) {
    if (c?.type === 'red_packet') {
      // The sender's red packet: the app records it; the receiver's client shows it from the custom message.
      packets.set(c.id, { from: body.From_Account, to: body.To_Account, amountCents: c.amountCents, left: c.amountCents });
    } else if (c?.type === 'red_packet_open' && packets.has(c.id)) {
      const p = packets.get(c.id);
      const amount = p.left;
      p.left = 0;
      // Tell both sides with a custom message their clients render as "X opened your red packet".
      await sendAs(BOT, p.from, custom({ type: 'red_packet_opened', id: c.id, by: body.From_Account, amountCents: amount }, 'red packet opened'));
    }
  }
}

function reply(t) {
  if (/^(hi|hello)\b/i.test(t)) return 'Hello! Ask me for "time" or send me a red packet.';
  if (/time/i.test(t)) return `It is ${new Date().toISOString()}.`;
  return `You said: ${t}`;
}

export const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const answer = (status, json) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  };
  if (req.method !== 'POST') return answer(405, { ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'POST only' });
  if (!verified(url.searchParams)) return answer(401, { ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'bad Sign or SdkAppid' });
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = safeJson(Buffer.concat(chunks).toString('utf8'));
  if (!body) return answer(400, { ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: 'bad JSON' });
  const cmd = url.searchParams.get('CallbackCommand') ?? body.CallbackCommand;
  if (/\.CallbackBefore|\.CallbackPrev/.test(cmd)) return answer(200, before(cmd, body));
  answer(200, OK);
  const id = req.headers['x-meridian-event-id'];
  if (id && seen.has(id)) return;
  if (id) seen.add(id);
  after(cmd, body).catch((err) => console.error(`after ${cmd}: ${err.message}`));
});

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  server.listen(PORT, '127.0.0.1', () => console.log(`callback-bot on http://127.0.0.1:${PORT}/`));
}
