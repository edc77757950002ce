/**
 * M4 and gateway delivery throughput, against a running platform (npm start):
 *   npm run bench -- connections [--count 10000] [--gateways http://127.0.0.1:7100,...] [--spawn-gateways N]
 *                                [--events 200 --recipients 50]
 *
 * Opens --count authenticated WebSocket connections (one user each) spread over the given gateway
 * instances and over client source addresses 127.0.0.2-127.0.0.201, from worker processes of at
 * most 15,000 connections each (this machine allows 20,000 open files per process). Reports the
 * gateways' RSS and heap per idle connection, then produces --events deliveries of --recipients
 * users each in the home region and reports deliveries per second received (and acked) by clients.
 * Bounded: every phase has a timeout; all traffic is on loopback.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import WebSocket from 'ws';
import { GrpcClients, Metrics, loadPlatformConfig } from '@meridian/platform';
import { TOPICS } from '@meridian/contracts';
import { eventsV1, type authV1 } from '@meridian/proto';
import { genUserSig } from '@meridian/usersig';
import { stopChildren } from '../../launcher/src/control';
import { spawnGateways } from './gateways';

const PER_WORKER = 15_000;
const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);

interface WorkerJob {
  sdkAppId: number;
  key: string;
  from: number;
  to: number;
  gateways: string[];
  concurrency: number;
}

type WorkerMsg = { t: 'progress'; connected: number } | { t: 'ready'; connected: number; failed: number } | { t: 'pushes'; count: number };

async function worker(): Promise<void> {
  const job = await new Promise<WorkerJob>((resolve) => process.once('message', (m) => resolve(m as WorkerJob)));
  const sockets: WebSocket[] = [];
  let pushes = 0;
  let failed = 0;
  let next = job.from;
  const open = async (i: number): Promise<void> => {
    const url = `${job.gateways[i % job.gateways.length]!.replace(/^http/, 'ws')}/v1/ws`;
    const ws = new WebSocket(url, { localAddress: `127.0.0.${2 + (i % 200)}`, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const userId = `b${i}`;
    ws.send(JSON.stringify({ v: 1, t: 'login', id: 1, body: { sdkAppId: job.sdkAppId, userId, userSig: genUserSig({ sdkAppId: job.sdkAppId, key: job.key, identifier: userId, expireSeconds: 3600 }), platform: 'Web' } }));
    await new Promise<void>((resolve, reject) => {
      ws.once('message', (data) => {
        const res = JSON.parse(data.toString()) as { code: number; info: string };
        if (res.code === 0) resolve();
        else reject(new Error(`login ${res.code} ${res.info}`));
      });
    });
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { t: string; did?: string };
      if (f.t === 'push') {
        pushes++;
        ws.send(JSON.stringify({ v: 1, t: 'ack', dids: [f.did] }));
      }
    });
    sockets.push(ws);
  };
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.to) {
        const i = next++;
        try {
          await open(i);
        } catch (err) {
          failed++;
          if (failed <= 3) process.stderr.write(`[bench worker] connection ${i} failed: ${(err as Error).message}\n`);
        }
        if (sockets.length % 1000 === 0) process.send!({ t: 'progress', connected: sockets.length } satisfies WorkerMsg);
      }
    }),
  );
  process.send!({ t: 'ready', connected: sockets.length, failed } satisfies WorkerMsg);
  const ping = setInterval(() => {
    for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send('{"v":1,"t":"ping"}');
  }, 20_000);
  const report = setInterval(() => process.send!({ t: 'pushes', count: pushes } satisfies WorkerMsg), 200);
  process.once('message', () => {
    clearInterval(ping);
    clearInterval(report);
    for (const ws of sockets) ws.terminate();
    setTimeout(() => process.exit(0), 200);
  });
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      count: { type: 'string', default: '10000' },
      gateways: { type: 'string', default: 'http://127.0.0.1:7100' },
      region: { type: 'string', default: 'ap-singapore' },
      concurrency: { type: 'string', default: '100' },
      events: { type: 'string', default: '200' },
      recipients: { type: 'string', default: '50' },
      'spawn-gateways': { type: 'string', default: '0' },
    },
  });
  const count = Number(values.count);
  // Extra gateway instances of the home region, for more connections than one process may hold.
  const spawned = await spawnGateways(Number(values['spawn-gateways']), values.region);
  const gateways = spawned.length ? spawned.map((g) => g.url) : values.gateways.split(',');
  const config = loadPlatformConfig('gateway', { ...process.env, MERIDIAN_REGION: values.region }, { grpcIdentity: 'operator' });
  const clients = new GrpcClients(config, new Metrics(config));
  const auth = clients.service<authV1.AuthServiceClient>('auth');
  const { app } = await auth.createApp({
    name: `bench ${new Date().toISOString()}`,
    homeRegion: values.region,
    sdkAppId: 0,
    admins: ['administrator'],
    multiDevicePolicy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy,
    ecdsaPublicKey: '',
    secretKey: '',
    ifNotExists: false,
    allowPrivateCallbackTargets: false,
  });
  const sdkAppId = app!.sdkAppId;
  for (const g of gateways) await fetch(`${g}/metrics`).then((r) => r.text());
  const before = await Promise.all(gateways.map((g) => metric(g, 'meridian_process_resident_memory_bytes')));
  const heapBefore = await Promise.all(gateways.map((g) => metric(g, 'meridian_nodejs_heap_size_used_bytes')));
  say(`app ${sdkAppId}; opening ${count} connections over ${gateways.length} gateway(s); gateway RSS before ${before.map((b) => (b / 2 ** 20).toFixed(0)).join('+')} MiB`);

  const workers: { child: ChildProcess; connected: number; ready: boolean; failed: number; pushes: number }[] = [];
  const started = Date.now();
  for (let from = 0; from < count; from += PER_WORKER) {
    const child = fork(join(__dirname, '..', '..', '..', '..', 'tools', 'runtime', 'run.js'), ['dist/tools/bench/src/connections.bench.js', '--worker'], {
      execArgv: ['--max-old-space-size=4096'],
    });
    const w = { child, connected: 0, ready: false, failed: 0, pushes: 0 };
    child.on('message', (m: WorkerMsg) => {
      if (m.t === 'progress') w.connected = m.connected;
      if (m.t === 'ready') Object.assign(w, { ready: true, connected: m.connected, failed: m.failed });
      if (m.t === 'pushes') w.pushes = m.count;
    });
    child.send({ sdkAppId, key: app!.secretKey, from, to: Math.min(count, from + PER_WORKER), gateways, concurrency: Number(values.concurrency) } satisfies WorkerJob);
    workers.push(w);
  }
  const deadline = Date.now() + 15 * 60_000;
  let lastLog = 0;
  while (!workers.every((w) => w.ready)) {
    if (Date.now() > deadline) throw new Error('connections did not complete in 15 minutes');
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      say(`connected ${workers.reduce((s, w) => s + w.connected, 0)}/${count} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const connected = workers.reduce((s, w) => s + w.connected, 0);
  const failed = workers.reduce((s, w) => s + w.failed, 0);
  const connectSeconds = (Date.now() - started) / 1000;
  say(`connected and logged in ${connected} (${failed} failed) in ${connectSeconds.toFixed(1)} s; settling 10 s`);
  await new Promise((r) => setTimeout(r, 10_000));
  const after = await Promise.all(gateways.map((g) => metric(g, 'meridian_process_resident_memory_bytes')));
  const heapAfter = await Promise.all(gateways.map((g) => metric(g, 'meridian_nodejs_heap_size_used_bytes')));
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const rssPerConn = (sum(after) - sum(before)) / connected;
  const heapPerConn = (sum(heapAfter) - sum(heapBefore)) / connected;
  say(`gateway RSS after ${after.map((b) => (b / 2 ** 20).toFixed(0)).join('+')} MiB → ${(rssPerConn / 1024).toFixed(1)} KiB RSS and ${(heapPerConn / 1024).toFixed(1)} KiB heap per idle authenticated connection`);

  // Deliveries through the gateway(s): events of R recipients each, produced in the home region.
  const events = Number(values.events);
  const recipients = Math.min(Number(values.recipients), connected);
  const kafka = new Kafka({ clientId: 'bench', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const expected = events * recipients;
  const t0 = Date.now();
  for (let e = 0; e < events; e++) {
    const users = Array.from({ length: recipients }, (_, k) => `b${(e * recipients + k) % connected}`);
    const value = eventsV1.EventEnvelope.encode({
      eventId: randomUUID(),
      type: 'meridian.events.v1.DeliveryRequestedEvent',
      timeMs: String(Date.now()),
      region: values.region,
      sdkAppId,
      traceId: '',
      deliveryRequested: { recipients: users, kind: 'c2c', body: Buffer.from('{"Text":"bench"}'), conversationId: `c2c:bench:${e}`, seq: String(e + 1), excludeLoginId: '', offlinePush: Buffer.alloc(0), onlineOnlyRecipients: [] },
    }).finish();
    await producer.send({ topic: `${config.kafka.topicPrefix}${TOPICS.deliveries}`, acks: -1, messages: [{ key: `c2c:bench:${e}`, value: Buffer.from(value) }] });
  }
  const produceSeconds = (Date.now() - t0) / 1000;
  // Done when everything arrived, or when nothing more arrived for 5 s (users whose login failed).
  const until = Date.now() + 120_000;
  let received = 0;
  let lastChange = Date.now();
  while (received < expected && Date.now() < until && Date.now() - lastChange < 5000) {
    await new Promise((r) => setTimeout(r, 50));
    const now = workers.reduce((s, w) => s + w.pushes, 0);
    if (now !== received) {
      received = now;
      lastChange = Date.now();
    }
  }
  const deliverSeconds = (lastChange - t0) / 1000;
  say(`delivered ${received}/${expected} in ${deliverSeconds.toFixed(2)} s (produced in ${produceSeconds.toFixed(2)} s) → ${(received / deliverSeconds).toFixed(0)} deliveries/s`);
  const result = {
    scenario: 'connections',
    connections: connected,
    failed,
    gateways: gateways.length,
    connectSeconds,
    rssPerConnectionKiB: rssPerConn / 1024,
    heapPerConnectionKiB: heapPerConn / 1024,
    gatewayRssMiB: after.map((b) => b / 2 ** 20),
    deliveries: { events, recipientsPerEvent: recipients, expected, received, seconds: deliverSeconds, perSecond: received / deliverSeconds },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await producer.disconnect();
  for (const w of workers) w.child.send('stop');
  clients.onModuleDestroy();
  await new Promise((r) => setTimeout(r, 500));
  await stopChildren(spawned.map((g) => g.child));
}

if (process.argv.includes('--worker')) void worker();
else
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
