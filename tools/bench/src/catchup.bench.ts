/**
 * M7, offline catch-up, against a running platform (npm start):
 *   npm run bench -- catchup [--conversations 100] [--per 10] [--region eu-frankfurt]
 *
 * While a user is offline, --conversations senders send it --per messages each through the admin
 * REST API (`openim/sendmsg`, from the app's home region). Once all are stored (the REST unread
 * count says so), the user comes back on --region's gateway (by default the region away from the
 * app's home) and catches up as the SDK does after a reconnect (libs/sdk `catchUp`): the
 * conversation list (`chat.conversations`, pages of 100), then each conversation from its cursor
 * (`chat.sync`, 100 a page), --parallel (8, as the SDK) conversations at once. Reported: time to logged in, to the
 * list, to every message held; per-call latencies; messages missing or duplicated; CPU seconds of
 * every process over the catch-up. Bounded: every wait has a timeout; loopback only.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { genUserSig } from '@meridian/usersig';
import { Histogram } from './histogram';
import { ROOT, readLocal, restClient } from './local';
import { CpuWindow, findTargets } from './proc-sampler';

const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One WebSocket client speaking protocol v1 with request/answer matching. */
class Client {
  private nextId = 1;
  private readonly waiting = new Map<number, (f: { code: number; info: string; body?: Record<string, unknown> }) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { t: string; id?: number; code: number; info: string; did?: string; body?: Record<string, unknown> };
      if (f.t === 'push') ws.send(JSON.stringify({ v: 1, t: 'ack', dids: [f.did] }));
      else if (f.t === 'res' && f.id !== undefined) this.waiting.get(f.id)?.(f);
    });
  }

  static async open(gateway: string): Promise<Client> {
    const ws = new WebSocket(`${gateway.replace(/^http/, 'ws')}/v1/ws`, { perMessageDeflate: false });
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    return new Client(ws);
  }

  async call(t: string, extra: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const answer = new Promise<{ code: number; info: string; body?: Record<string, unknown> }>((ok, fail) => {
      this.waiting.set(id, ok);
      setTimeout(() => fail(new Error(`${t} ${String(extra['cmd'] ?? '')}: no answer in 10 s`)), 10_000).unref();
    });
    this.ws.send(JSON.stringify({ v: 1, t, id, ...extra }));
    const res = await answer;
    this.waiting.delete(id);
    if (res.code !== 0) throw new Error(`${t} ${String(extra['cmd'] ?? '')}: ${res.code} ${res.info}`);
    return res.body ?? {};
  }

  close(): void {
    this.ws.terminate();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { conversations: { type: 'string', default: '100' }, per: { type: 'string', default: '10' }, region: { type: 'string' }, parallel: { type: 'string', default: '8' } },
  });
  const local = readLocal();
  const app = local.demoApp;
  const region = values.region ?? Object.keys(local.regions).find((r) => r !== app.homeRegion) ?? app.homeRegion;
  const convs = Number(values.conversations);
  const per = Number(values.per);
  const total = convs * per;
  const rest = restClient(local);

  const run = `m7${Date.now().toString(36)}`;
  const me = `${run}r`;
  const senders = Array.from({ length: convs }, (_, i) => `${run}s${i}`);
  for (let i = 0; i < senders.length + 1; i += 100) await rest('im_open_login_svc/multiaccount_import', { Accounts: [me, ...senders].slice(i, i + 100) });
  say(`run ${run}: ${me} offline; ${convs} senders × ${per} messages through REST (home ${app.homeRegion})`);
  const t0 = Date.now();
  const queue = senders.flatMap((s) => Array.from({ length: per }, (_, k) => ({ s, k })));
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        await rest('openim/sendmsg', { SyncOtherMachine: 2, From_Account: m.s, To_Account: me, MsgRandom: randomInt(0, 2 ** 31), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `${m.s} ${m.k}` } }] });
      }
    }),
  );
  say(`sent ${total} in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting until all are counted unread`);
  for (const deadline = Date.now() + 120_000; ; ) {
    const unread = Number((await rest('openim/get_c2c_unread_msg_num', { To_Account: me }))['AllC2CUnreadMsgNum'] ?? 0);
    if (unread >= total) break;
    if (Date.now() > deadline) throw new Error(`only ${unread} of ${total} counted unread after 120 s`);
    await sleep(500);
  }

  // Back online: log in, the conversation list, then each conversation from the start.
  const cpu = new CpuWindow(() => findTargets(ROOT));
  const sampler = setInterval(() => cpu.sample(), 1000);
  const calls = new Histogram();
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const t = process.hrtime.bigint();
    try {
      return await f();
    } finally {
      calls.record(Number(process.hrtime.bigint() - t) / 1000);
    }
  };
  const start = Date.now();
  const client = await Client.open(local.regions[region]!.gateway);
  await timed(() => client.call('login', { body: { sdkAppId: app.sdkAppId, userId: me, userSig: genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: me, expireSeconds: 3600 }), platform: 'Web' } }));
  const loggedIn = Date.now() - start;
  const peers: string[] = [];
  const cursors: Record<string, unknown> = {};
  for (let page = 0; page < 100; page++) {
    const res = await timed(() => client.call('req', { cmd: 'chat.conversations', body: { ...cursors, limit: 100 } }));
    const list = (res['conversations'] as { type: number; peer: string }[] | undefined) ?? [];
    peers.push(...list.filter((c) => c.type === 1).map((c) => c.peer));
    if (res['complete'] || !list.length) break;
    for (const k of ['TimeStamp', 'StartIndex', 'TopTimeStamp', 'TopStartIndex']) cursors[k] = res[k];
  }
  const listed = Date.now() - start;
  const held = new Set<string>();
  let duplicates = 0;
  const syncOne = async (peer: string) => {
    let after = 0;
    for (let page = 0; page < 50; page++) {
      const res = await timed(() => client.call('req', { cmd: 'chat.sync', body: { peer, afterSeq: after, limit: 100 } }));
      const msgs = (res['messages'] as { MsgSeq: number }[] | undefined) ?? [];
      for (const m of msgs) {
        const key = `${peer}#${m.MsgSeq}`;
        if (held.has(key)) duplicates++;
        held.add(key);
      }
      if (res['complete'] || !msgs.length) break;
      after = msgs[msgs.length - 1]!.MsgSeq;
    }
  };
  const todo = [...peers];
  await Promise.all(
    Array.from({ length: Math.max(1, Number(values.parallel)) }, async () => {
      for (let p = todo.shift(); p; p = todo.shift()) await syncOne(p);
    }),
  );
  const done = Date.now() - start;
  clearInterval(sampler);
  const usage = cpu.finish();
  client.close();
  const ms = (us: number) => Math.round(us / 100) / 10;
  const result = {
    scenario: 'catchup',
    region,
    parallel: Number(values.parallel),
    conversations: { sent: convs, listed: peers.length },
    messages: { sent: total, held: held.size, missing: total - held.size, duplicates },
    ms: { loggedIn, listed, allHeld: done },
    callLatencyMs: { count: calls.count, p50: ms(calls.quantile(0.5)), p99: ms(calls.quantile(0.99)), max: ms(calls.max) },
    cpuSeconds: Object.fromEntries(usage.processes.filter((p) => p.cpuSeconds >= 0.05).map((p) => [p.name, Math.round(p.cpuSeconds * 100) / 100])),
  };
  say(`logged in after ${loggedIn} ms, ${peers.length} conversations listed after ${listed} ms, ${held.size}/${total} messages held after ${done} ms (${duplicates} duplicates)`);
  say(`${calls.count} calls: p50 ${result.callLatencyMs.p50} ms, p99 ${result.callLatencyMs.p99} ms, max ${result.callLatencyMs.max} ms; CPU seconds: ${JSON.stringify(result.cpuSeconds)}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
