/**
 * M5, reconnect storm, against a running platform (npm start):
 *   npm run bench -- storm [--count 10000] [--region ap-singapore] [--concurrency 200]
 *
 * Starts two extra gateway instances of --region (ports 7540, 7542), connects --count clients
 * (users `<run>u<i>`, one connection each, client addresses 127.0.0.2-201, worker processes of at
 * most 15,000) to the first one, then kills it with SIGKILL. Every client does what the SDK does:
 * on the close it reconnects, after a jittered backoff (100 ms · 2^attempt, at most 2 s), to the
 * region's other gateways (round-robin by client), logs in with `resumeLoginId`, and resyncs
 * (`chat.conversations`). Reported: time from the kill until each client is reconnected and
 * resynced (p50/p99/max, all), failures, and the surviving gateways' CPU. Bounded: 5 minutes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { genUserSig } from '@meridian/usersig';
import { stopChildren } from '../../launcher/src/control';
import { spawnGateways } from './gateways';
import { Histogram, type HistogramSnapshot } from './histogram';
import { ROOT, readLocal } from './local';
import { CpuWindow, findTargets } from './proc-sampler';

const PER_WORKER = 15_000;
const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Job {
  sdkAppId: number;
  key: string;
  prefix: string;
  from: number;
  to: number;
  victim: string;
  survivors: string[];
  concurrency: number;
}
type WorkerMsg =
  | { t: 'ready'; connected: number; failed: number }
  | { t: 'progress'; connected: number; reconnected: number; resynced: number; failedReconnects: number; reconnectMs: HistogramSnapshot; resyncMs: HistogramSnapshot };

async function worker(): Promise<void> {
  const job = await new Promise<Job>((r) => process.once('message', (m) => r(m as Job)));
  let killAt = 0;
  const reconnectMs = new Histogram();
  const resyncMs = new Histogram();
  let connected = 0;
  let failed = 0;
  let reconnected = 0;
  let resynced = 0;
  let failedReconnects = 0;

  /** One connection: login (resuming `resume`), then `chat.conversations` when `sync`. */
  const session = (url: string, i: number, resume: string, sync: boolean): Promise<{ ws: WebSocket; loginId: string }> =>
    new Promise((ok, fail) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { localAddress: `127.0.0.${2 + (i % 200)}`, perMessageDeflate: false });
      const timer = setTimeout(() => (ws.terminate(), fail(new Error('timeout'))), 15_000);
      let loginId = '';
      ws.once('error', (e) => (clearTimeout(timer), fail(e)));
      ws.once('open', () => {
        const userId = `${job.prefix}${i}`;
        ws.send(JSON.stringify({ v: 1, t: 'login', id: 1, body: { sdkAppId: job.sdkAppId, userId, userSig: genUserSig({ sdkAppId: job.sdkAppId, key: job.key, identifier: userId, expireSeconds: 7200 }), platform: 'Web', ...(resume ? { resumeLoginId: resume } : {}) } }));
      });
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString()) as { t: string; id?: number; code?: number; did?: string; body?: { loginId?: string } };
        if (f.t === 'push') return ws.send(JSON.stringify({ v: 1, t: 'ack', dids: [f.did] }));
        if (f.t !== 'res') return;
        if (f.code !== 0) {
          clearTimeout(timer);
          ws.terminate();
          return fail(new Error(`code ${f.code}`));
        }
        if (f.id === 1) {
          loginId = f.body?.loginId ?? '';
          if (!sync) return (clearTimeout(timer), ok({ ws, loginId }));
          if (killAt) reconnectMs.record(Date.now() - killAt);
          reconnected++;
          ws.send(JSON.stringify({ v: 1, t: 'req', id: 2, cmd: 'chat.conversations', body: { limit: 20 } }));
        } else if (f.id === 2) {
          clearTimeout(timer);
          resynced++;
          resyncMs.record(Date.now() - killAt);
          ok({ ws, loginId });
        }
      });
    });

  const reconnect = async (i: number, loginId: string): Promise<void> => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const delay = Math.min(2000, 100 * 2 ** attempt);
      await sleep(delay / 2 + Math.random() * (delay / 2));
      try {
        const { ws } = await session(job.survivors[(i + attempt) % job.survivors.length]!, i, loginId, true);
        ws.on('close', () => undefined);
        return;
      } catch {
        // next gateway, longer backoff
      }
    }
    failedReconnects++;
  };

  let next = job.from;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.to) {
        const i = next++;
        try {
          const { ws, loginId } = await session(job.victim, i, '', false);
          connected++;
          ws.once('close', () => void reconnect(i, loginId));
        } catch {
          failed++;
        }
      }
    }),
  );
  process.send!({ t: 'ready', connected, failed } satisfies WorkerMsg);
  process.on('message', (m: { t: string; at?: number }) => {
    if (m.t === 'kill') killAt = m.at!;
    if (m.t === 'stop') process.exit(0);
  });
  setInterval(() => process.send!({ t: 'progress', connected, reconnected, resynced, failedReconnects, reconnectMs: reconnectMs.snapshot(), resyncMs: resyncMs.snapshot() } satisfies WorkerMsg), 250);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { count: { type: 'string', default: '10000' }, region: { type: 'string', default: 'ap-singapore' }, concurrency: { type: 'string', default: '200' } } });
  const local = readLocal();
  const count = Number(values.count);
  const spawned = await spawnGateways(2, values.region, 7540);
  const stop = () => stopChildren(spawned.map((g) => g.child));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(130)));
  const victim = spawned[0]!;
  const survivors = [local.regions[values.region]!.gateway, spawned[1]!.url];
  const run = `m5${Date.now().toString(36)}`;
  const workers: { child: ChildProcess; ready?: Extract<WorkerMsg, { t: 'ready' }>; progress?: Extract<WorkerMsg, { t: 'progress' }> }[] = [];
  try {
    const t0 = Date.now();
    for (let from = 0; from < count; from += PER_WORKER) {
      const child = fork(join(ROOT, 'tools', 'runtime', 'run.js'), ['dist/tools/bench/src/storm.bench.js', '--worker'], { execArgv: ['--max-old-space-size=4096'] });
      const w: (typeof workers)[number] = { child };
      child.on('message', (m: WorkerMsg) => (m.t === 'ready' ? (w.ready = m) : (w.progress = m)));
      child.send({ sdkAppId: local.demoApp.sdkAppId, key: local.demoApp.secretKey, prefix: `${run}u`, from, to: Math.min(count, from + PER_WORKER), victim: victim.url, survivors, concurrency: Math.ceil(Number(values.concurrency) / Math.ceil(count / PER_WORKER)) } satisfies Job);
      workers.push(w);
    }
    for (const deadline = Date.now() + 10 * 60_000; !workers.every((w) => w.ready); ) {
      if (Date.now() > deadline) throw new Error('clients did not connect within 10 minutes');
      await sleep(250);
    }
    const connected = workers.reduce((s, w) => s + w.ready!.connected, 0);
    say(`${connected} clients on ${victim.url} (${workers.reduce((s, w) => s + w.ready!.failed, 0)} failed) in ${((Date.now() - t0) / 1000).toFixed(1)} s; survivors ${survivors.join(', ')}; settling 5 s, then SIGKILL`);
    await sleep(5000);
    const cpu = new CpuWindow(() => findTargets(ROOT));
    const killAt = Date.now();
    for (const w of workers) w.child.send({ t: 'kill', at: killAt });
    victim.child.process.kill('SIGKILL');
    let lastLog = 0;
    const sum = (f: (p: Extract<WorkerMsg, { t: 'progress' }>) => number) => workers.reduce((s, w) => s + (w.progress ? f(w.progress) : 0), 0);
    for (const deadline = killAt + 5 * 60_000; sum((p) => p.resynced + p.failedReconnects) < connected && Date.now() < deadline; ) {
      cpu.sample();
      if (Date.now() - lastLog > 2000) {
        lastLog = Date.now();
        say(`t+${((Date.now() - killAt) / 1000).toFixed(1)} s: reconnected ${sum((p) => p.reconnected)}, resynced ${sum((p) => p.resynced)}/${connected}, gave up ${sum((p) => p.failedReconnects)}`);
      }
      await sleep(250);
    }
    await sleep(300);
    const usage = cpu.finish();
    const merge = (pick: (p: Extract<WorkerMsg, { t: 'progress' }>) => HistogramSnapshot) => workers.reduce((h, w) => (w.progress ? h.merge(pick(w.progress)) : h), new Histogram());
    const rec = merge((p) => p.reconnectMs);
    const res = merge((p) => p.resyncMs);
    const q = (h: Histogram) => `p50 ${(h.quantile(0.5) / 1000).toFixed(2)} s, p99 ${(h.quantile(0.99) / 1000).toFixed(2)} s, all ${(h.max / 1000).toFixed(2)} s`;
    say(`reconnected ${rec.count}/${connected}: ${q(rec)}`);
    say(`resynced ${res.count}/${connected}: ${q(res)}; gave up ${sum((p) => p.failedReconnects)}`);
    say(`CPU seconds from the kill: ${usage.processes.filter((p) => p.cpuSeconds >= 0.3).sort((a, b) => b.cpuSeconds - a.cpuSeconds).map((p) => `${p.name} ${p.cpuSeconds.toFixed(1)}`).join(', ')}`);
    process.stdout.write(`${JSON.stringify({ scenario: 'storm', clients: connected, reconnected: rec.count, resynced: res.count, gaveUp: sum((p) => p.failedReconnects), reconnectS: { p50: rec.quantile(0.5) / 1000, p99: rec.quantile(0.99) / 1000, max: rec.max / 1000 }, resyncS: { p50: res.quantile(0.5) / 1000, p99: res.quantile(0.99) / 1000, max: res.max / 1000 } })}\n`);
  } finally {
    for (const w of workers) w.child.send({ t: 'stop' });
    await stop();
  }
}

if (process.argv.includes('--worker')) void worker();
else
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
