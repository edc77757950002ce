/**
 * M3, group fan-out, against a running platform (npm start):
 *   npm run bench -- groups [--stored 1000,6000] [--live 10000,50000] [--messages 20] [--rate 2]
 *                           [--extra-gateways 2] [--concurrency 200]
 *
 * For each size: that many members (users `<run>g<size>u<i>`, auto-registered at login) log in over
 * WebSocket, spread round-robin over every gateway of both regions (the two `npm start` runs plus
 * `--extra-gateways` more per region) and over client addresses 127.0.0.2-201, from worker
 * processes of at most 15,000 connections each. A stored group (`--stored`, type Public; Tencent
 * caps Work/Public/Meeting at 6,000 members) gets its members by REST `add_group_member` (100 a
 * call, Silence); an AVChatRoom (`--live`) is joined by every member itself
 * (`group.apply_join_group` over its WebSocket). Then the admin REST API sends `--messages` group
 * messages from member 0, open loop at `--rate` per second; each carries its due time. Every other
 * member's client acks each push and records due → receive latency (CLOCK_MONOTONIC, shared by all
 * processes here), so queueing is measured, not hidden. Reported per size: deliveries/s (all
 * deliveries / first due → last receive) against the offered rate (rate × members), per-message
 * completion (due → its last member) and the
 * latency distribution, misses, and CPU seconds of every platform and data-plane process over the
 * send window. JSON result in bench-results/. Bounded: every phase has a timeout; loopback only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { genUserSig } from '@meridian/usersig';
import { stopChildren } from '../../launcher/src/control';
import { spawnGateways } from './gateways';
import { Histogram, type HistogramSnapshot } from './histogram';
import { ROOT, readLocal, restClient, type LocalJson } from './local';
import { CpuWindow, findTargets } from './proc-sampler';

const PER_WORKER = 15_000;
const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

// -------------------------------------------------------------------------------------- worker --

interface WorkerJob {
  sdkAppId: number;
  key: string;
  prefix: string;
  from: number;
  to: number;
  gateways: string[];
  concurrency: number;
  /** AVChatRoom to join after login. */
  joinGroup?: string;
}

type WorkerMsg =
  | { t: 'progress'; connected: number; joined: number }
  | { t: 'ready'; connected: number; joined: number; failed: number }
  | { t: 'stats'; received: number; duplicates: number; lastUs: Record<number, number>; counts: Record<number, number>; hist: HistogramSnapshot };

async function worker(): Promise<void> {
  const job = await new Promise<WorkerJob>((r) => process.once('message', (m) => r(m as WorkerJob)));
  const sockets: WebSocket[] = [];
  const hist = new Histogram();
  const counts: Record<number, number> = {};
  const lastUs: Record<number, number> = {};
  const seen = new Set<string>();
  let received = 0;
  let duplicates = 0;
  let failed = 0;
  let joined = 0;
  let next = job.from;

  const request = (ws: WebSocket, frame: Record<string, unknown>): Promise<{ code: number; info: string; body?: Record<string, unknown> }> =>
    new Promise((resolveRes, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const f = JSON.parse(data.toString()) as { t: string; id?: number; code: number; info: string };
        if (f.t !== 'res' || f.id !== frame['id']) return;
        ws.off('message', onMessage);
        resolveRes(f);
      };
      ws.on('message', onMessage);
      ws.once('close', () => reject(new Error('closed')));
      ws.send(JSON.stringify(frame));
    });

  const open = async (i: number): Promise<void> => {
    const url = `${job.gateways[i % job.gateways.length]!.replace(/^http/, 'ws')}/v1/ws`;
    const ws = new WebSocket(url, { localAddress: `127.0.0.${2 + (i % 200)}`, perMessageDeflate: false });
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    const userId = `${job.prefix}${i}`;
    const me = i;
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { t: string; did?: string; kind?: string; body?: { MsgSeq?: number; MsgBody?: { MsgContent?: { Data?: string } }[] } };
      if (f.t !== 'push') return;
      ws.send(JSON.stringify({ v: 1, t: 'ack', dids: [f.did] }));
      const data0 = f.body?.MsgBody?.[0]?.MsgContent?.Data ?? '';
      const [tag, k, due] = data0.split('|');
      if (f.kind !== 'group' || tag !== job.prefix || me === 0) return;
      const idx = Number(k);
      const key = `${me}#${idx}`;
      if (seen.has(key)) {
        duplicates++;
        return;
      }
      seen.add(key);
      const t = nowUs();
      received++;
      hist.record(Math.max(0, t - Number(due)));
      counts[idx] = (counts[idx] ?? 0) + 1;
      lastUs[idx] = Math.max(lastUs[idx] ?? 0, t);
    });
    const sig = genUserSig({ sdkAppId: job.sdkAppId, key: job.key, identifier: userId, expireSeconds: 7200 });
    const login = await request(ws, { v: 1, t: 'login', id: 1, body: { sdkAppId: job.sdkAppId, userId, userSig: sig, platform: 'Web' } });
    if (login.code !== 0) throw new Error(`login ${login.code} ${login.info}`);
    sockets.push(ws);
    if (job.joinGroup) {
      const res = await request(ws, { v: 1, t: 'req', id: 2, cmd: 'group.apply_join_group', body: { GroupId: job.joinGroup } });
      if (res.code !== 0) throw new Error(`apply_join_group ${res.code} ${res.info}`);
      joined++;
    }
  };

  const progress = setInterval(() => process.send!({ t: 'progress', connected: sockets.length, joined } satisfies WorkerMsg), 1000);
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.to) {
        const i = next++;
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            await open(i);
            break;
          } catch (err) {
            if (attempt === 2) {
              failed++;
              if (failed <= 3) process.stderr.write(`[bench worker] member ${i} failed: ${(err as Error).message}\n`);
            } else await sleep(500 * (attempt + 1));
          }
        }
      }
    }),
  );
  clearInterval(progress);
  process.send!({ t: 'ready', connected: sockets.length, joined, failed } satisfies WorkerMsg);
  const ping = setInterval(() => {
    for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send('{"v":1,"t":"ping"}');
  }, 20_000);
  const report = setInterval(() => process.send!({ t: 'stats', received, duplicates, lastUs, counts, hist: hist.snapshot() } satisfies WorkerMsg), 250);
  process.once('message', () => {
    clearInterval(ping);
    clearInterval(report);
    for (const ws of sockets) ws.terminate();
    setTimeout(() => process.exit(0), 200);
  });
}

// ---------------------------------------------------------------------------------------- main --

interface Worker {
  child: ChildProcess;
  connected: number;
  joined: number;
  failed: number;
  ready: boolean;
  stats?: Extract<WorkerMsg, { t: 'stats' }>;
}

interface SizeResult {
  kind: 'Public' | 'AVChatRoom';
  members: number;
  online: number;
  gateways: number;
  setupSeconds: number;
  messages: number;
  rate: number;
  expected: number;
  received: number;
  duplicates: number;
  deliveriesPerSecond: number;
  /** rate × (online − 1): what the sender asked for. */
  offeredPerSecond: number;
  completionMs: { p50: number; max: number };
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  cpuSeconds: Record<string, number>;
  peakRssMiB: Record<string, number>;
}

async function runSize(
  kind: 'Public' | 'AVChatRoom',
  size: number,
  ctx: { local: LocalJson; rest: ReturnType<typeof restClient>; gateways: string[]; run: string; messages: number; rate: number; concurrency: number },
): Promise<SizeResult> {
  const { local, rest, gateways, messages, rate } = ctx;
  const app = local.demoApp;
  const prefix = `${ctx.run}${kind === 'Public' ? 'g' : 'l'}${size}u`;
  const started = Date.now();
  const owner = `${prefix}0`;
  // The owner exists before the group (the AVChatRoom members join right after their login).
  await rest('im_open_login_svc/account_import', { UserID: owner });
  const created = await rest('group_open_http_svc/create_group', { Owner_Account: owner, Type: kind, Name: `M3 ${size}`, ...(kind === 'Public' ? { MaxMemberCount: size } : {}) });
  const groupId = String(created['GroupId']);

  const workers: Worker[] = [];
  for (let from = 0; from < size; from += PER_WORKER) {
    const child = fork(join(ROOT, 'tools', 'runtime', 'run.js'), ['dist/tools/bench/src/groups.bench.js', '--worker'], { execArgv: ['--max-old-space-size=4096'] });
    const w: Worker = { child, connected: 0, joined: 0, failed: 0, ready: false };
    child.on('message', (m: WorkerMsg) => {
      if (m.t === 'progress') Object.assign(w, { connected: m.connected, joined: m.joined });
      else if (m.t === 'ready') Object.assign(w, { ready: true, connected: m.connected, joined: m.joined, failed: m.failed });
      else w.stats = m;
    });
    child.send({
      sdkAppId: app.sdkAppId,
      key: app.secretKey,
      prefix,
      from,
      to: Math.min(size, from + PER_WORKER),
      gateways,
      concurrency: Math.ceil(ctx.concurrency / Math.ceil(size / PER_WORKER)),
      ...(kind === 'AVChatRoom' ? { joinGroup: groupId } : {}),
    } satisfies WorkerJob);
    workers.push(w);
  }
  const stop = async () => {
    for (const w of workers) w.child.send('stop');
    await sleep(500);
  };
  try {
    const sum = (f: (w: Worker) => number) => workers.reduce((s, w) => s + f(w), 0);
    const deadline = Date.now() + 20 * 60_000;
    let lastLog = 0;
    while (!workers.every((w) => w.ready)) {
      if (Date.now() > deadline) throw new Error(`members did not connect within 20 minutes`);
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        say(`${kind} ${size}: logged in ${sum((w) => w.connected)}/${size}${kind === 'AVChatRoom' ? `, joined ${sum((w) => w.joined)}` : ''} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
      await sleep(250);
    }
    const online = sum((w) => w.connected);
    say(`${kind} ${size}: ${online} online${kind === 'AVChatRoom' ? `, ${sum((w) => w.joined)} in the room` : ''} (${sum((w) => w.failed)} failed) in ${((Date.now() - started) / 1000).toFixed(1)} s over ${gateways.length} gateways`);
    if (kind === 'Public') {
      for (let i = 1; i < size; i += 100) {
        const list = Array.from({ length: Math.min(100, size - i) }, (_, k) => ({ Member_Account: `${prefix}${i + k}` }));
        await rest('group_open_http_svc/add_group_member', { GroupId: groupId, Silence: 1, MemberList: list });
        if ((i - 1) % 1000 === 0) say(`${kind} ${size}: added ${Math.min(size, i + 99)}/${size} members`);
      }
    }
    const setupSeconds = (Date.now() - started) / 1000;
    await sleep(2000);

    // Open loop: message k is due at t0 + k / rate, whatever happened to the ones before it.
    const cpu = new CpuWindow(() => findTargets(ROOT));
    const sampler = setInterval(() => cpu.sample(), 1000);
    const t0 = nowUs() + 200_000;
    const due = Array.from({ length: messages }, (_, k) => t0 + Math.round((k * 1e6) / rate));
    const sends: Promise<unknown>[] = [];
    const sendErrors: string[] = [];
    for (let k = 0; k < messages; k++) {
      const wait = (due[k]! - nowUs()) / 1000;
      if (wait > 0) await sleep(wait);
      sends.push(
        rest('group_open_http_svc/send_group_msg', {
          GroupId: groupId,
          From_Account: owner,
          Random: randomInt(0, 2 ** 31),
          MsgBody: [{ MsgType: 'TIMCustomElem', MsgContent: { Data: `${prefix}|${k}|${due[k]}` } }],
        }).catch((err: unknown) => sendErrors.push((err as Error).message)),
      );
    }
    await Promise.all(sends);
    const expected = messages * (online - 1);
    // Done when everything arrived, or when nothing more arrived for 10 s.
    let received = 0;
    let lastChange = Date.now();
    for (const until = Date.now() + 180_000; received < expected && Date.now() < until && Date.now() - lastChange < 10_000; ) {
      await sleep(100);
      const now = sum((w) => w.stats?.received ?? 0);
      if (now !== received) {
        received = now;
        lastChange = Date.now();
      }
    }
    await sleep(300);
    clearInterval(sampler);
    const usage = cpu.finish();
    const hist = new Histogram();
    const last = new Map<number, number>();
    for (const w of workers) {
      if (!w.stats) continue;
      hist.merge(w.stats.hist);
      for (const [k, t] of Object.entries(w.stats.lastUs)) last.set(Number(k), Math.max(last.get(Number(k)) ?? 0, t));
    }
    received = sum((w) => w.stats?.received ?? 0);
    const lastReceive = Math.max(...last.values());
    const completion = new Histogram();
    for (const [k, t] of last) completion.record(t - due[k]!);
    const ms = (us: number) => Math.round(us / 100) / 10;
    const byName = (f: (p: (typeof usage.processes)[number]) => number) => {
      const out: Record<string, number> = {};
      for (const p of usage.processes) out[p.name] = Math.round(((out[p.name] ?? 0) + f(p)) * 100) / 100;
      return out;
    };
    const result: SizeResult = {
      kind,
      members: size,
      online,
      gateways: gateways.length,
      setupSeconds,
      messages,
      rate,
      expected,
      received,
      duplicates: sum((w) => w.stats?.duplicates ?? 0),
      deliveriesPerSecond: Math.round(received / ((lastReceive - t0) / 1e6)),
      offeredPerSecond: Math.round(rate * (online - 1)),
      completionMs: { p50: ms(completion.quantile(0.5)), max: ms(completion.max) },
      latencyMs: { p50: ms(hist.quantile(0.5)), p95: ms(hist.quantile(0.95)), p99: ms(hist.quantile(0.99)), max: ms(hist.max) },
      cpuSeconds: byName((p) => p.cpuSeconds),
      peakRssMiB: byName((p) => p.peakRssMiB),
    };
    if (sendErrors.length) say(`${kind} ${size}: ${sendErrors.length} sends refused, first: ${sendErrors[0]}`);
    if (received < expected) {
      const perMessage = Array.from({ length: messages }, (_, k) => workers.reduce((n, w) => n + (w.stats?.counts[k] ?? 0), 0));
      say(`${kind} ${size}: deliveries per message ${perMessage.join(' ')} (of ${online - 1} each)`);
    }
    say(
      `${kind} ${size}: ${received}/${expected} deliveries (${result.duplicates} duplicates) → ${result.deliveriesPerSecond}/s (offered ${result.offeredPerSecond}/s); ` +
        `completion p50 ${result.completionMs.p50} ms, max ${result.completionMs.max} ms; latency p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} p99 ${result.latencyMs.p99} max ${result.latencyMs.max} ms`,
    );
    const top = Object.entries(result.cpuSeconds)
      .filter(([, s]) => s >= 0.1)
      .sort((a, b) => b[1] - a[1])
      .map(([n, s]) => `${n} ${s}`)
      .join(', ');
    say(`${kind} ${size}: CPU seconds over the send window (${usage.wallSeconds.toFixed(1)} s, machine ${usage.machineBusyPct.toFixed(0)}% busy): ${top}`);
    await rest('group_open_http_svc/destroy_group', { GroupId: groupId }).catch(() => undefined);
    return result;
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      stored: { type: 'string', default: '1000,6000' },
      live: { type: 'string', default: '10000,50000' },
      messages: { type: 'string', default: '20' },
      rate: { type: 'string', default: '2' },
      'extra-gateways': { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '200' },
    },
  });
  const sizes = (s: string) => s.split(',').filter(Boolean).map(Number);
  const local = readLocal();
  const regions = Object.keys(local.regions);
  for (const r of regions) {
    if (!(await fetch(`${local.regions[r]!.gateway}/readyz`).then((res) => res.ok, () => false))) throw new Error(`${r} gateway is not ready; run npm start first`);
  }
  const extra = Number(values['extra-gateways']);
  const spawned = (await Promise.all(regions.map((r, ri) => spawnGateways(extra, r, 7500 + ri * 20)))).flat();
  const gateways = [...regions.map((r) => local.regions[r]!.gateway), ...spawned.map((g) => g.url)];
  const run = `m3${Date.now().toString(36)}`;
  const ctx = { local, rest: restClient(local), gateways, run, messages: Number(values.messages), rate: Number(values.rate), concurrency: Number(values.concurrency) };
  say(`run ${run}: app ${local.demoApp.sdkAppId} (home ${local.demoApp.homeRegion}); ${gateways.length} gateways over ${regions.join(' and ')}; ${ctx.messages} messages per size at ${ctx.rate}/s`);
  const results: SizeResult[] = [];
  // Ctrl-C or a timeout: the extra gateways go too (they would hold their ports for the next run).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopChildren(spawned.map((g) => g.child)).then(() => process.exit(130)));
  }
  try {
    for (const n of sizes(values.stored)) results.push(await runSize('Public', n, ctx));
    for (const n of sizes(values.live)) results.push(await runSize('AVChatRoom', n, ctx));
  } finally {
    await stopChildren(spawned.map((g) => g.child));
  }
  say('');
  say(`${'group'.padEnd(18)}${'online'.padStart(8)}${'offered/s'.padStart(10)}${'deliv/s'.padStart(10)}${'compl p50'.padStart(11)}${'compl max'.padStart(11)}${'lat p50'.padStart(9)}${'p99'.padStart(8)}${'max'.padStart(8)}${'missing'.padStart(9)}`);
  for (const r of results) {
    say(
      `${`${r.kind} ${r.members}`.padEnd(18)}${String(r.online).padStart(8)}${String(r.offeredPerSecond).padStart(10)}${String(r.deliveriesPerSecond).padStart(10)}${String(r.completionMs.p50).padStart(11)}${String(r.completionMs.max).padStart(11)}` +
        `${String(r.latencyMs.p50).padStart(9)}${String(r.latencyMs.p99).padStart(8)}${String(r.latencyMs.max).padStart(8)}${String(r.expected - r.received).padStart(9)}`,
    );
  }
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results', `groups-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ scenario: 'groups', run, gateways: gateways.length, results }, null, 2)}\n`);
  say(`JSON: ${file}`);
}

if (process.argv.includes('--worker')) void worker();
else
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
