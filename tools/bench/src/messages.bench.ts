/**
 * M1 (1:1 latency at fixed rates) and M2 (highest sustained durable rate), against the platform
 * started by `npm start` (docs/benchmarks.md has the method and the figures):
 *   npm run bench -- messages [--rates 100,500,1000] [--duration 20] [--pairs 200]
 *                             [--same-region] [--sender-region R] [--m2-rates 250,500,...]
 *                             [--m2-duration 15] [--only m1|m2] [--workers 2] [--budget 290]
 *                             [--warmup 5] [--drain 15] [--settle 20] [--abort-after-ms 2000]
 *                             [--max-inflight-s 1] [--login-concurrency 4] [--delete-users]
 *
 * Reads .meridian/local.json (demo app, its key and admin UserSig, the regions' gateways), imports
 * --pairs sender and receiver accounts with a per-run prefix over REST (multiaccount_import), and
 * opens one WebSocket per account from worker processes (client addresses 127.0.0.2-201):
 * senders on --sender-region's gateway (default: the app's home region), receivers on the other
 * region's (or the same one with --same-region). A closed-loop warm-up sends the first message of
 * every pair's conversation. Each step is then open loop: message g of a step is due at
 * start + g / rate whatever happened to earlier ones, carries its due time in its TIMCustomElem
 * Data, and latency is measured from that due time (no coordinated omission): due → the
 * recipient's `push` (send→receive) and due → the sender's `res` (send→ack). After the sending
 * window each step drains (bounded) until every request is answered and every accepted message
 * received. Per step: counts, errors by code, percentiles from a log-linear histogram (≤ 0.4 %
 * error), the push consumer group's Kafka lag, and CPU seconds / RSS of every platform and
 * data-plane process from /proc. M2 steps --m2-rates up until p99 send→receive > 200 ms, errors
 * > 0.1 % or received < 99.9 % of accepted. An overload guard stops a step's sending when requests
 * wait too long or pile up (the services keep working on requests the gateway already answered
 * 70169, so a runaway open loop would load the shared data plane for minutes), and no higher rate
 * is tried after it. The result is printed, and written to bench-results/messages-<timestamp>.json
 * with a small HTML chart beside it. Bounded: every phase has a timeout and the measured steps a
 * total time budget (--budget seconds).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import WebSocket from 'ws';
import { genUserSig } from '@meridian/usersig';
import { Histogram, type HistogramSnapshot } from './histogram';
import { ROOT, readLocal, restClient, type LocalJson } from './local';
import { CpuWindow, environ, findTargets, isDataPlane, otherMeridianProcesses, type ProcTarget } from './proc-sampler';

const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** CLOCK_MONOTONIC in µs: one clock for every process on the machine. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

// ------------------------------------------------------------------------------------ protocol --

interface Pair {
  sender: string;
  receiver: string;
}

interface InitMsg {
  t: 'init';
  sdkAppId: number;
  key: string;
  senderWs: string;
  receiverWs: string;
  pairs: Pair[];
  /** Index of this worker's first pair overall, to spread client addresses. */
  firstPair: number;
  tag: string;
  loginConcurrency: number;
}

interface StepMsg {
  t: 'step';
  step: number;
  startUs: number;
  /** µs between two consecutive messages of the whole step (all workers). */
  intervalUs: number;
  /** This worker sends global messages w, w + W, w + 2W, … */
  worker: number;
  workers: number;
  total: number;
  drainS: number;
  /** Overload guard: stop sending when a request has waited this long for its answer… */
  abortAfterMs: number;
  /** …or when this many of this worker's requests are unanswered. */
  maxInflight: number;
}

interface StepStats {
  step: number;
  sent: number;
  answered: number;
  acked: number;
  received: number;
  duplicates: number;
  errors: Record<string, number>;
  recv: HistogramSnapshot;
  ack: HistogramSnapshot;
  /** How late the bench itself fired sends against their schedule. */
  sendLag: HistogramSnapshot;
  drainSeconds: number;
  /** Set when the overload guard stopped the step's sending early. */
  aborted?: string;
}

type WorkerMsg =
  | { t: 'ready'; connected: number; failed: number; firstError?: string }
  | { t: 'progress'; step: number; sent: number; acked: number; received: number }
  | { t: 'done'; stats: StepStats }
  | { t: 'late'; byStep: Record<number, number> }
  | { t: 'probe'; ms: number; code: number }
  | { t: 'warm'; first: { sent: number; errors: number; ack: HistogramSnapshot; seconds: number }; sent: number; errors: number; ack: HistogramSnapshot };

type MainMsg = InitMsg | StepMsg | { t: 'probe' } | { t: 'warmup'; seconds: number; concurrency: number } | { t: 'stop' };

// -------------------------------------------------------------------------------------- worker --

class StepState {
  sent = 0;
  answered = 0;
  acked = 0;
  received = 0;
  duplicates = 0;
  errors: Record<string, number> = {};
  recv = new Histogram();
  ack = new Histogram();
  sendLag = new Histogram();
  done = false;
  aborted?: string;
  readonly seen = new Set<string>();

  error(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }
}

async function worker(): Promise<void> {
  const init = await new Promise<InitMsg>((r) => process.once('message', (m) => r(m as InitMsg)));
  const send = (m: WorkerMsg) => process.send!(m);
  const steps = new Map<number, StepState>();
  const late: Record<number, number> = {};
  const pending = new Map<number, { step: number; dueUs: number }>();
  let nextId = 1;
  let random = randomInt(0, 2 ** 30);
  const senders: WebSocket[] = [];
  const receivers: WebSocket[] = [];
  let current: StepState | undefined;
  let failed = 0;
  let firstError: string | undefined;
  let stopping = false;
  // Whatever happens to the parent, never outlive it.
  process.once('disconnect', () => {
    stopping = true;
    for (const ws of [...senders, ...receivers]) ws?.terminate();
    process.exit(0);
  });

  const connect = async (role: 'sender' | 'receiver', userId: string, addr: number, onFrame: (ws: WebSocket, data: WebSocket.RawData) => void): Promise<WebSocket> => {
    const url = role === 'sender' ? init.senderWs : init.receiverWs;
    const ws = new WebSocket(url, { localAddress: `127.0.0.${2 + (addr % 200)}`, perMessageDeflate: false });
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    const userSig = genUserSig({ sdkAppId: init.sdkAppId, key: init.key, identifier: userId, expireSeconds: 3600 });
    ws.send(JSON.stringify({ v: 1, t: 'login', id: 0, body: { sdkAppId: init.sdkAppId, userId, userSig, platform: 'Web' } }));
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('login timed out')), 15_000);
      ws.once('message', (data) => {
        clearTimeout(timer);
        const f = JSON.parse(data.toString()) as { code: number; info: string };
        if (f.code === 0) res();
        else rej(new Error(`login ${f.code} ${f.info}`));
      });
    }).catch((err: unknown) => {
      ws.terminate();
      throw err;
    });
    ws.on('message', (data) => onFrame(ws, data));
    // A connection the server closes mid-run is an error of the step in progress (with its code).
    ws.on('close', (code) => {
      if (!stopping) current?.error(`${role} socket closed ${code}`);
    });
    return ws;
  };

  const onReceiverFrame = (ws: WebSocket, data: WebSocket.RawData) => {
    const f = JSON.parse(data.toString()) as { t: string; did?: string; kind?: string; code?: number; body?: Record<string, unknown> };
    if (f.t === 'push') {
      ws.send(`{"v":1,"t":"ack","dids":[${JSON.stringify(f.did)}]}`);
      if (f.kind !== 'c2c' || !f.body) return;
      const content = (f.body['MsgBody'] as { MsgContent?: { Data?: string } }[] | undefined)?.[0]?.MsgContent?.Data ?? '';
      const [tag, step, due] = content.split('|');
      if (tag !== init.tag) return;
      const s = steps.get(Number(step));
      if (!s) return;
      const key = `${String(f.body['ConversationId'])}:${String(f.body['MsgSeq'])}`;
      if (s.seen.has(key)) {
        s.duplicates++;
        return;
      }
      s.seen.add(key);
      if (s.done) {
        late[Number(step)] = (late[Number(step)] ?? 0) + 1;
        return;
      }
      s.received++;
      s.recv.record(nowUs() - Number(due));
    } else if (f.t === 'kicked' || f.t === 'error') {
      current?.error(`receiver ${f.t} ${f.code ?? ''}`.trim());
    }
  };

  // Requests outside the steps (warm-up, probes) wait for their own answer.
  const waiters = new Map<number, (f: { code?: number }) => void>();
  const onSenderFrame = (_ws: WebSocket, data: WebSocket.RawData) => {
    const f = JSON.parse(data.toString()) as { t: string; id?: number; code?: number };
    if (f.id !== undefined && waiters.has(f.id)) {
      waiters.get(f.id)!(f);
      waiters.delete(f.id);
    } else if ((f.t === 'res' || f.t === 'error') && f.id !== undefined && pending.has(f.id)) {
      const p = pending.get(f.id)!;
      pending.delete(f.id);
      const s = steps.get(p.step)!;
      s.answered++;
      if (f.t === 'res' && f.code === 0) {
        s.acked++;
        s.ack.record(nowUs() - p.dueUs);
      } else s.error(String(f.code));
    } else if (f.t === 'error' || f.t === 'kicked') {
      current?.error(`sender ${f.t} ${f.code ?? ''}`.trim());
    }
  };

  // Heartbeats from the start: on a slow platform the logins alone can outlast the 90 s idle timeout.
  const heartbeat = setInterval(() => {
    for (const ws of [...senders, ...receivers]) if (ws?.readyState === WebSocket.OPEN) ws.send('{"v":1,"t":"ping"}');
  }, 25_000);
  // Connect receivers before their senders, a few at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: init.loginConcurrency }, async () => {
      while (next < init.pairs.length) {
        const i = next++;
        const pair = init.pairs[i]!;
        // A login the home region could not finish within its deadline (70169) is tried again.
        for (let attempt = 1; ; attempt++) {
          try {
            receivers[i] ??= await connect('receiver', pair.receiver, init.firstPair + i, onReceiverFrame);
            senders[i] ??= await connect('sender', pair.sender, init.firstPair + i + 100, onSenderFrame);
            break;
          } catch (err) {
            firstError ??= (err as Error).message;
            if (attempt >= 3) {
              failed++;
              break;
            }
            await sleep(500 * attempt);
          }
        }
      }
    }),
  );
  const live = init.pairs.map((_, i) => i).filter((i) => senders[i] && receivers[i]);
  send({ t: 'ready', connected: live.length, failed, firstError });

  const runStep = (m: StepMsg) => {
    const s = new StepState();
    steps.set(m.step, s);
    current = s;
    const count = m.total > m.worker ? Math.floor((m.total - m.worker - 1) / m.workers) + 1 : 0;
    let j = 0;
    const fire = (dueUs: number) => {
      const i = live[j % live.length]!;
      const ws = senders[i]!;
      s.sent++;
      s.sendLag.record(nowUs() - dueUs);
      if (ws.readyState !== WebSocket.OPEN) {
        s.answered++;
        s.error('socket closed');
        return;
      }
      const id = nextId++;
      pending.set(id, { step: m.step, dueUs });
      random = (random + 1) % 2 ** 32;
      const body = {
        To_Account: init.pairs[i]!.receiver,
        MsgRandom: random,
        MsgBody: [{ MsgType: 'TIMCustomElem', MsgContent: { Data: `${init.tag}|${m.step}|${dueUs}`, Desc: 'bench' } }],
      };
      ws.send(JSON.stringify({ v: 1, t: 'req', id, cmd: 'chat.send', body }));
    };
    const progress = setInterval(() => send({ t: 'progress', step: m.step, sent: s.sent, acked: s.acked, received: s.received }), 1000);
    const tick = () => {
      const now = nowUs();
      // Overload guard: past the abort threshold the platform is far beyond any latency target,
      // and every further request only deepens a backlog the servers keep working through after
      // the gateway's deadline has answered the client. Stop this step's sending.
      const oldest = pending.values().next().value;
      const inflight = s.sent - s.answered;
      if (j < count && ((oldest && oldest.step === m.step && now - oldest.dueUs > m.abortAfterMs * 1000) || inflight > m.maxInflight)) {
        const why = inflight > m.maxInflight ? `${inflight} requests unanswered (limit ${m.maxInflight})` : `a request unanswered for ${m.abortAfterMs} ms`;
        s.aborted = `${why} ${((now - m.startUs) / 1e6).toFixed(1)} s into the step; ${count - j} of this worker's ${count} sends skipped`;
        j = count;
      }
      while (j < count) {
        const due = m.startUs + (m.worker + j * m.workers) * m.intervalUs;
        if (due > now) break;
        fire(due);
        j++;
      }
      if (j < count) setTimeout(tick, 1);
      else void drain();
    };
    const drain = async () => {
      const started = Date.now();
      while (Date.now() - started < m.drainS * 1000 && (s.answered < s.sent || s.received < s.acked)) await sleep(20);
      clearInterval(progress);
      s.done = true;
      const unanswered = s.sent - s.answered;
      if (unanswered > 0) s.errors['no answer'] = unanswered;
      // Requests still open are counted now; their late answers are ignored.
      for (const [id, p] of pending) if (p.step === m.step) pending.delete(id);
      send({
        t: 'done',
        stats: {
          step: m.step,
          sent: s.sent,
          answered: s.answered,
          acked: s.acked,
          received: s.received,
          duplicates: s.duplicates,
          errors: s.errors,
          recv: s.recv.snapshot(),
          ack: s.ack.snapshot(),
          sendLag: s.sendLag.snapshot(),
          drainSeconds: (Date.now() - started) / 1000,
          aborted: s.aborted,
        },
      });
    };
    if (count === 0 || live.length === 0) void drain();
    else setTimeout(tick, Math.max(0, (m.startUs - nowUs()) / 1000));
  };

  /** One chat.send outside the steps, answered with its code and round trip (code -1: no answer in 10 s). */
  const request = (i: number, text: string) =>
    new Promise<{ code: number; ms: number }>((resolve) => {
      const id = nextId++;
      const t0 = nowUs();
      const timer = setTimeout(() => {
        waiters.delete(id);
        resolve({ code: -1, ms: (nowUs() - t0) / 1000 });
      }, 10_000);
      waiters.set(id, (f) => {
        clearTimeout(timer);
        resolve({ code: f.code ?? -1, ms: (nowUs() - t0) / 1000 });
      });
      random = (random + 1) % 2 ** 32;
      const body = { To_Account: init.pairs[i]!.receiver, MsgRandom: random, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] };
      if (senders[i]!.readyState === WebSocket.OPEN) senders[i]!.send(JSON.stringify({ v: 1, t: 'req', id, cmd: 'chat.send', body }));
    });
  const probe = async () => {
    const r = live.length ? await request(live[0]!, 'probe') : { code: -1, ms: 0 };
    send({ t: 'probe', ...r });
  };
  // Closed loop, a few requests in flight, so it adapts to whatever the platform can take: first
  // one message per pair (a new conversation each, whose first message costs more), then
  // `seconds` more of ordinary sends.
  const warmup = async (seconds: number, concurrency: number) => {
    const loop = async (until: () => boolean, pick: (k: number) => number | undefined) => {
      const ack = new Histogram();
      let sent = 0;
      let errors = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, c) => {
          for (let k = c; !until(); k += concurrency) {
            const i = pick(k);
            if (i === undefined) break;
            sent++;
            const r = await request(i, 'warm-up');
            if (r.code === 0) ack.record(r.ms * 1000);
            else errors++;
          }
        }),
      );
      return { sent, errors, ack: ack.snapshot() };
    };
    const t0 = Date.now();
    const first = await loop(() => Date.now() - t0 > 120_000, (k) => live[k]);
    const firstSeconds = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const rest = await loop(() => Date.now() - t1 > seconds * 1000, (k) => live[k % live.length]);
    send({ t: 'warm', first: { ...first, seconds: firstSeconds }, ...rest });
  };

  process.on('message', (m: MainMsg) => {
    if (m.t === 'probe') void probe();
    if (m.t === 'warmup') void warmup(m.seconds, m.concurrency);
    if (m.t === 'step') runStep(m);
    if (m.t === 'stop') {
      stopping = true;
      clearInterval(heartbeat);
      send({ t: 'late', byStep: late });
      for (const ws of [...senders, ...receivers]) ws?.close(1000);
      setTimeout(() => {
        for (const ws of [...senders, ...receivers]) ws?.terminate();
        process.exit(0);
      }, 500);
    }
  });
}

// ---------------------------------------------------------------------------------------- main --

interface StepResult {
  phase: 'M1' | 'M2';
  label: string;
  rate: number;
  durationS: number;
  planned: number;
  /** Why the overload guard stopped sending early, if it did. */
  aborted: string | null;
  sent: number;
  acked: number;
  received: number;
  duplicates: number;
  lateAfterStep: number;
  errors: Record<string, number>;
  errorCount: number;
  drainSeconds: number;
  settleSeconds: number;
  acceptedPerSecond: number;
  sendToReceiveMs: Percentiles;
  sendToAckMs: Percentiles;
  benchSendLagMs: Percentiles;
  kafkaLag: { start: number; max: number; end: number; flat: boolean } | null;
  machineBusyPct: number;
  /** CPU used by processes this bench does not watch (another engineer's tests…), % of one core. */
  otherLoadPct: number;
  windowSeconds: number;
  /** The step's sending window and drain on CLOCK_MONOTONIC (µs), for profiles taken meanwhile. */
  windowUs: { start: number; end: number };
  otherMeridianProcesses: number;
  processes: { name: string; pid: number; cpuSeconds: number; cpuPct: number; cpuPer1kMessages: number; rssMiB: number; peakRssMiB: number }[];
  pass?: boolean;
  failReasons?: string[];
}

interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const pct = (h: Histogram): Percentiles => {
  const ms = (us: number) => Math.round(us / 10) / 100;
  return { count: h.count, p50: ms(h.quantile(0.5)), p95: ms(h.quantile(0.95)), p99: ms(h.quantile(0.99)), p999: ms(h.quantile(0.999)), max: ms(h.max), mean: ms(h.mean()) };
};

class Workers {
  readonly list: {
    child: ChildProcess;
    pid: number;
    ready?: { connected: number; failed: number; firstError?: string };
    progress?: { step: number; sent: number; acked: number; received: number };
    done: Map<number, StepStats>;
    late?: Record<number, number>;
    probe?: { ms: number; code: number };
    warm?: Extract<WorkerMsg, { t: 'warm' }>;
  }[] = [];

  spawn(n: number, init: (w: number) => InitMsg): void {
    for (let w = 0; w < n; w++) {
      const child = fork(join(ROOT, 'tools', 'runtime', 'run.js'), ['dist/tools/bench/src/messages.bench.js', '--worker'], { cwd: ROOT });
      const entry: Workers['list'][number] = { child, pid: child.pid!, done: new Map() };
      child.on('message', (m: WorkerMsg) => {
        if (m.t === 'ready') entry.ready = m;
        else if (m.t === 'progress') entry.progress = m;
        else if (m.t === 'done') entry.done.set(m.stats.step, m.stats);
        else if (m.t === 'late') entry.late = m.byStep;
        else if (m.t === 'probe') entry.probe = m;
        else if (m.t === 'warm') entry.warm = m;
      });
      child.on('exit', (code) => {
        if (code !== 0 && code !== null) say(`worker ${w} exited with code ${code}`);
      });
      child.send(init(w));
      this.list.push(entry);
    }
  }

  async until(pred: () => boolean, timeoutMs: number, what: string, tick?: () => void): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`${what} did not complete in ${timeoutMs / 1000} s`);
      if (this.list.some((w) => w.child.exitCode !== null)) throw new Error(`a worker exited during ${what}`);
      tick?.();
      await sleep(100);
    }
  }

  /** Round trip of one chat.send through worker 0, or Infinity when it fails or takes over 10 s. */
  async probe(): Promise<number> {
    const w = this.list[0]!;
    w.probe = undefined;
    w.child.send({ t: 'probe' } satisfies MainMsg);
    const answer = () => w.probe as { ms: number; code: number } | undefined;
    for (const deadline = Date.now() + 10_000; !answer() && Date.now() < deadline; ) await sleep(20);
    return answer()?.code === 0 ? answer()!.ms : Infinity;
  }

  async stop(): Promise<void> {
    for (const w of this.list) if (w.child.connected) w.child.send({ t: 'stop' } satisfies MainMsg);
    const deadline = Date.now() + 5000;
    while (this.list.some((w) => w.child.exitCode === null && w.child.signalCode === null) && Date.now() < deadline) await sleep(50);
    for (const w of this.list) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rates: { type: 'string', default: '100,500,1000' },
      duration: { type: 'string', default: '20' },
      pairs: { type: 'string', default: '200' },
      'same-region': { type: 'boolean', default: false },
      'sender-region': { type: 'string' },
      'm2-rates': { type: 'string', default: '250,500,1000,1500,2000,3000,4000' },
      'm2-duration': { type: 'string', default: '15' },
      only: { type: 'string', default: '' },
      workers: { type: 'string', default: '2' },
      drain: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '5' },
      'abort-after-ms': { type: 'string', default: '2000' },
      'login-concurrency': { type: 'string', default: '4' },
      settle: { type: 'string', default: '20' },
      budget: { type: 'string', default: '290' },
      'max-inflight-s': { type: 'string', default: '1' },
      'delete-users': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const started = Date.now();
  const local = readLocal();
  const app = local.demoApp;
  const regions = Object.keys(local.regions);
  const senderRegion = values['sender-region'] ?? app.homeRegion;
  const receiverRegion = values['same-region'] ? senderRegion : regions.find((r) => r !== senderRegion);
  if (!local.regions[senderRegion] || !receiverRegion) throw new Error(`need two regions in local.json (have ${regions.join(', ')}) and a valid --sender-region`);
  const pairsN = Number(values.pairs);
  const workersN = Math.max(1, Math.min(Number(values.workers), pairsN));
  const durationS = Number(values.duration);
  const m2DurationS = Number(values['m2-duration']);
  const drainS = Number(values.drain);
  const settleS = Number(values.settle);
  const budgetS = Number(values.budget);
  const abortAfterMs = Number(values['abort-after-ms']);
  const warmupS = Number(values.warmup);
  const maxInflightS = Number(values['max-inflight-s']);
  const m1Rates = values.only === 'm2' ? [] : values.rates.split(',').map(Number);
  const m2Rates = values.only === 'm1' ? [] : values['m2-rates'].split(',').map(Number);
  const maxRate = Math.max(...m1Rates, ...m2Rates, 0);
  if (maxRate / pairsN > 45) say(`warning: ${maxRate}/s over ${pairsN} pairs is ${(maxRate / pairsN).toFixed(0)} frames/s per connection, near the gateway's 50/s limit`);

  for (const r of new Set([senderRegion, receiverRegion])) {
    const ok = await fetch(`${local.regions[r]!.gateway}/readyz`).then((res) => res.ok, () => false);
    if (!ok) throw new Error(`${r} gateway ${local.regions[r]!.gateway} is not ready; run npm start first`);
  }

  // Accounts through the REST API, in the app's home region.
  const tag = `mb${Date.now().toString(36)}`;
  const pairs: Pair[] = Array.from({ length: pairsN }, (_, i) => ({ sender: `${tag}s${i}`, receiver: `${tag}r${i}` }));
  const rest = restClient(local);
  const ids = pairs.flatMap((p) => [p.sender, p.receiver]);
  for (let i = 0; i < ids.length; i += 100) {
    const res = await rest('im_open_login_svc/multiaccount_import', { Accounts: ids.slice(i, i + 100) });
    if ((res['FailAccounts'] as string[] | undefined)?.length) throw new Error(`multiaccount_import failed for ${JSON.stringify(res['FailAccounts'])}`);
  }
  say(`run ${tag}: imported ${ids.length} accounts; senders on ${senderRegion}, receivers on ${receiverRegion}${senderRegion === receiverRegion ? ' (same region)' : ' (cross-region)'}; home ${app.homeRegion}`);

  const workers = new Workers();
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      say(`${signal}: stopping workers`);
      void workers.stop().then(() => process.exit(130));
    });
  }
  const per = Math.ceil(pairsN / workersN);
  const connectStarted = Date.now();
  workers.spawn(workersN, (w) => ({
    t: 'init',
    sdkAppId: app.sdkAppId,
    key: app.secretKey,
    senderWs: `${local.regions[senderRegion]!.gateway.replace(/^http/, 'ws')}/v1/ws`,
    receiverWs: `${local.regions[receiverRegion]!.gateway.replace(/^http/, 'ws')}/v1/ws`,
    pairs: pairs.slice(w * per, (w + 1) * per),
    firstPair: w * per,
    tag,
    loginConcurrency: Number(values['login-concurrency']),
  }));
  try {
    await workers.until(() => workers.list.every((w) => w.ready), 120_000, 'connecting');
    const connected = workers.list.reduce((s, w) => s + w.ready!.connected, 0);
    const failed = workers.list.reduce((s, w) => s + w.ready!.failed, 0);
    say(`${connected} pairs connected and logged in (${failed} failed${failed ? `: ${workers.list.find((w) => w.ready!.firstError)?.ready!.firstError}` : ''}) in ${((Date.now() - connectStarted) / 1000).toFixed(1)} s`);
    if (connected === 0) throw new Error('no pair connected');

    const kafka = await lagSampler(local, app.homeRegion);
    const platformTargets = findTargets(realpathSync(ROOT));
    say(`watching ${platformTargets.length} processes: ${platformTargets.map((t) => t.name).join(', ')}`);
    // Which MongoDB the platform talks to (MERIDIAN_MONGO_URL overrides the topology's).
    const chatPid = platformTargets.find((t) => t.name === `${app.homeRegion}.chat` || t.name === `${app.homeRegion}.all`)?.pid;
    const mongoUrl = (chatPid && environ(chatPid)['MERIDIAN_MONGO_URL']) || `${local.dataPlane.mongoUrl ?? '?'} (topology)`;
    if (!kafka) say('Kafka lag: not available (could not reach the broker or the push consumer group)');
    const targets: ProcTarget[] = [...platformTargets, ...workers.list.map((w, i) => ({ pid: w.pid, name: `bench.worker${i}` })), { pid: process.pid, name: 'bench.main' }];

    let stepNo = 0;
    const runStep = async (phase: StepResult['phase'], rate: number, seconds: number, total = Math.round(rate * seconds)): Promise<StepResult> => {
      const step = ++stepNo;
      const label = `${phase} ${rate}/s`;
      // Start from a quiet platform when possible, so one step does not pay for the last: an empty
      // push backlog, and one chat.send answered within 500 ms.
      const settleStarted = Date.now();
      let lagNow = kafka ? await kafka.lag() : 0;
      let probeMs = await workers.probe();
      while ((lagNow > 10 || probeMs > 500) && Date.now() - settleStarted < settleS * 1000) {
        await sleep(1000);
        lagNow = kafka ? await kafka.lag() : 0;
        probeMs = await workers.probe();
      }
      const settleSeconds = (Date.now() - settleStarted) / 1000;
      if (settleSeconds > 1.5 || probeMs > 500) {
        say(`${label}: waited ${settleSeconds.toFixed(0)} s for the platform to settle (push lag ${lagNow}, one chat.send ${Number.isFinite(probeMs) ? `${probeMs.toFixed(0)} ms` : 'failed or > 10 s'})`);
      }
      const window = new CpuWindow(() => targets);
      const others = otherMeridianProcesses(realpathSync(ROOT));
      const lags: number[] = [lagNow];
      const startUs = nowUs() + 300_000;
      const intervalUs = 1e6 / rate;
      // A second of the rate in flight means a mean latency over a second: far past any target.
      const maxInflight = Math.max(10, Math.ceil((rate * maxInflightS) / workersN));
      workers.list.forEach((w, i) => w.child.send({ t: 'step', step, startUs, intervalUs, worker: i, workers: workersN, total, drainS, abortAfterMs, maxInflight } satisfies MainMsg));
      let lastSample = Date.now();
      let lastPrint = Date.now();
      const stepStarted = Date.now();
      await workers.until(
        () => workers.list.every((w) => w.done.has(step)),
        (seconds + drainS + 30) * 1000,
        label,
        () => {
          if (Date.now() - lastSample < 1000) return;
          lastSample = Date.now();
          window.sample();
          void kafka?.lag().then((l) => Number.isFinite(l) && lags.push(l));
          if (Date.now() - lastPrint >= 5000) {
            lastPrint = Date.now();
            const cur = workers.list.map((w) => (w.progress?.step === step ? w.progress : { sent: 0, acked: 0, received: 0 }));
            const sum = (k: 'sent' | 'acked' | 'received') => cur.reduce((a, c) => a + c[k], 0);
            say(`${label} t=${((Date.now() - stepStarted) / 1000).toFixed(0)}s sent ${sum('sent')}/${total} accepted ${sum('acked')} received ${sum('received')}${kafka ? ` push lag ${lags[lags.length - 1]}` : ''}`);
          }
        },
      );
      const cpu = window.finish();
      const endUs = nowUs();
      const lagEnd = kafka ? await kafka.lag() : NaN;
      if (Number.isFinite(lagEnd)) lags.push(lagEnd);
      const stats = workers.list.map((w) => w.done.get(step)!);
      const recv = new Histogram();
      const ack = new Histogram();
      const sendLag = new Histogram();
      const errors: Record<string, number> = {};
      for (const s of stats) {
        recv.merge(s.recv);
        ack.merge(s.ack);
        sendLag.merge(s.sendLag);
        for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
      }
      const sum = (k: 'sent' | 'acked' | 'received' | 'duplicates') => stats.reduce((a, s) => a + s[k], 0);
      const acked = sum('acked');
      const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
      const result: StepResult = {
        phase,
        label,
        rate,
        durationS: seconds,
        planned: total,
        aborted: stats.find((s) => s.aborted)?.aborted ?? null,
        sent: sum('sent'),
        acked,
        received: sum('received'),
        duplicates: sum('duplicates'),
        lateAfterStep: 0,
        errors,
        errorCount,
        drainSeconds: Math.max(...stats.map((s) => s.drainSeconds)),
        settleSeconds,
        acceptedPerSecond: acked / seconds,
        sendToReceiveMs: pct(recv),
        sendToAckMs: pct(ack),
        benchSendLagMs: pct(sendLag),
        kafkaLag: kafka ? { start: lags[0]!, max: Math.max(...lags), end: lags[lags.length - 1]!, flat: Math.max(...lags) <= Math.max(50, rate * 0.2) && lags[lags.length - 1]! <= 10 } : null,
        machineBusyPct: cpu.machineBusyPct,
        otherLoadPct: Math.max(0, cpu.machineBusyPct * cpus().length - cpu.processes.reduce((a, p) => a + (100 * p.cpuSeconds) / cpu.wallSeconds, 0)),
        windowSeconds: cpu.wallSeconds,
        windowUs: { start: startUs, end: endUs },
        otherMeridianProcesses: others,
        processes: cpu.processes.map((p) => ({ ...p, cpuPct: (100 * p.cpuSeconds) / cpu.wallSeconds, cpuPer1kMessages: acked ? p.cpuSeconds / (acked / 1000) : NaN })),
      };
      printStep(result);
      return result;
    };

    const results: StepResult[] = [];
    const spent = () => (Date.now() - started) / 1000;
    const fits = (seconds: number) => spent() + seconds + drainS <= budgetS;
    // Warm-up, closed loop (2 requests in flight per worker): the first message of every pair's
    // conversation, then --warmup seconds more, so JIT, pools and new-conversation costs stay out
    // of the measured steps whatever rate the platform can take.
    const connectedPairs = workers.list.reduce((s, w) => s + w.ready!.connected, 0);
    say(`warm-up: one message per pair (new conversations), then ${warmupS} s, closed loop with ${2 * workersN} in flight…`);
    for (const w of workers.list) w.child.send({ t: 'warmup', seconds: warmupS, concurrency: 2 } satisfies MainMsg);
    await workers.until(() => workers.list.every((w) => w.warm), (warmupS + 150) * 1000, 'warm-up');
    const firstAck = new Histogram();
    const warmAck = new Histogram();
    for (const w of workers.list) {
      firstAck.merge(w.warm!.first.ack);
      warmAck.merge(w.warm!.ack);
    }
    const warm = {
      inFlight: 2 * workersN,
      firstMessages: {
        sent: workers.list.reduce((a, w) => a + w.warm!.first.sent, 0),
        errors: workers.list.reduce((a, w) => a + w.warm!.first.errors, 0),
        seconds: Math.max(...workers.list.map((w) => w.warm!.first.seconds)),
        sendToAckMs: pct(firstAck),
      },
      seconds: warmupS,
      sent: workers.list.reduce((a, w) => a + w.warm!.sent, 0),
      errors: workers.list.reduce((a, w) => a + w.warm!.errors, 0),
      sendToAckMs: pct(warmAck),
    };
    const fm = warm.firstMessages;
    say(`warm-up: first message of ${fm.sent} new conversations in ${fm.seconds.toFixed(1)} s (${fm.errors} errors), send→ack p50 ${f1(fm.sendToAckMs.p50)} p99 ${f1(fm.sendToAckMs.p99)} ms`);
    say(`warm-up: then ${warm.sent} sends in ${warmupS} s (${warm.errors} errors), send→ack p50 ${f1(warm.sendToAckMs.p50)} p99 ${f1(warm.sendToAckMs.p99)} ms → about ${(warm.sent / warmupS).toFixed(0)} msg/s closed loop`);
    const skipped: string[] = [];
    // A rate at or above one the overload guard stopped is not tried (it only deepens the backlog).
    let overloadedAt: number | undefined;
    for (const rate of m1Rates) {
      if (interrupted) break;
      if (!fits(durationS)) {
        skipped.push(`M1 ${rate}/s (time budget)`);
        continue;
      }
      if (overloadedAt !== undefined && rate >= overloadedAt) {
        skipped.push(`M1 ${rate}/s (the overload guard stopped M1 ${overloadedAt}/s)`);
        continue;
      }
      const r = await runStep('M1', rate, durationS);
      if (r.aborted) overloadedAt = rate;
      results.push(r);
    }
    let highest: number | null = null;
    let stoppedBecause = m2Rates.length ? 'every step passed' : 'M2 not run';
    for (const rate of m2Rates) {
      if (interrupted) break;
      if (!fits(m2DurationS)) {
        stoppedBecause = `time budget (${budgetS} s) reached before ${rate}/s`;
        skipped.push(`M2 ${rate}/s`);
        break;
      }
      if (overloadedAt !== undefined && rate >= overloadedAt) {
        stoppedBecause = `${rate}/s not tried: the overload guard stopped M1 at ${overloadedAt}/s`;
        skipped.push(`M2 ${rate}/s (overload at ${overloadedAt}/s in M1)`);
        break;
      }
      const r = await runStep('M2', rate, m2DurationS);
      r.failReasons = r.aborted ? [`overload guard: ${r.aborted}`] : [];
      if (!(r.sendToReceiveMs.p99 <= 200)) r.failReasons.push(`p99 send→receive ${r.sendToReceiveMs.p99} ms > 200 ms`);
      if (r.errorCount > r.sent * 0.001) r.failReasons.push(`errors ${r.errorCount}/${r.sent} > 0.1 %`);
      if (r.received < r.acked * 0.999) r.failReasons.push(`received ${r.received} < 99.9 % of ${r.acked} accepted`);
      r.pass = r.failReasons.length === 0;
      results.push(r);
      say(`M2 ${rate}/s ${r.pass ? 'PASS' : `FAIL (${r.failReasons.join('; ')})`}`);
      if (!r.pass) {
        stoppedBecause = `${rate}/s failed: ${r.failReasons.join('; ')}`;
        break;
      }
      highest = rate;
    }
    if (skipped.length) say(`skipped: ${skipped.join(', ')}`);

    // Late deliveries still queued in push are counted if they arrive before --settle runs out.
    const finalStarted = Date.now();
    while (kafka && (await kafka.lag()) > 2 && Date.now() - finalStarted < settleS * 1000) await sleep(1000);
    await sleep(1000);
    await workers.stop();
    for (const w of workers.list) for (const [step, n] of Object.entries(w.late ?? {})) results[Number(step) - 1]!.lateAfterStep += n;
    const missing = results.reduce((a, r) => a + Math.max(0, r.acked - r.received - r.lateAfterStep), 0);
    if (missing) say(`${missing} accepted messages had not arrived when the receivers disconnected (they stay in storage for chat.sync)`);
    await kafka?.close();
    if (values['delete-users']) {
      // Small batches: each deletion is a few database operations, and a batch must finish within
      // the home region's deadline. Bounded to 90 s; what is left is reported.
      let deleted = 0;
      let lastError = '';
      const until = Date.now() + 90_000;
      for (let i = 0; i < ids.length && Date.now() < until; i += 10) {
        await rest('im_open_login_svc/account_delete', { DeleteItem: ids.slice(i, i + 10).map((UserID) => ({ UserID })) }).then(
          () => (deleted += Math.min(10, ids.length - i)),
          (err: unknown) => (lastError = (err as Error).message),
        );
      }
      say(`deleted ${deleted} of the ${ids.length} bench accounts${lastError ? ` (last error: ${lastError})` : ''}`);
    } else say(`the run's ${ids.length} accounts (prefix ${tag}) are left in place; --delete-users deletes them`);

    printSummary(results, highest, stoppedBecause);
    const result = {
      scenario: 'messages',
      runId: tag,
      startedAt: new Date(started).toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      warmup: warm,
      config: { mongoUrl, warmupS, senderRegion, receiverRegion, homeRegion: app.homeRegion, pairs: pairsN, connectedPairs, workers: workersN, m1Rates, durationS, m2Rates, m2DurationS, drainS, settleS, budgetS, abortAfterMs, maxInflightS },
      steps: results,
      m1: results.filter((r) => r.phase === 'M1').map((r) => ({ rate: r.rate, p50: r.sendToReceiveMs.p50, p99: r.sendToReceiveMs.p99, ackP50: r.sendToAckMs.p50, ackP99: r.sendToAckMs.p99 })),
      m2: { highestPassingRate: highest, stoppedBecause, criteria: 'p99 send→receive ≤ 200 ms, errors ≤ 0.1 %, received ≥ 99.9 % of accepted' },
      skipped,
      wallSeconds: spent(),
    };
    const outDir = resolve(ROOT, values.out);
    mkdirSync(outDir, { recursive: true });
    const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
    const file = join(outDir, `messages-${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(file.replace(/\.json$/, '.html'), html(result.startedAt, results, `${senderRegion} → ${receiverRegion}`));
    say(`result written to ${file} (and .html beside it) in ${spent().toFixed(0)} s`);
  } finally {
    await workers.stop();
  }
}

/** Lag of the home region's push consumer group on push.deliveries.v1: end offsets − committed. */
async function lagSampler(local: LocalJson, homeRegion: string): Promise<{ lag: () => Promise<number>; close: () => Promise<void> } | undefined> {
  try {
    const topology = JSON.parse(readFileSync(join(ROOT, 'deploy', 'topology.json'), 'utf8')) as { regions: Record<string, { kafkaTopicPrefix: string }> };
    const prefix = topology.regions[homeRegion]!.kafkaTopicPrefix;
    const topic = `${prefix}push.deliveries.v1`;
    const groupId = `${prefix}push.deliveries`;
    const admin: Admin = new Kafka({ clientId: 'bench-messages', brokers: local.dataPlane.kafkaBrokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000 }).admin();
    await admin.connect();
    const lag = async () => {
      try {
        const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        const done = new Map(committed!.partitions.map((p) => [p.partition, Number(p.offset)]));
        return ends.reduce((a, e) => a + Math.max(0, Number(e.high) - (done.get(e.partition)! >= 0 ? done.get(e.partition)! : Number(e.low))), 0);
      } catch {
        return NaN;
      }
    };
    if (Number.isNaN(await lag())) throw new Error('lag unavailable');
    return { lag, close: () => admin.disconnect() };
  } catch {
    return undefined;
  }
}

// -------------------------------------------------------------------------------------- output --

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

function printStep(r: StepResult): void {
  const errs = Object.entries(r.errors).map(([k, v]) => `${k}×${v}`).join(' ') || '0';
  const lag = r.kafkaLag ? ` | push lag ${r.kafkaLag.start}→max ${r.kafkaLag.max}→${r.kafkaLag.end}${r.kafkaLag.flat ? ' (flat)' : ' (GROWING)'}` : '';
  if (r.aborted) say(`${r.label}: OVERLOAD GUARD stopped sending: ${r.aborted}`);
  say(
    `${r.label}: sent ${r.sent} accepted ${r.acked} received ${r.received} dup ${r.duplicates} errors ${errs} | send→recv p50 ${f1(r.sendToReceiveMs.p50)} p95 ${f1(r.sendToReceiveMs.p95)} p99 ${f1(r.sendToReceiveMs.p99)} max ${f1(r.sendToReceiveMs.max)} ms | send→ack p50 ${f1(r.sendToAckMs.p50)} p99 ${f1(r.sendToAckMs.p99)} ms${lag} | machine ${r.machineBusyPct.toFixed(0)} % busy, unwatched processes ${r.otherLoadPct.toFixed(0)} % of a core${r.otherLoadPct > 20 ? ' (NOISY)' : ''}${r.otherMeridianProcesses ? `, ${r.otherMeridianProcesses} other Meridian processes running` : ''}`,
  );
}

function printSummary(results: StepResult[], highest: number | null, stoppedBecause: string): void {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const measured = results;
  out('');
  const cols = ['step', 'sent', 'accepted', 'received', 'errors', 'recv p50', 'p95', 'p99', 'max', 'ack p50', 'p99', 'lag max', 'busy', 'other', ''];
  const width = [12, 7, 9, 9, 7, 10, 9, 9, 9, 9, 9, 8, 6, 6, 6];
  const row = (cells: string[]) => out(cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(''));
  row(cols);
  for (const r of results) {
    const a = r.sendToReceiveMs;
    row([
      r.label,
      String(r.sent),
      String(r.acked),
      String(r.received),
      String(r.errorCount),
      f1(a.p50),
      f1(a.p95),
      f1(a.p99),
      f1(a.max),
      f1(r.sendToAckMs.p50),
      f1(r.sendToAckMs.p99),
      r.kafkaLag ? String(r.kafkaLag.max) : '-',
      `${r.machineBusyPct.toFixed(0)}%`,
      `${r.otherLoadPct.toFixed(0)}%`,
      r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
    ]);
  }
  out('(latencies in ms from the scheduled send time; lag = push consumer lag in records; busy = whole machine; other = unwatched processes, % of one core)');
  out(`M2 highest passing rate: ${highest === null ? 'none of the steps passed' : `${highest} msg/s`} (stopped: ${stoppedBecause})`);
  out('');
  out('CPU seconds per 1,000 accepted messages (send window + drain), peak RSS over the run');
  const names = [...new Set(measured.flatMap((r) => r.processes.map((p) => p.name)))];
  out(`${'process'.padEnd(26)}${measured.map((r) => r.label.padStart(12)).join('')}${'peak RSS MiB'.padStart(14)}`);
  for (const name of names) {
    const cells = measured.map((r) => {
      const p = r.processes.find((x) => x.name === name);
      return (p ? p.cpuPer1kMessages.toFixed(3) : '-').padStart(12);
    });
    const peak = Math.max(...measured.flatMap((r) => r.processes.filter((p) => p.name === name).map((p) => p.peakRssMiB)));
    out(`${name.padEnd(26)}${cells.join('')}${peak.toFixed(0).padStart(14)}`);
  }
  const group = (label: string, pred: (n: string) => boolean) =>
    out(
      `${label.padEnd(26)}${measured
        .map((r) => {
          const ps = r.processes.filter((p) => pred(p.name));
          return (r.acked ? ps.reduce((a, p) => a + p.cpuSeconds, 0) / (r.acked / 1000) : NaN).toFixed(3).padStart(12);
        })
        .join('')}`,
    );
  group('= platform', (n) => !n.startsWith('bench') && !isDataPlane(n));
  group('= data plane', isDataPlane);
  group('= bench clients', (n) => n.startsWith('bench'));
  out('');
  out('CPU % of one core, averaged over each step (send window + drain); idle services cost ~1-2 % each');
  out(`${'process'.padEnd(26)}${measured.map((r) => r.label.padStart(12)).join('')}`);
  for (const name of names) {
    out(`${name.padEnd(26)}${measured.map((r) => (r.processes.find((x) => x.name === name)?.cpuPct.toFixed(1) ?? '-').padStart(12)).join('')}`);
  }
  out(`${'unwatched processes'.padEnd(26)}${measured.map((r) => r.otherLoadPct.toFixed(1).padStart(12)).join('')}`);
  out(`${'machine (100% = all cores)'.padEnd(26)}${measured.map((r) => `${r.machineBusyPct.toFixed(0)}%`.padStart(12)).join('')}`);
}

function html(when: string, results: StepResult[], route: string): string {
  const steps = results;
  const W = 760;
  const H = 300;
  const pad = 50;
  const values = steps.flatMap((r) => [r.sendToReceiveMs.p50, r.sendToReceiveMs.p99, r.sendToReceiveMs.max]).filter((v) => v > 0);
  const lo = Math.log10(Math.max(0.1, Math.min(...values, 1)));
  const hi = Math.log10(Math.max(...values, 10)) + 0.1;
  const x = (i: number) => pad + ((W - 2 * pad) * (i + 0.5)) / Math.max(1, steps.length);
  const y = (v: number) => H - pad - ((H - 2 * pad) * (Math.log10(Math.max(v, 0.1)) - lo)) / (hi - lo);
  const line = (key: 'p50' | 'p99' | 'max', color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${steps.map((r, i) => `${x(i).toFixed(1)},${y(r.sendToReceiveMs[key]).toFixed(1)}`).join(' ')}"/>` +
    steps.map((r, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(r.sendToReceiveMs[key]).toFixed(1)}" r="3" fill="${color}"><title>${r.label} ${key} ${r.sendToReceiveMs[key]} ms</title></circle>`).join('');
  const ticks = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    const v = 10 ** e;
    if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
    ticks.push(`<line x1="${pad}" x2="${W - pad}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${pad - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v} ms</text>`);
  }
  const slo = `<line x1="${pad}" x2="${W - pad}" y1="${y(200)}" y2="${y(200)}" stroke="#c00" stroke-dasharray="4 3"/><text x="${W - pad}" y="${y(200) - 4}" text-anchor="end" font-size="11" fill="#c00">200 ms (M2 p99 limit)</text>`;
  const labels = steps.map((r, i) => `<text x="${x(i)}" y="${H - pad + 16}" text-anchor="middle" font-size="11">${r.label}${r.pass === false ? ' ✗' : r.pass ? ' ✓' : ''}</text>`).join('');
  const rows = steps
    .map((r) => `<tr><td>${r.label}</td><td>${r.sent}</td><td>${r.acked}</td><td>${r.received}</td><td>${r.errorCount}</td><td>${r.sendToReceiveMs.p50}</td><td>${r.sendToReceiveMs.p99}</td><td>${r.sendToReceiveMs.max}</td><td>${r.sendToAckMs.p50}</td><td>${r.sendToAckMs.p99}</td><td>${r.kafkaLag?.max ?? '-'}</td></tr>`)
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>Meridian messages bench ${when}</title>
<body style="font-family:sans-serif;max-width:${W + 40}px">
<h2>Meridian messages bench</h2><p>${when} · ${route} · send→receive latency from the scheduled send time (log scale)</p>
<svg width="${W}" height="${H}" style="border:1px solid #eee">${ticks.join('')}${slo}${line('max', '#bbb')}${line('p99', '#d62')}${line('p50', '#26c')}${labels}
<text x="${pad}" y="16" font-size="12"><tspan fill="#26c">■ p50</tspan> <tspan fill="#d62">■ p99</tspan> <tspan fill="#999">■ max</tspan></text></svg>
<table border="1" cellpadding="4" style="border-collapse:collapse;font-size:13px;margin-top:12px"><tr><th>step</th><th>sent</th><th>accepted</th><th>received</th><th>errors</th><th>recv p50 ms</th><th>recv p99 ms</th><th>recv max ms</th><th>ack p50 ms</th><th>ack p99 ms</th><th>push lag max</th></tr>${rows}</table>
</body>
`;
}

if (process.argv.includes('--worker')) void worker();
else
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
