/**
 * M8, idle footprint of one region and cold start to the first accepted message:
 *   npm run bench -- coldstart [--runs 3] [--region ap-singapore] [--mode process|region] [--idle-s 30]
 *
 * Needs only the data plane (`npm run dataplane -- up`; `npm start` may run beside it). Runs its
 * own one-region platform (namespace `cold`, ports +16000, logs in .meridian/logs/cold) so
 * nothing else is touched. A first start creates the bench's app (fixed SDKAppID and key, kept in
 * that namespace's databases). Then, --runs times: every process of the region is started and the
 * clock runs until a client's `chat.send` over WebSocket is accepted (code 0): "cold start". After
 * the last run the region idles --idle-s seconds with one client connected, and the bench reports
 * each process's RSS and CPU over that time. Bounded: every wait has a timeout.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { GrpcClients, Metrics, loadPlatformConfig } from '@meridian/platform';
import { authV1 } from '@meridian/proto';
import { genUserSig } from '@meridian/usersig';
import { REPO_ROOT, resolvePlatform, spawnPlatform, stopChildren, waitReady, type Child, type ResolvedPlatform } from '../../launcher/src/control';
import { sampleOne } from './proc-sampler';

const NAMESPACE = 'cold';
const PORT_OFFSET = 16_000;
const SDK_APP_ID = 1_400_099_999;
const KEY = 'c0ffee'.repeat(10) + 'c0ff';
const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Connects, logs in and sends one message; resolves with the send's code (or throws). */
async function trySend(url: string, user: string, keep = false): Promise<{ code: number; ws: WebSocket }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { perMessageDeflate: false });
  const frames: { t: string; id?: number; code?: number }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(d.toString()) as { t: string; id?: number; code?: number });
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  const answer = async (id: number) => {
    for (const deadline = Date.now() + 5000; ; ) {
      const f = frames.find((x) => x.t === 'res' && x.id === id);
      if (f) return f.code ?? -1;
      if (Date.now() > deadline) throw new Error(`no answer to ${id}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  try {
    ws.send(JSON.stringify({ v: 1, t: 'login', id: 1, body: { sdkAppId: SDK_APP_ID, userId: user, userSig: genUserSig({ sdkAppId: SDK_APP_ID, key: KEY, identifier: user, expireSeconds: 3600 }), platform: 'Web' } }));
    const login = await answer(1);
    if (login !== 0) return { code: login, ws };
    ws.send(JSON.stringify({ v: 1, t: 'req', id: 2, cmd: 'chat.send', body: { To_Account: user, MsgRandom: Date.now() % 2 ** 31, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'cold' } }] } }));
    return { code: await answer(2), ws };
  } finally {
    if (!keep) ws.terminate();
  }
}

async function start(platform: ResolvedPlatform): Promise<Child[]> {
  const children = spawnPlatform(platform);
  await waitReady(platform, { children, timeoutMs: 120_000 });
  return children;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runs: { type: 'string', default: '3' },
      region: { type: 'string', default: 'ap-singapore' },
      mode: { type: 'string', default: 'process' },
      'idle-s': { type: 'string', default: '30' },
    },
  });
  const region = values.region;
  const platform = resolvePlatform({
    regions: [region],
    mode: values.mode === 'region' ? 'region' : 'process',
    namespace: NAMESPACE,
    portOffset: PORT_OFFSET,
    logDir: join(REPO_ROOT, '.meridian', 'logs', NAMESPACE),
    logLevel: 'info',
  });
  let children: Child[] = [];
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopChildren(children).then(() => process.exit(130)));

  try {
    await measure(platform, region, values, (c) => (children = c));
  } finally {
    await stopChildren(children);
  }
}

async function measure(platform: ResolvedPlatform, region: string, values: { runs: string; mode: string; 'idle-s': string }, track: (children: Child[]) => void): Promise<void> {
  const gateway = platform.topology.httpBaseUrl(region, 'gateway');
  let children: Child[] = [];
  // The bench's app, created once (its data stays in the `cold` namespace's databases).
  children = await start(platform);
  track(children);
  const config = loadPlatformConfig('gateway', { MERIDIAN_REGION: region, MERIDIAN_NAMESPACE: NAMESPACE, MERIDIAN_PORT_OFFSET: String(PORT_OFFSET) }, { grpcIdentity: 'operator' });
  const clients = new GrpcClients(config, new Metrics(config));
  await clients.service<authV1.AuthServiceClient>('auth').createApp({
    name: 'coldstart bench',
    homeRegion: region,
    sdkAppId: SDK_APP_ID,
    admins: ['administrator'],
    multiDevicePolicy: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_MULTI,
    ecdsaPublicKey: '',
    secretKey: KEY,
    ifNotExists: true,
    allowPrivateCallbackTargets: false,
  });
  clients.onModuleDestroy();
  const warm = await trySend(gateway, 'cold0');
  if (warm.code !== 0) throw new Error(`a send on the warm platform answered ${warm.code}`);
  await stopChildren(children);

  const times: { readyMs: number; firstSendMs: number }[] = [];
  for (let run = 1; run <= Number(values.runs); run++) {
    const t0 = Date.now();
    children = spawnPlatform(platform);
    track(children);
    let readyMs = 0;
    void waitReady(platform, { children, timeoutMs: 120_000 }).then(() => (readyMs = Date.now() - t0), () => undefined);
    let firstSendMs = 0;
    for (const deadline = t0 + 120_000; !firstSendMs; ) {
      if (Date.now() > deadline) throw new Error('no send accepted within 120 s of the start');
      const res = await trySend(gateway, `cold${run}`).catch(() => ({ code: -1 }));
      if (res.code === 0) firstSendMs = Date.now() - t0;
      else await sleep(100);
    }
    for (const deadline = Date.now() + 60_000; !readyMs && Date.now() < deadline; ) await sleep(100);
    times.push({ readyMs, firstSendMs });
    say(`run ${run}: first accepted message ${(firstSendMs / 1000).toFixed(2)} s after the start; every /readyz green after ${(readyMs / 1000).toFixed(2)} s`);
    if (run < Number(values.runs)) await stopChildren(children);
  }

  // Idle footprint: one client connected, nothing sent.
  const idle = await trySend(gateway, 'idle', true);
  const idleS = Number(values['idle-s']);
  say(`idling ${idleS} s with one connected client…`);
  await sleep(10_000);
  const before = new Map(children.map((c) => [c.name, sampleOne(c.process.pid!)]));
  await sleep(idleS * 1000);
  const rows = children.map((c) => {
    const a = before.get(c.name);
    const b = sampleOne(c.process.pid!);
    return { name: c.name, rssMiB: (b?.rssBytes ?? 0) / 2 ** 20, cpuPct: a && b ? (100 * (b.cpuSeconds - a.cpuSeconds)) / idleS : NaN };
  });
  idle.ws.terminate();
  await stopChildren(children);

  say('');
  say(`${'process'.padEnd(28)}${'RSS MiB'.padStart(10)}${'CPU % idle'.padStart(12)}`);
  for (const r of rows) say(`${r.name.padEnd(28)}${r.rssMiB.toFixed(0).padStart(10)}${r.cpuPct.toFixed(2).padStart(12)}`);
  const total = rows.reduce((s, r) => ({ rss: s.rss + r.rssMiB, cpu: s.cpu + r.cpuPct }), { rss: 0, cpu: 0 });
  say(`${`${region} (${values.mode})`.padEnd(28)}${total.rss.toFixed(0).padStart(10)}${total.cpu.toFixed(2).padStart(12)}`);
  const sorted = times.map((t) => t.firstSendMs).sort((a, b) => a - b);
  say(`cold start to the first accepted message: ${sorted.map((t) => (t / 1000).toFixed(2)).join(', ')} s (median ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(2)} s)`);
  process.stdout.write(`${JSON.stringify({ scenario: 'coldstart', region, mode: values.mode, runs: times, idle: { seconds: idleS, processes: rows, totalRssMiB: total.rss, totalCpuPct: total.cpu } })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
