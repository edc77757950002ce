/**
 * Chaos test (issue #11): real load over both regions while services are killed with SIGKILL and
 * restarted, and Redis, Kafka and FerretDB are restarted; then an audit of every acknowledged
 * message against storage and against what its recipient received. See docs/chaos.md.
 *
 * It brings its OWN data plane (alternate ports, data under a temp dir, pid files there too) and
 * its OWN two-region platform (namespace `chaos`, its own port offset), so it restarts nothing
 * that anyone else uses. Run with `npm run test:chaos` (not part of `npm test` yet: docs/chaos.md).
 */
import mongoose from 'mongoose';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@meridian/contracts';
import { GrpcClients, Metrics, loadPlatformConfig } from '@meridian/platform';
import { authV1 } from '@meridian/proto';
import { genUserSig } from '@meridian/usersig';
import { REPO_ROOT, resolvePlatform, spawnPlatform, spawnUnit, stopChildren, waitReady, type Child, type ResolvedPlatform } from '../../launcher/src/control';
import { ChaosUser } from './chaos-client';
import { ChaosDataPlane, portsInUse } from './chaos-env';
import { ChaosReceiver, ChaosSender, type SentMessage } from './chaos-load';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const NAMESPACE = 'chaos';
const PORT_OFFSET = env('MERIDIAN_CHAOS_PORT_OFFSET', 5000);
const PORTS = {
  redis: env('MERIDIAN_CHAOS_REDIS_PORT', 11379),
  kafka: env('MERIDIAN_CHAOS_KAFKA_PORT', 11092),
  kafkaController: env('MERIDIAN_CHAOS_KAFKA_CONTROLLER_PORT', 11093),
  postgres: env('MERIDIAN_CHAOS_PG_PORT', 11432),
  mongo: env('MERIDIAN_CHAOS_MONGO_PORT', 11017),
  minio: env('MERIDIAN_CHAOS_MINIO_PORT', 11900),
};
/** Pairs of (sender, receiver); total open-loop rate; seconds between chaos events. */
const PAIRS = env('MERIDIAN_CHAOS_PAIRS', 20);
const RATE = env('MERIDIAN_CHAOS_RATE', 15);
const PAUSE_MS = env('MERIDIAN_CHAOS_PAUSE_S', 3) * 1000;
/** A message not acknowledged this long after it was created is given up (counted as refused). */
const GIVE_UP_MS = 20_000;
const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const ADMIN = 'administrator';

const say = (msg: string) => process.stdout.write(`[chaos] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Settings close to the test platform's: fast heartbeats, short session expiry, quick push retries. */
const CHAOS_LIMITS = {
  MERIDIAN_WS_HEARTBEAT_MS: '2000',
  MERIDIAN_WS_IDLE_TIMEOUT_MS: '10000',
  MERIDIAN_WS_TOUCH_INTERVAL_MS: '3000',
  MERIDIAN_WS_DRAIN_MS: '200',
  MERIDIAN_AUTH_SESSION_TTL_S: '30',
  MERIDIAN_PUSH_ACK_TIMEOUT_MS: '1000',
  MERIDIAN_PUSH_RETRY_BASE_MS: '100',
  MERIDIAN_CALLBACK_RETRY_BASE_MS: '200',
  MERIDIAN_CALLBACK_RETRY_MAX_MS: '1000',
  MERIDIAN_CALLBACK_RETRY_POLL_MS: '200',
  MERIDIAN_SHUTDOWN_GRACE_MS: '2000',
  // A killed consumer's partitions move after 8 s rather than 30 s.
  MERIDIAN_KAFKA_SESSION_TIMEOUT_MS: '8000',
};

interface App {
  sdkAppId: number;
  key: string;
  home: string;
}

describe('chaos: kill -9 and data-plane restarts under load, then a message audit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-chaos-'));
  const dataplane = new ChaosDataPlane(REPO_ROOT, dir, PORTS);
  let platform: ResolvedPlatform;
  let children: Child[] = [];
  const grpc: GrpcClients[] = [];
  let backend: Server | undefined;
  const users: ChaosUser[] = [];
  const afterCallbacks = new Set<string>();
  let dataplaneStarted = false;
  let passed = false;

  afterAll(async () => {
    for (const u of users) u.stop();
    for (const g of grpc) g.onModuleDestroy();
    backend?.close();
    await stopChildren(children, 5000);
    if (dataplaneStarted) await dataplane.run('down').catch((e: Error) => say(e.message));
    if (passed) rmSync(dir, { recursive: true, force: true });
    else say(`kept logs in ${dir} (data plane: logs/, platform: platform-logs/)`);
  }, 60_000);

  it('loses no acknowledged message, duplicates none after de-duplication, never reuses a seq', async () => {
    const t0 = Date.now();
    const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    platform = resolvePlatform({
      namespace: NAMESPACE,
      portOffset: PORT_OFFSET,
      logDir: join(dir, 'platform-logs'),
      logLevel: 'info',
      extraEnv: { ...CHAOS_LIMITS, ...dataplane.serviceEnv },
    });
    const topo = platform.topology;
    const platformPorts = platform.regions.flatMap((r) => SERVICE_NAMES.flatMap((s) => [topo.region(r).services[s].httpPort, topo.region(r).services[s].grpcPort]));
    const busy = await portsInUse([...Object.values(PORTS), ...platformPorts]);
    if (busy.length) throw new Error(`ports already in use: ${busy.join(', ')}; set MERIDIAN_CHAOS_PORT_OFFSET / MERIDIAN_CHAOS_*_PORT`);

    say(`data plane on redis ${PORTS.redis}, kafka ${PORTS.kafka}/${PORTS.kafkaController}, postgres ${PORTS.postgres}, mongo ${PORTS.mongo} (dir ${dir})`);
    dataplaneStarted = true;
    await dataplane.run('up');
    say(`data plane up at ${since()}; starting namespace '${NAMESPACE}' at port offset ${PORT_OFFSET}`);
    children = spawnPlatform(platform);
    await waitReady(platform, { children, timeoutMs: 120_000 });
    say(`platform ready at ${since()}`);

    // An app homed in each region, with before- and after-send callbacks to a local backend.
    backend = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          if (body['CallbackCommand'] === 'C2C.CallbackAfterSendMsg' || req.url?.includes('C2C.CallbackAfterSendMsg')) afterCallbacks.add(String(body['MsgKey']));
        } catch {
          // not ours to judge
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }));
      });
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}/im`;
    const apps: App[] = [];
    for (const home of [SG, FRA]) {
      const config = loadPlatformConfig('gateway', {
        MERIDIAN_REGION: home,
        MERIDIAN_TOPOLOGY: platform.options.topologyPath,
        MERIDIAN_NAMESPACE: NAMESPACE,
        MERIDIAN_PORT_OFFSET: String(PORT_OFFSET),
      }, { grpcIdentity: 'operator' });
      const clients = new GrpcClients(config, new Metrics(config));
      grpc.push(clients);
      const auth = clients.service<authV1.AuthServiceClient>('auth');
      const { app } = await auth.createApp({
        name: `chaos ${home}`,
        homeRegion: home,
        sdkAppId: 0,
        admins: [ADMIN],
        multiDevicePolicy: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_MULTI,
        ecdsaPublicKey: '',
        secretKey: '',
        ifNotExists: false,
        // Its callbacks go to a receiver on 127.0.0.1.
        allowPrivateCallbackTargets: true,
      });
      await auth.updateApp({
        sdkAppId: app!.sdkAppId,
        hasName: false,
        name: '',
        hasAdmins: false,
        admins: [],
        hasMultiDevice: false,
        multiDevicePolicy: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_UNSPECIFIED,
        maxPerPlatform: 0,
        maxWeb: 0,
        hasEcdsaPublicKey: false,
        ecdsaPublicKey: '',
        hasCallback: true,
        callback: {
          url: backendUrl,
          commands: ['C2C.CallbackBeforeSendMsg', 'C2C.CallbackAfterSendMsg'],
          token: '',
          timeoutMs: 1000,
          failurePolicy: authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_DELIVER,
        },
        hasRestLimits: false,
        restCommandQps: 0,
        restAppQps: 0,
        hasRoaming: false,
        roamingDays: 0,
        hasPrivateCallbackTargets: false,
        allowPrivateCallbackTargets: false,
        hasRecallWindow: false,
        recallWindowS: 0,
      });
      apps.push({ sdkAppId: app!.sdkAppId, key: app!.secretKey, home });
    }
    const sig = (app: App, id: string) => genUserSig({ sdkAppId: app.sdkAppId, key: app.key, identifier: id, expireSeconds: 86_400 });
    const rest = async (app: App, command: string, body: unknown): Promise<Record<string, unknown>> => {
      const q = `sdkappid=${app.sdkAppId}&identifier=${ADMIN}&usersig=${encodeURIComponent(sig(app, ADMIN))}&random=${Math.floor(Math.random() * 1e9)}&contenttype=json`;
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`${topo.httpBaseUrl(app.home, 'gateway')}/v4/${command}?${q}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
          const json = (await res.json()) as Record<string, unknown>;
          if (json['ErrorCode'] === 0 || attempt >= 5) return json;
        } catch (err) {
          if (attempt >= 5) throw err;
        }
        await sleep(500);
      }
    };

    // Pair i: sender s<i> and receiver r<i> of app i % 2, on different regions' gateways.
    const wsUrl = (region: string) => `${topo.httpBaseUrl(region, 'gateway').replace(/^http/, 'ws')}/v1/ws`;
    let randomSeq = Math.floor(Math.random() * 1e6);
    const senders: ChaosSender[] = [];
    const receivers: ChaosReceiver[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const app = apps[i % 2]!;
      const [sRegion, rRegion] = i % 4 < 2 ? [SG, FRA] : [FRA, SG];
      const s = `s${i}`;
      const r = `r${i}`;
      if (i < 2) {
        const ids = Array.from({ length: PAIRS }, (_, j) => j).filter((j) => j % 2 === i).flatMap((j) => [`s${j}`, `r${j}`]);
        expect((await rest(app, 'im_open_login_svc/multiaccount_import', { Accounts: ids }))['ErrorCode']).toBe(0);
      }
      const su = new ChaosUser({ sdkAppId: app.sdkAppId, userId: s, sig: () => sig(app, s), urls: [wsUrl(sRegion), wsUrl(rRegion)] });
      const ru = new ChaosUser({ sdkAppId: app.sdkAppId, userId: r, sig: () => sig(app, r), urls: [wsUrl(rRegion), wsUrl(sRegion)] });
      users.push(su, ru);
      senders.push(new ChaosSender(su, r, () => (randomSeq = (randomSeq + 1) % 0xffffffff), GIVE_UP_MS));
      receivers.push(new ChaosReceiver(ru, s));
    }
    await Promise.all(users.map((u) => u.ensure()));
    say(`${PAIRS} senders and ${PAIRS} receivers logged in at ${since()}; load ${RATE} msg/s open loop`);

    // Load, and chaos while it runs.
    for (const s of senders) s.start((1000 * PAIRS) / RATE);
    const timeline: string[] = [];
    /** Services that did not become ready again by themselves after a data-plane restart. */
    const notRecovered: string[] = [];
    const event = async (what: string, fn: () => Promise<void>) => {
      const at = Date.now();
      await fn();
      const line = `${what}: done in ${((Date.now() - at) / 1000).toFixed(1)} s (at ${since()})`;
      timeline.push(line);
      say(line);
      await sleep(PAUSE_MS);
    };
    /** Until the one service answers /readyz (others may be briefly unready under the load). */
    const serviceReady = async (region: string, service: ServiceName, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ok = await fetch(`${topo.httpBaseUrl(region, service)}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${region}.${service} not ready within ${timeoutMs} ms`);
        await sleep(250);
      }
    };
    const ticker = setInterval(() => {
      const all = senders.flatMap((s) => s.messages);
      const codes: Record<string, number> = {};
      for (const m of all) for (const f of m.failures) codes[String(f)] = (codes[String(f)] ?? 0) + 1;
      say(`  t=${since()} sent ${all.length} acked ${all.filter((m) => m.acked).length} pending ${all.filter((m) => !m.acked && m.refused === undefined).length} refused ${all.filter((m) => m.refused !== undefined).length} failed attempts ${JSON.stringify(codes)}`);
    }, 10_000);
    const killService = (region: string, service: ServiceName) =>
      event(`kill -9 ${region}.${service}, restart`, async () => {
        const i = children.findIndex((c) => c.name === `${region}.${service}`);
        const victim = children[i]!;
        const exited = once(victim.process, 'exit');
        victim.process.kill('SIGKILL');
        await exited;
        children[i] = spawnUnit(platform, victim.region, victim.unit);
        await serviceReady(region, service, 60_000);
      });
    const restartServer = (server: string) =>
      event(`restart ${server}`, async () => {
        await dataplane.run('down', server);
        await dataplane.run('up');
        // Every service must find the server again by itself (none is restarted).
        await waitReady(platform, { children, timeoutMs: 60_000 }).catch((e: Error) => notRecovered.push(`after restarting ${server}: ${e.message}`));
      });
    await sleep(PAUSE_MS);
    // MERIDIAN_CHAOS_EVENTS=none runs the same load with no faults (a baseline).
    const events = (process.env['MERIDIAN_CHAOS_EVENTS'] ?? 'chat,push,gateway,callback,redis,kafka,ferretdb').split(',');
    if (events.includes('chat')) await killService(SG, 'chat');
    if (events.includes('push')) await killService(FRA, 'push');
    if (events.includes('gateway')) await killService(SG, 'gateway');
    if (events.includes('callback')) await killService(FRA, 'callback');
    if (events.includes('redis')) await restartServer('redis');
    if (events.includes('ferretdb')) await restartServer('ferretdb');
    if (events.includes('kafka')) await restartServer('kafka');
    if (events.includes('none')) await sleep(PAUSE_MS * 5);
    const loadEnd = Date.now();
    await Promise.all(senders.map((s) => s.stop()));
    clearInterval(ticker);
    say(`load stopped at ${since()}; every message acked or given up after ${((Date.now() - loadEnd) / 1000).toFixed(1)} s`);

    // Let pushes drain and the platform settle, then every receiver catches up from storage (as
    // after a reinstall).
    await waitReady(platform, { children, timeoutMs: 20_000 }).then(
      () => say(`platform ready again at ${since()}`),
      (e: Error) => {
        notRecovered.push(`after the load: ${e.message}`);
        say(`platform NOT ready 20 s after the load: ${e.message}`);
      },
    );
    const caughtUp = await Promise.all(
      receivers.map((r) => Promise.race([r.finalCatchUp().then(() => true, () => false), sleep(25_000).then(() => false)])),
    );
    say(`final catch-up: ${caughtUp.filter(Boolean).length}/${receivers.length} receivers synced at ${since()}`);
    // After-callbacks come from Kafka and the retry queue, later than the messages: give them
    // up to 60 s to arrive for every acknowledged message.
    const ackedKeys = senders.flatMap((s) => s.messages.filter((m) => m.acked).map((m) => m.acked!.key));
    for (let waited = 0; waited < 60_000 && ackedKeys.some((k) => !afterCallbacks.has(k)); waited += 1000) {
      if (waited % 10_000 === 0) say(`after-callbacks: ${ackedKeys.filter((k) => afterCallbacks.has(k)).length}/${ackedKeys.length} at ${since()}`);
      await sleep(1000);
    }
    say(`after-callbacks: ${ackedKeys.filter((k) => afterCallbacks.has(k)).length}/${ackedKeys.length} at ${since()}`);

    // The audit.
    const mongo = await mongoose.createConnection(dataplane.serviceEnv['MERIDIAN_MONGO_URL']!, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    const all: SentMessage[] = senders.flatMap((s) => s.messages);
    const acked = all.filter((m) => m.acked);
    const refused = all.filter((m) => !m.acked);
    const refusedCodes: Record<string, number> = {};
    for (const m of refused) refusedCodes[String(m.refused)] = (refusedCodes[String(m.refused)] ?? 0) + 1;
    const failureCodes: Record<string, number> = {};
    for (const m of all) for (const f of m.failures) failureCodes[String(f)] = (failureCodes[String(f)] ?? 0) + 1;
    let stored = 0;
    let storedUnacked = 0;
    let storedTwice = 0;
    let lost = 0;
    let mismatched = 0;
    let notReceived = 0;
    let seqReused = 0;
    let seqOrderViolations = 0;
    const lostSamples: string[] = [];
    const receivedBy = { push: 0, sync: 0, final: 0 };
    let duplicatesBeforeDedup = 0;
    let duplicatesAfterDedup = 0;
    for (let i = 0; i < PAIRS; i++) {
      const sender = senders[i]!;
      const receiver = receivers[i]!;
      const app = apps[i % 2]!;
      // Storage, read straight from the chaos data plane (independent of the platform's health).
      const conv = `c2c:${[sender.user.opts.userId, receiver.user.opts.userId].sort().join(':')}`;
      const db = mongo.useDb(`${topo.region(app.home).mongoDatabase}_chat`);
      const docs: Record<string, unknown>[] = await db.collection('c2c_messages').find({ sdkAppId: app.sdkAppId, conversationId: conv }).sort({ seq: -1 }).toArray();
      const rows = docs.map((d) => ({ MsgSeq: Number(d['seq']), MsgRandom: Number(d['random']), MsgKey: String(d['key']), From_Account: String(d['from']) }));
      const bySeq = new Map<number, (typeof rows)[number]>();
      for (const row of rows) {
        if (bySeq.has(row.MsgSeq)) seqReused++;
        bySeq.set(row.MsgSeq, row);
      }
      const seqs = [...rows].map((r) => r.MsgSeq).reverse();
      for (let k = 1; k < seqs.length; k++) if (!(seqs[k]! > seqs[k - 1]!)) seqOrderViolations++;
      const randoms = new Map<number, number>();
      for (const row of rows) randoms.set(row.MsgRandom, (randoms.get(row.MsgRandom) ?? 0) + 1);
      for (const n of randoms.values()) if (n > 1) storedTwice += n - 1;
      const ackedRandoms = new Set(sender.messages.filter((m) => m.acked).map((m) => m.random));
      storedUnacked += rows.filter((r) => !ackedRandoms.has(r.MsgRandom)).length;
      stored += rows.length;
      const ackedSeqs = new Map<number, number>();
      for (const m of sender.messages) {
        if (!m.acked) continue;
        const a = m.acked;
        if (ackedSeqs.has(a.seq) && ackedSeqs.get(a.seq) !== m.random) seqReused++;
        ackedSeqs.set(a.seq, m.random);
        const row = bySeq.get(a.seq);
        if (!row) {
          lost++;
          if (lostSamples.length < 10) lostSamples.push(`${a.conversationId} seq ${a.seq} key ${a.key} random ${m.random} failures ${JSON.stringify(m.failures)}`);
        } else if (row.MsgRandom !== m.random || row.MsgKey !== a.key) {
          mismatched++;
          if (lostSamples.length < 10) lostSamples.push(`${a.conversationId} seq ${a.seq}: acked ${a.key}/${m.random}, stored ${row.MsgKey}/${row.MsgRandom}`);
        }
        const got = receiver.receipts.get(a.seq);
        if (!got || got.random !== m.random) notReceived++;
      }
      // The client de-duplicates by seq (receipts are keyed by it). What it cannot catch is one
      // sent message arriving under two seqs (stored twice): counted after de-duplication.
      const receivedRandoms = new Set<number>();
      for (const r of receiver.receipts.values()) {
        receivedBy[r.source]++;
        duplicatesBeforeDedup += r.copies - 1;
        if (receivedRandoms.has(r.random)) duplicatesAfterDedup++;
        receivedRandoms.add(r.random);
      }
    }
    await mongo.close();
    const received = receivedBy.push + receivedBy.sync + receivedBy.final;
    const audit = {
      sent: all.length,
      acked: acked.length,
      ackedAsDuplicate: acked.filter((m) => m.acked!.duplicate).length,
      ackedAfterRetry: acked.filter((m) => m.attempts > 1).length,
      refused: refused.length,
      refusedCodes,
      failedAttemptsByCode: failureCodes,
      stored,
      storedNotAcked: storedUnacked,
      storedTwiceSameRandom: storedTwice,
      received,
      receivedBy,
      lost,
      mismatched,
      notReceived,
      duplicatesBeforeDedup,
      duplicatesAfterDedup,
      seqReused,
      seqOrderViolations,
      reconnects: users.reduce((n, u) => n + u.reconnects, 0),
      kicked: users.reduce((n, u) => n + u.kicked, 0),
      afterCallbacksDistinct: [...acked].filter((m) => afterCallbacks.has(m.acked!.key)).length,
      seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
    };
    say('timeline:');
    for (const line of timeline) say(`  ${line}`);
    say(`AUDIT ${JSON.stringify(audit)}`);
    say(
      `sent ${audit.sent} · acked ${audit.acked} · refused ${audit.refused} ${JSON.stringify(refusedCodes)} · stored ${audit.stored} · received ${audit.received} ` +
        `(push ${receivedBy.push}, sync ${receivedBy.sync}, final catch-up ${receivedBy.final}) · lost ${lost} · duplicates before de-dup ${duplicatesBeforeDedup}, after ${duplicatesAfterDedup} · stored twice ${storedTwice} · seq reused ${seqReused}`,
    );
    if (lostSamples.length) say(`lost/mismatched samples:\n  ${lostSamples.join('\n  ')}`);

    expect(audit.acked).toBeGreaterThan(0);
    // Every acknowledged message's after-callback reached the app's backend (at least once).
    expect(audit.afterCallbacksDistinct).toBe(audit.acked);
    expect(notRecovered).toEqual([]);
    expect({ lost, mismatched, notReceived, seqReused, seqOrderViolations, duplicatesAfterDedup, storedTwice }).toEqual({
      lost: 0,
      mismatched: 0,
      notReceived: 0,
      seqReused: 0,
      seqOrderViolations: 0,
      duplicatesAfterDedup: 0,
      storedTwice: 0,
    });
    passed = true;
  }, 300_000);
});
