/**
 * Media uploads and variants:
 *   npm run bench -- media [--uploads 200] [--size-kib 256] [--concurrency 8] [--images 40] [--own-platform]
 *
 * Against a running platform (npm start: the demo app in .meridian/local.json), or, with
 * --own-platform (or without local.json), one it starts itself (namespace mediabench, ports +3200)
 * and stops. Phase 1: --uploads files of --size-kib through the admin REST face
 * (`meridian_media/upload` for one of 10 users, the presigned PUT straight to the object store,
 * `meridian_media/confirm`), --concurrency at once: uploads/s, MB/s of payload, and the latency
 * of one whole upload. Phase 2: --images 1600 × 1200 JPEGs one after the other: the time from the
 * confirm's answer to `meridian_media/info` answering `ready` (the media worker's 720 px and 198 px
 * variants stored), polled every 20 ms, p50/p99. Bounded: fixed counts, every wait has a timeout,
 * loopback only.
 */
import { randomInt } from 'node:crypto';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ensureDemoApp } from '../../launcher/src/demo-app';
import { REPO_ROOT, resolvePlatform, spawnPlatform, stopChildren, waitReady, type Child } from '../../launcher/src/control';
import { Histogram } from './histogram';
import { readLocal, restClient } from './local';

const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const ms = (us: number) => (us / 1000).toFixed(1);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface Grant {
  uploadId: string;
  uuid: string;
  put?: { url: string; headers: Record<string, string> };
  parts?: { url: string; headers: Record<string, string>; size: number }[];
}

async function upload(rest: ReturnType<typeof restClient>, user: string, type: string, contentType: string, bytes: Buffer): Promise<Grant> {
  const g = (await rest('meridian_media/upload', { From_Account: user, Type: type, Size: bytes.length, ContentType: contentType })) as unknown as Grant;
  let at = 0;
  for (const p of g.put ? [{ ...g.put, size: bytes.length }] : g.parts!) {
    const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: bytes.subarray(at, at + p.size), signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`PUT answered ${res.status}`);
    at += p.size;
  }
  await rest('meridian_media/confirm', { From_Account: user, UploadId: g.uploadId });
  return g;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      uploads: { type: 'string', default: '200' },
      'size-kib': { type: 'string', default: '256' },
      concurrency: { type: 'string', default: '8' },
      images: { type: 'string', default: '40' },
      'own-platform': { type: 'boolean', default: false },
    },
  });
  const uploads = Number(values.uploads);
  const size = Number(values['size-kib']) * 1024;
  const concurrency = Number(values.concurrency);
  const images = Number(values.images);
  let children: Child[] = [];
  const own = values['own-platform'] || !existsSync(join(REPO_ROOT, '.meridian', 'local.json'));
  try {
    if (own) {
      const platform = resolvePlatform({ namespace: 'mediabench', portOffset: 3200, logDir: join(REPO_ROOT, '.meridian', 'logs', 'mediabench'), logLevel: 'warn' });
      say('starting a platform of its own (namespace mediabench, ports +3200)');
      children = spawnPlatform(platform);
      await waitReady(platform, { children, timeoutMs: 240_000, onProgress: (p) => say(`ready ${p.ready}/${p.total}`) });
      const demo = await ensureDemoApp(platform);
      const dir = join(REPO_ROOT, 'bench-results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'mediabench-local.json');
      const regions = Object.fromEntries(platform.regions.map((r) => [r, { gateway: platform.topology.httpBaseUrl(r, 'gateway'), rest: `${platform.topology.httpBaseUrl(r, 'gateway')}/v4` }]));
      writeFileSync(file, `${JSON.stringify({ demoApp: demo, dataPlane: platform.topology.dataPlane, regions }, null, 2)}\n`, { mode: 0o600 });
      process.env['MERIDIAN_BENCH_LOCAL'] = file;
    }
    const local = readLocal();
    const rest = restClient(local);
    const users = Array.from({ length: 10 }, (_, i) => `mediabench_${i}`);
    await rest('im_open_login_svc/multiaccount_import', { Accounts: users });

    // Phase 1: uploads/s and MB/s through presigned PUTs.
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i++) payload[i] = randomInt(0, 256);
    const one = new Histogram();
    let next = 0;
    const t0 = nowUs();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < uploads) {
          const i = next++;
          const s = nowUs();
          await upload(rest, users[i % users.length]!, 'file', 'application/octet-stream', payload);
          one.record(nowUs() - s);
        }
      }),
    );
    const wallS = (nowUs() - t0) / 1e6;
    say(`uploads: ${uploads} × ${size / 1024} KiB, ${concurrency} at once: ${(uploads / wallS).toFixed(1)} uploads/s, ${((uploads * size) / wallS / 1e6).toFixed(1)} MB/s; one upload (ask + PUT + confirm) p50 ${ms(one.quantile(0.5))} ms, p99 ${ms(one.quantile(0.99))} ms`);

    // Phase 2: thumbnail latency (confirm answered → variants stored).
    const raw = Buffer.alloc(1600 * 1200 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + (i >> 11)) & 0xff;
    const jpeg = await sharp(raw, { raw: { width: 1600, height: 1200, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
    const thumb = new Histogram();
    for (let i = 0; i < images; i++) {
      const g = await upload(rest, users[i % users.length]!, 'image', 'image/jpeg', jpeg);
      const s = nowUs();
      for (const deadline = Date.now() + 30_000; ; ) {
        const info = await rest('meridian_media/info', { UUID: g.uuid });
        if (info['Status'] === 'ready') break;
        if (info['Status'] === 'failed' || Date.now() > deadline) throw new Error(`variants of ${g.uuid}: ${String(info['Status'])}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      thumb.record(nowUs() - s);
    }
    say(`thumbnails: ${images} JPEGs 1600 × 1200 (${(jpeg.length / 1024).toFixed(0)} KiB): confirm → 720 px + 198 px stored p50 ${ms(thumb.quantile(0.5))} ms, p99 ${ms(thumb.quantile(0.99))} ms (polled every 20 ms)`);
  } finally {
    if (children.length) await stopChildren(children, 30_000);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
