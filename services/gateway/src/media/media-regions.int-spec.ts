import sharp from 'sharp';
import { ErrorCode, MediaErrorCode, keyOfUuid } from '@meridian/contracts';
import type { authV1, gatewayV1 } from '@meridian/proto';
import { TestWsClient, closeTestClients, createTestApp, gatewayUrl, rest, testClients, testTopology, type TestApp } from '@meridian/testing';
import { MediaRouter } from './media-router';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
type Body = Record<string, unknown>;
interface Grant {
  uploadId: string;
  uuid: string;
  put: { url: string; headers: Record<string, string> };
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

/** A region's object-key prefix in the shared local bucket (the region's key prefix as a path). */
const prefixOf = (region: string) => testTopology().region(region).redisKeyPrefix.replace(/:/g, '/');

/** Objects live in the app's home region whichever region's gateway the upload entered (docs/media.md). */
describe(MediaRouter.name, () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];
  const login = async (region: string, userId: string, platform = 'Web') => {
    const c = await TestWsClient.connect(region);
    clients.push(c);
    expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
    return c;
  };
  const cmd = async (c: TestWsClient, name: string, body: Body) => {
    const res = await c.request('req', { cmd: name, body });
    return { code: res.code, body: res.body as Body };
  };

  beforeAll(async () => {
    // Several devices per user (one per platform): the same user is logged in through both regions at once.
    app = await createTestApp({ homeRegion: SG, policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['alice', 'bob'] })).body.ErrorCode).toBe(0);
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it("an image uploaded through the other region's gateway lands in the home region's store, gets its variants, and downloads from either region", async () => {
    const alice = await login(FRA, 'alice');
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();
    const up = await cmd(alice, 'media.upload', { type: 'image', size: png.length, contentType: 'image/png' });
    expect(up.code).toBe(0);
    const g = up.body as unknown as Grant;
    const key = keyOfUuid(g.uuid)!;
    // Presigned for the home region's objects, not Frankfurt's.
    const path = decodeURIComponent(new URL(g.put.url).pathname);
    expect(path.endsWith(`/${prefixOf(SG)}${key}`)).toBe(true);
    expect(path).not.toContain(prefixOf(FRA));
    expect((await fetch(g.put.url, { method: 'PUT', headers: g.put.headers, body: png })).status).toBe(200);

    // The grant lives in the home region too: confirmed through a Singapore connection of the same user.
    const again = await login(SG, 'alice', 'Android');
    const conf = await cmd(again, 'media.confirm', { uploadId: g.uploadId });
    expect(conf.code).toBe(0);

    // The home region's worker made the variants; asked through Frankfurt, URLs point at Frankfurt.
    const info = await settle(async () => {
      const r = await cmd(alice, 'media.info', { uuid: g.uuid });
      expect(r.code).toBe(0);
      expect(r.body['status']).toBe('ready');
      return r.body['element'] as { MsgContent: { ImageInfoArray: { Type: number; Width: number; URL: string }[] } };
    });
    const [orig, , thumb] = info.MsgContent.ImageInfoArray;
    expect(thumb).toMatchObject({ Type: 3, Width: 198 });
    expect(orig!.URL.startsWith(gatewayUrl(FRA))).toBe(true);
    for (const url of [orig!.URL, orig!.URL.replace(gatewayUrl(FRA), gatewayUrl(SG))]) {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(decodeURIComponent(new URL(res.headers.get('location')!).pathname)).toContain(`/${prefixOf(SG)}${key}`);
      expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(png)).toBe(true);
    }
    expect(Buffer.from(await (await fetch(thumb!.URL)).arrayBuffer()).length).toBeGreaterThan(0);
  });

  it('a REST upload through the other region is stored in the home region and its URLs point at the region it entered', async () => {
    const bytes = Buffer.from('from a backend in Europe');
    const up = await rest(FRA, 'meridian_media/upload', app, { From_Account: 'bob', Type: 'file', Size: bytes.length, ContentType: 'text/plain', FileName: 'eu.txt' });
    expect(up.body.ErrorCode).toBe(0);
    const g = up.body as unknown as Grant;
    expect(decodeURIComponent(new URL(g.put.url).pathname)).toContain(`/${prefixOf(SG)}`);
    expect((await fetch(g.put.url, { method: 'PUT', headers: g.put.headers, body: bytes })).status).toBe(200);
    const conf = await rest(FRA, 'meridian_media/confirm', app, { From_Account: 'bob', UploadId: g.uploadId });
    expect(conf.body.ErrorCode).toBe(0);
    const url = (conf.body['Element'] as { MsgContent: { Url: string } }).MsgContent.Url;
    expect(url.startsWith(gatewayUrl(FRA))).toBe(true);
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bytes)).toBe(true);
  });

  describe('bad input', () => {
    it('errors of the home region come back through the other region unchanged, and store nothing', async () => {
      const bob = await login(FRA, 'bob');
      expect((await cmd(bob, 'media.upload', { type: 'image', size: 20 * 1024 * 1024 + 1, contentType: 'image/png' })).code).toBe(2253);
      expect((await cmd(bob, 'media.upload', { type: 'file', size: 10, contentType: 'text/plain', fileName: '../x' })).code).toBe(MediaErrorCode.INVALID_PARAMETERS);
      expect((await cmd(bob, 'media.confirm', { uploadId: '0'.repeat(32) })).code).toBe(MediaErrorCode.NOT_OURS);
      expect((await cmd(bob, 'media.info', { uuid: `${app.sdkAppId}-${'0'.repeat(32)}-${'0'.repeat(32)}` })).code).toBe(MediaErrorCode.NOT_OURS);
      // Downloads of objects that do not exist, of an app that does not exist: 404 in both regions.
      for (const region of [FRA, SG]) {
        for (const key of [`${app.sdkAppId}/${'0'.repeat(32)}/${'0'.repeat(32)}`, `${'9'.repeat(10)}/${'0'.repeat(32)}/${'0'.repeat(32)}`]) {
          expect((await fetch(`${gatewayUrl(region)}/v1/media/${key}`, { redirect: 'manual' })).status).toBe(404);
        }
      }
    });

    it('HandleMedia answers gateways only: the request names the user', async () => {
      const req: gatewayV1.HandleMediaRequest = { sdkAppId: app.sdkAppId, userId: 'alice', command: 'upload', body: Buffer.from(JSON.stringify({ type: 'file', size: 3, contentType: 'text/plain' })), urlRegion: SG };
      await expect(testClients(SG).service<gatewayV1.GatewayServiceClient>('gateway', SG).handleMedia(req)).rejects.toMatchObject({ code: ErrorCode.GRPC_CALLER_NOT_ALLOWED });
    });
  });
});
