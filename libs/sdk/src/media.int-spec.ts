import { Readable } from 'node:stream';
import sharp from 'sharp';
import WebSocket from 'ws';
import { closeTestClients, createTestApp, eventually, gatewayUrl, rest, type TestApp } from '@meridian/testing';
import { EVENT, Meridian, type Message, type WebSocketConstructor } from './index';
import { FAST } from '../test/net';

const SG = 'ap-singapore';

describe('Meridian media messages', () => {
  let app: TestApp;
  let alice: Meridian;
  let bob: Meridian;
  const received: Message[] = [];

  beforeAll(async () => {
    app = await createTestApp();
    expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['alice', 'bob'] })).body.ErrorCode).toBe(0);
    const make = () => Meridian.create({ SDKAppID: app.sdkAppId, accessUrl: gatewayUrl(SG), WebSocket: WebSocket as unknown as WebSocketConstructor, ...FAST, mediaVariantsWaitMs: 15_000 });
    [alice, bob] = [make(), make()];
    bob.on(EVENT.MESSAGE_RECEIVED, (e) => received.push(...(e.data as Message[])));
    await alice.login({ userID: 'alice', userSig: app.sig('alice') });
    await bob.login({ userID: 'bob', userSig: app.sig('bob') });
  });

  afterAll(async () => {
    await Promise.all([alice.destroy(), bob.destroy()]);
    closeTestClients();
  });

  it('sends an image from a Buffer with progress; the receiver gets the original, large and thumbnail', async () => {
    const jpeg = await sharp({ create: { width: 640, height: 1280, channels: 3, background: { r: 10, g: 120, b: 200 } } }).jpeg().toBuffer();
    const progress: number[] = [];
    const msg = alice.createImageMessage({ to: 'bob', payload: { file: jpeg, fileName: 'tall.jpg' }, onProgress: (p) => progress.push(p) });
    const sent = (await alice.sendMessage(msg)).data.message;
    expect(sent.status).toBe('success');
    expect(progress[progress.length - 1]).toBe(1);
    expect(await eventually(() => received.some((m) => m.ID === sent.ID))).toBe(true);
    const got = received.find((m) => m.ID === sent.ID)!;
    expect(got.type).toBe('TIMImageElem');
    const infos = got.payload['imageInfoArray'] as { type: number; width: number; height: number; url: string; size: number }[];
    expect(infos.map((i) => [i.type, i.width, i.height])).toEqual([
      [1, 640, 1280],
      [2, 360, 720],
      [3, 99, 198],
    ]);
    const thumb = Buffer.from(await (await fetch(infos[2]!.url)).arrayBuffer());
    expect(thumb.length).toBe(infos[2]!.size);
  });

  it('sends a file from a Node stream and a voice clip with its duration', async () => {
    const file = alice.createFileMessage({ to: 'bob', payload: { file: Readable.from([Buffer.from('line one\n'), Buffer.from('line two\n')]), fileName: 'notes.txt' } });
    const f = (await alice.sendMessage(file)).data.message;
    expect(f.payload).toMatchObject({ fileName: 'notes.txt', fileSize: 18 });
    expect(await (await fetch(f.payload['fileUrl'] as string)).text()).toBe('line one\nline two\n');
    const m4a = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypM4A '), Buffer.alloc(12)]);
    const voice = alice.createAudioMessage({ to: 'bob', payload: { file: m4a, fileName: 'hi.m4a', second: 2 } });
    expect((await alice.sendMessage(voice)).data.message.payload).toMatchObject({ second: 2, size: m4a.length });
  });

  it('fails the message with a clear code when the upload is refused or cancelled', async () => {
    const big = alice.createImageMessage({ to: 'bob', payload: { file: Buffer.alloc(20 * 1024 * 1024 + 1), contentType: 'image/png' } });
    await expect(alice.sendMessage(big)).rejects.toMatchObject({ code: 2253 });
    expect(big.status).toBe('fail');
    const notImage = alice.createImageMessage({ to: 'bob', payload: { file: Buffer.from('plain text, not a picture'), contentType: 'image/png' } });
    await expect(alice.sendMessage(notImage)).rejects.toMatchObject({ code: 4004 });
    const cancelled = alice.createFileMessage({ to: 'bob', payload: { file: Buffer.alloc(1024, 1), fileName: 'x.bin' } });
    const p = alice.sendMessage(cancelled);
    alice.cancelUploading(cancelled);
    await expect(p).rejects.toMatchObject({ code: 2026 });
    expect(cancelled.status).toBe('fail');
    expect(() => alice.createFileMessage({ to: 'bob', payload: {} as never })).toThrow(expect.objectContaining({ code: 2401 }));
  });
});
