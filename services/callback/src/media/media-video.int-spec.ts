import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT, TestWsClient, closeTestClients, createTestApp, rest, type TestApp } from '@meridian/testing';
import { MediaWorker } from './media.worker';

const SG = 'ap-singapore';
type Body = Record<string, unknown>;

/** `check` again until it stops throwing (the worker is asynchronous), at most `timeoutMs`. */
async function settle<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A real MP4 made by ffmpeg from its test source (lavfi testsrc): `seconds` long, `width`×`height`. */
function testVideo(width: number, height: number, seconds: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-video-'));
  try {
    const out = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=10`, '-t', String(seconds), '-c:v', 'mpeg4', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The video first-frame path (docs/media.md): Debian's ffmpeg, installed by the test setup. */
describe(`${MediaWorker.name} with ffmpeg`, () => {
  let app: TestApp;
  let alice: TestWsClient;
  const cmd = async (c: TestWsClient, name: string, body: Body) => {
    const res = await c.request('req', { cmd: name, body });
    return { code: res.code, body: res.body as Body };
  };

  beforeAll(async () => {
    const installed = (() => {
      try {
        execFileSync('bash', [join(REPO_ROOT, 'deploy', 'media', 'ensure-ffmpeg.sh'), '--check'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    if (!installed) throw new Error('ffmpeg is not installed (deploy/media/ensure-ffmpeg.sh installs it as root): the first-frame path cannot run');
    app = await createTestApp();
    expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['alice', 'bob'] })).body.ErrorCode).toBe(0);
    alice = await TestWsClient.connect(SG);
    expect((await alice.login({ sdkAppId: app.sdkAppId, userId: 'alice', userSig: app.sig('alice'), platform: 'Web' })).code).toBe(0);
  });

  afterAll(() => {
    alice?.close();
    closeTestClients();
  });

  it("makes a real MP4's first frame its thumbnail, and the message's TIMVideoFileElem carries its size", async () => {
    const mp4 = testVideo(1280, 720, 2);
    const up = await cmd(alice, 'media.upload', { type: 'video', size: mp4.length, contentType: 'video/mp4' });
    expect(up.code).toBe(0);
    const g = up.body as { uploadId: string; uuid: string; put: { url: string; headers: Record<string, string> } };
    expect((await fetch(g.put.url, { method: 'PUT', headers: g.put.headers, body: mp4 })).status).toBe(200);
    expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId, second: 2 })).code).toBe(0);

    // As the SDK does: wait for the variants, then send the element media.info answers.
    const element = await settle(async () => {
      const r = await cmd(alice, 'media.info', { uuid: g.uuid, second: 2 });
      expect(r.code).toBe(0);
      expect(r.body['status']).toBe('ready');
      const el = r.body['element'] as { MsgType: string; MsgContent: Body };
      expect(el.MsgContent['ThumbWidth']).toBeGreaterThan(0);
      return el;
    });
    const sent = await cmd(alice, 'chat.send', { To_Account: 'bob', MsgRandom: 77, MsgBody: [element] });
    expect(sent.code).toBe(0);

    // What bob's history holds: Tencent's fields, the first frame fitted into 720 × 720 (16:9 → 720 × 405).
    const roam = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'bob', Peer_Account: 'alice', MaxCnt: 10, MinTime: 0, MaxTime: 4_000_000_000 });
    const video = ((roam.body['MsgList'] as { MsgBody: { MsgType: string; MsgContent: Body }[] }[])[0]!.MsgBody[0])!;
    expect(video.MsgType).toBe('TIMVideoFileElem');
    const c = video.MsgContent as { VideoUrl: string; VideoSize: number; VideoSecond: number; VideoFormat: string; ThumbUrl: string; ThumbSize: number; ThumbWidth: number; ThumbHeight: number; ThumbFormat: string };
    expect(c).toMatchObject({ VideoSize: mp4.length, VideoSecond: 2, VideoFormat: 'mp4', ThumbWidth: 720, ThumbFormat: 'jpg' });
    expect(Math.abs(c.ThumbHeight - 405)).toBeLessThanOrEqual(1);
    // The thumbnail downloads, and is the picture the element describes.
    const thumb = Buffer.from(await (await fetch(c.ThumbUrl)).arrayBuffer());
    expect(thumb.length).toBe(c.ThumbSize);
    expect(await sharp(thumb).metadata()).toMatchObject({ format: 'jpeg', width: c.ThumbWidth, height: c.ThumbHeight });
    expect(Buffer.from(await (await fetch(c.VideoUrl)).arrayBuffer()).equals(mp4)).toBe(true);
  });

  it('a video ffmpeg cannot read gets no thumbnail, and says why (bad input)', async () => {
    // MP4's leading bytes (the confirm check passes), nothing playable after them.
    const fake = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom'), Buffer.alloc(2000, 1)]);
    const up = await cmd(alice, 'media.upload', { type: 'video', size: fake.length, contentType: 'video/mp4' });
    const g = up.body as { uploadId: string; uuid: string; put: { url: string; headers: Record<string, string> } };
    expect((await fetch(g.put.url, { method: 'PUT', headers: g.put.headers, body: fake })).status).toBe(200);
    expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId })).code).toBe(0);
    const el = await settle(async () => {
      const r = await cmd(alice, 'media.info', { uuid: g.uuid });
      expect(r.body['status']).toBe('ready');
      return r.body['element'] as { MsgContent: Body };
    });
    expect(el.MsgContent).toMatchObject({ ThumbUrl: '', ThumbWidth: 0, ThumbHeight: 0, ThumbSize: 0 });
  });
});
