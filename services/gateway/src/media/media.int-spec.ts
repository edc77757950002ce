import sharp from 'sharp';
import { MediaErrorCode } from '@meridian/contracts';
import { TestWsClient, closeTestClients, createTestApp, gatewayUrl, rest, type TestApp } from '@meridian/testing';
import { MediaService } from './media.service';

const SG = 'ap-singapore';
type Body = Record<string, unknown>;
interface Put {
  url: string;
  headers: Record<string, string>;
}
interface Grant {
  uploadId: string;
  uuid: string;
  put?: Put;
  parts?: (Put & { partNumber: number; size: number })[];
}

/** `check` again until it stops throwing (the worker is asynchronous), at most `timeoutMs`. */
async function settle<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const put = (p: Put, bytes: Buffer) => fetch(p.url, { method: 'PUT', headers: p.headers, body: bytes });
const MP4_HEAD = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom'), Buffer.alloc(20)]);

describe(MediaService.name, () => {
  let app: TestApp;
  let other: TestApp;
  const clients: TestWsClient[] = [];

  const login = async (a: TestApp, userId: string) => {
    const c = await TestWsClient.connect(SG);
    clients.push(c);
    expect((await c.login({ sdkAppId: a.sdkAppId, userId, userSig: a.sig(userId), platform: 'Web' })).code).toBe(0);
    return c;
  };
  const cmd = async (c: TestWsClient, name: string, body: Body) => {
    const res = await c.request('req', { cmd: name, body });
    return { code: res.code, body: res.body as Body };
  };
  const grant = async (c: TestWsClient, body: Body): Promise<Grant> => {
    const res = await cmd(c, 'media.upload', body);
    expect(res.code).toBe(0);
    return res.body as unknown as Grant;
  };
  const uploadAndConfirm = async (c: TestWsClient, type: string, contentType: string, bytes: Buffer, extra: Body = {}) => {
    const g = await grant(c, { type, size: bytes.length, contentType, ...extra });
    expect((await put(g.put!, bytes)).status).toBe(200);
    const res = await cmd(c, 'media.confirm', { uploadId: g.uploadId, ...(extra['second'] !== undefined ? { second: extra['second'] } : {}) });
    return { grant: g, ...res };
  };

  let alice: TestWsClient;
  let bob: TestWsClient;
  let png: Buffer;

  beforeAll(async () => {
    [app, other] = await Promise.all([createTestApp(), createTestApp()]);
    for (const a of [app, other]) expect((await rest(SG, 'im_open_login_svc/multiaccount_import', a, { Accounts: ['alice', 'bob'] })).body.ErrorCode).toBe(0);
    [alice, bob] = await Promise.all([login(app, 'alice'), login(app, 'bob')]);
    png = await sharp({ create: { width: 1000, height: 800, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer();
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('uploads an image, confirms it, and the worker adds the 720 px and 198 px variants Tencent sends', async () => {
    const { code, body, grant: g } = await uploadAndConfirm(alice, 'image', 'image/png', png);
    expect(code).toBe(0);
    const el = body['element'] as { MsgType: string; MsgContent: { UUID: string; ImageInfoArray: Body[] } };
    expect(el.MsgType).toBe('TIMImageElem');
    expect(el.MsgContent.UUID).toBe(g.uuid);
    expect(el.MsgContent.ImageInfoArray[0]).toMatchObject({ Type: 1, Size: png.length });

    // The receiver asks for the variants by UUID.
    const info = await settle(async () => {
      const r = await cmd(bob, 'media.info', { uuid: g.uuid });
      expect(r.code).toBe(0);
      expect(r.body['status']).toBe('ready');
      return r.body['element'] as { MsgContent: { ImageFormat: number; ImageInfoArray: { Type: number; Width: number; Height: number; Size: number; URL: string }[] } };
    });
    const [orig, large, thumb] = info.MsgContent.ImageInfoArray;
    expect(info.MsgContent.ImageFormat).toBe(3);
    expect(orig).toMatchObject({ Type: 1, Width: 1000, Height: 800, Size: png.length });
    expect(large).toMatchObject({ Type: 2, Width: 720, Height: 576 });
    expect(thumb).toMatchObject({ Type: 3, Width: 198, Height: 158 });
    // Each URL redirects to a presigned GET of exactly that picture.
    const original = Buffer.from(await (await fetch(orig!.URL)).arrayBuffer());
    expect(original.equals(png)).toBe(true);
    const t = Buffer.from(await (await fetch(thumb!.URL)).arrayBuffer());
    expect(t.length).toBe(thumb!.Size);
    expect(await sharp(t).metadata()).toMatchObject({ width: 198, height: 158 });
  });

  it('uploads a file for a user from the app backend over REST, with its name', async () => {
    const bytes = Buffer.from('quarterly numbers\n'.repeat(100));
    const up = await rest(SG, 'meridian_media/upload', app, { From_Account: 'bob', Type: 'file', Size: bytes.length, ContentType: 'text/plain', FileName: 'report.txt' });
    expect(up.body.ErrorCode).toBe(0);
    const g = up.body as unknown as Grant & { put: Put };
    expect((await put(g.put, bytes)).status).toBe(200);
    const conf = await rest(SG, 'meridian_media/confirm', app, { From_Account: 'bob', UploadId: g.uploadId });
    expect(conf.body.ErrorCode).toBe(0);
    const el = conf.body['Element'] as { MsgType: string; MsgContent: { Url: string } };
    expect(el).toEqual({ MsgType: 'TIMFileElem', MsgContent: { Url: expect.any(String), UUID: g.uuid, FileSize: bytes.length, FileName: 'report.txt', Download_Flag: 2 } });
    expect(Buffer.from(await (await fetch(el.MsgContent.Url)).arrayBuffer()).equals(bytes)).toBe(true);
    // Another user of the app cannot confirm it (REST on alice's behalf).
    expect((await rest(SG, 'meridian_media/confirm', app, { From_Account: 'alice', UploadId: g.uploadId })).body.ErrorCode).toBe(MediaErrorCode.NOT_OURS);
  });

  it('keeps a voice clip\'s duration and records a video\'s missing first frame', async () => {
    const sound = await uploadAndConfirm(alice, 'sound', 'audio/mp4', MP4_HEAD, { second: 3 });
    expect(sound.code).toBe(0);
    expect(sound.body['element']).toEqual({ MsgType: 'TIMSoundElem', MsgContent: { Url: expect.any(String), UUID: sound.grant.uuid, Size: MP4_HEAD.length, Second: 3, Download_Flag: 2 } });
    const video = await uploadAndConfirm(alice, 'video', 'video/mp4', MP4_HEAD, { second: 7 });
    expect(video.code).toBe(0);
    // Not a playable video: with or without ffmpeg the frame is missing, and said so.
    const info = await settle(async () => {
      const r = await cmd(alice, 'media.info', { uuid: video.grant.uuid, second: 7 });
      expect(r.body['status']).toBe('ready');
      return r.body['element'] as { MsgType: string; MsgContent: Body };
    });
    expect(info.MsgType).toBe('TIMVideoFileElem');
    expect(info.MsgContent).toMatchObject({ VideoSize: MP4_HEAD.length, VideoSecond: 7, VideoFormat: 'mp4', ThumbUrl: '', ThumbWidth: 0 });
  });

  it('uploads a large file in parts and confirms it once every part is there', async () => {
    const bytes = Buffer.alloc(5 * 1024 * 1024 + 1000, 7);
    const g = await grant(alice, { type: 'file', size: bytes.length, contentType: 'application/octet-stream', fileName: 'big.bin' });
    expect(g.put).toBeUndefined();
    expect(g.parts!.map((p) => p.size)).toEqual([5 * 1024 * 1024, 1000]);
    expect((await put(g.parts![0]!, bytes.subarray(0, 5 * 1024 * 1024))).status).toBe(200);
    // One part missing: not confirmed, and the grant stays usable.
    expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId })).code).toBe(2400);
    expect((await put(g.parts![1]!, bytes.subarray(5 * 1024 * 1024))).status).toBe(200);
    const conf = await cmd(alice, 'media.confirm', { uploadId: g.uploadId });
    expect(conf.code).toBe(0);
    expect((conf.body['element'] as { MsgContent: Body }).MsgContent).toMatchObject({ FileSize: bytes.length, FileName: 'big.bin' });
  });

  describe('bad input gets a clear error and stores nothing', () => {
    it('refuses sizes over Tencent\'s limits, empty files and formats Tencent does not send', async () => {
      const ask = (body: Body) => cmd(alice, 'media.upload', body).then((r) => r.code);
      expect(await ask({ type: 'image', size: 20 * 1024 * 1024 + 1, contentType: 'image/png' })).toBe(2253);
      expect(await ask({ type: 'sound', size: 20 * 1024 * 1024 + 1, contentType: 'audio/mp4' })).toBe(2301);
      expect(await ask({ type: 'video', size: 100 * 1024 * 1024 + 1, contentType: 'video/mp4' })).toBe(2351);
      expect(await ask({ type: 'file', size: 100 * 1024 * 1024 + 1, contentType: 'application/pdf' })).toBe(2402);
      expect(await ask({ type: 'file', size: 0, contentType: 'application/pdf' })).toBe(MediaErrorCode.EMPTY_FILE);
      expect(await ask({ type: 'image', size: 10, contentType: 'image/svg+xml' })).toBe(2252);
      expect(await ask({ type: 'video', size: 10, contentType: 'video/webm' })).toBe(2352);
      expect(await ask({ type: 'sticker', size: 10, contentType: 'image/png' })).toBe(MediaErrorCode.INVALID_PARAMETERS);
      expect(await ask({ type: 'file', size: -1, contentType: 'text/plain' })).toBe(MediaErrorCode.INVALID_PARAMETERS);
      expect(await ask({ type: 'file', size: 10, contentType: 'not a type' })).toBe(MediaErrorCode.INVALID_PARAMETERS);
    });

    it('refuses names that are paths, and download paths outside the key shape', async () => {
      for (const fileName of ['../../etc/passwd', 'a/b.txt', 'c:\\windows\\x', '..', 'nul\u0000.txt']) {
        expect((await cmd(alice, 'media.upload', { type: 'file', size: 10, contentType: 'text/plain', fileName })).code).toBe(MediaErrorCode.INVALID_PARAMETERS);
      }
      const base = `${gatewayUrl(SG)}/v1/media`;
      for (const path of ['..%2F..%2Fetc/x/passwd', `${app.sdkAppId}/${'0'.repeat(32)}/${'0'.repeat(32)}.meta.json`, `${app.sdkAppId}/${'0'.repeat(32)}/${'0'.repeat(32)}`]) {
        const res = await fetch(`${base}/${path}`, { redirect: 'manual' });
        expect(res.status).toBe(404);
      }
      expect((await cmd(alice, 'media.info', { uuid: '../x' })).code).toBe(MediaErrorCode.NOT_OURS);
    });

    it('deletes an upload whose bytes are not the declared type', async () => {
      const text = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
      const g = await grant(alice, { type: 'image', size: text.length, contentType: 'image/png' });
      expect((await put(g.put!, text)).status).toBe(200);
      expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId })).code).toBe(MediaErrorCode.BAD_IMAGE);
      expect((await cmd(alice, 'media.info', { uuid: g.uuid })).code).toBe(MediaErrorCode.NOT_OURS);
      // Used up: a second confirm is refused too.
      expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId })).code).toBe(MediaErrorCode.NOT_OURS);
    });

    it('refuses a body of another size than granted, a reused presign and a second confirm', async () => {
      const g = await grant(alice, { type: 'image', size: png.length, contentType: 'image/png' });
      expect((await put(g.put!, Buffer.concat([png, Buffer.from('extra')]))).status).toBe(403);
      expect((await put(g.put!, png)).status).toBe(200);
      expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId })).code).toBe(0);
      // The presign is still within its minutes, but the key is taken: the store refuses (412).
      expect((await put(g.put!, png)).status).toBe(412);
      expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId })).code).toBe(MediaErrorCode.NOT_OURS);
    });

    it('refuses another app\'s or another user\'s grant, and a presign past its expiry', async () => {
      const g = await grant(alice, { type: 'file', size: 3, contentType: 'text/plain' });
      const mallory = await login(other, 'alice');
      expect((await cmd(mallory, 'media.confirm', { uploadId: g.uploadId })).code).toBe(MediaErrorCode.NOT_OURS);
      expect((await cmd(bob, 'media.confirm', { uploadId: g.uploadId })).code).toBe(MediaErrorCode.NOT_OURS);
      expect((await cmd(mallory, 'media.info', { uuid: g.uuid })).code).toBe(MediaErrorCode.NOT_OURS);
      // The test platform's presigns last 5 s.
      await new Promise((r) => setTimeout(r, 6500));
      expect((await put(g.put!, Buffer.from('abc'))).status).toBe(403);
      expect((await cmd(alice, 'media.confirm', { uploadId: g.uploadId })).code).toBe(2400);
    });
  });

  it('deleting an account makes its objects unreadable', async () => {
    const c = await login(app, 'alice');
    const { body, grant: g } = await uploadAndConfirm(c, 'file', 'text/plain', Buffer.from('gone soon'));
    const url = (body['element'] as { MsgContent: { Url: string } }).MsgContent.Url;
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
    expect((await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [{ UserID: 'alice' }] })).body.ErrorCode).toBe(0);
    await settle(async () => expect((await fetch(url, { redirect: 'manual' })).status).toBe(404));
    expect((await cmd(bob, 'media.info', { uuid: g.uuid })).code).toBe(MediaErrorCode.NOT_OURS);
  });
});
