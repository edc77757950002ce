import { bytesMatch, cleanFileName, detectFormat, imageFormatCode, keyOfUuid, mediaElement, mediaKeys, mediaUuids, userFolder, uuidOfKey } from './media';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1]);
const MP4 = Buffer.from([0, 0, 0, 0x20, ...Buffer.from('ftypisom'), 0, 0, 2, 0]);

describe('media contracts', () => {
  it('recognises formats by their leading bytes, not by what a client declares', () => {
    expect(detectFormat(PNG)).toBe('png');
    expect(detectFormat(JPEG)).toBe('jpeg');
    expect(detectFormat(MP4)).toBe('mp4');
    expect(detectFormat(Buffer.from('GIF89a..........'))).toBe('gif');
    expect(detectFormat(Buffer.from('hello, world....'))).toBeUndefined();
    expect(bytesMatch('image', 'image/png', PNG)).toBe(true);
    expect(bytesMatch('image', 'image/jpeg', PNG)).toBe(false);
    expect(bytesMatch('image', 'image/svg+xml', PNG)).toBe(false);
    expect(bytesMatch('video', 'video/mp4', MP4)).toBe(true);
    expect(bytesMatch('video', 'video/mp4', JPEG)).toBe(false);
    expect(bytesMatch('sound', 'audio/mp4', MP4)).toBe(true);
    expect(bytesMatch('file', 'application/pdf', Buffer.from('anything'))).toBe(true);
  });

  it('takes plain file names only', () => {
    expect(cleanFileName('report.pdf')).toBe('report.pdf');
    expect(cleanFileName('  spaced name.txt ')).toBe('spaced name.txt');
    for (const bad of ['../../etc/passwd', 'a/b', 'a\\b', '..', '.', '', 'nul\u0000byte', 'x'.repeat(256), 42]) expect(cleanFileName(bad)).toBeUndefined();
  });

  it('keys live in a hashed user folder, and a UUID maps back to its original only', () => {
    const folder = userFolder(1400000001, '../../alice');
    expect(folder).toMatch(/^1400000001\/[0-9a-f]{32}$/);
    expect(userFolder(1400000001, 'alice')).not.toBe(userFolder(1400000001, 'bob'));
    const keys = mediaKeys(folder, 'a'.repeat(32));
    expect(keyOfUuid(uuidOfKey(keys.original))).toBe(keys.original);
    expect(keyOfUuid(uuidOfKey(keys.thumb))).toBeUndefined();
    expect(keyOfUuid('1400000001-..-..-x')).toBeUndefined();
  });

  it('builds Tencent elements with every documented field', () => {
    const urls = { original: 'u1', large: 'u2', thumb: 'u3' };
    const img = mediaElement({
      type: 'image',
      uuid: 'id',
      size: 1000,
      contentType: 'image/png',
      urls,
      meta: {
        status: 'ready',
        type: 'image',
        size: 1000,
        contentType: 'image/png',
        original: { width: 1000, height: 500, size: 1000, format: 'png' },
        large: { width: 720, height: 360, size: 600, format: 'png' },
        thumb: { width: 198, height: 99, size: 100, format: 'png' },
      },
    });
    expect(img).toEqual({
      MsgType: 'TIMImageElem',
      MsgContent: {
        UUID: 'id',
        ImageFormat: 3,
        ImageInfoArray: [
          { Type: 1, Size: 1000, Width: 1000, Height: 500, URL: 'u1' },
          { Type: 2, Size: 600, Width: 720, Height: 360, URL: 'u2' },
          { Type: 3, Size: 100, Width: 198, Height: 99, URL: 'u3' },
        ],
      },
    });
    expect(mediaElement({ type: 'file', uuid: 'f', size: 5, contentType: 'text/plain', fileName: 'a.txt', urls }).MsgContent).toEqual({ Url: 'u1', UUID: 'f', FileSize: 5, FileName: 'a.txt', Download_Flag: 2 });
    expect(mediaElement({ type: 'sound', uuid: 's', size: 7, contentType: 'audio/mp4', second: 3, urls }).MsgContent).toEqual({ Url: 'u1', UUID: 's', Size: 7, Second: 3, Download_Flag: 2 });
    const video = mediaElement({ type: 'video', uuid: 'v', size: 9, contentType: 'video/mp4', second: 4, urls }).MsgContent;
    expect(Object.keys(video).sort()).toEqual(
      ['VideoUrl', 'VideoUUID', 'VideoSize', 'VideoSecond', 'VideoFormat', 'VideoDownloadFlag', 'ThumbUrl', 'ThumbUUID', 'ThumbSize', 'ThumbWidth', 'ThumbHeight', 'ThumbFormat', 'ThumbDownloadFlag'].sort(),
    );
    expect(video).toMatchObject({ VideoUrl: 'u1', VideoSize: 9, VideoSecond: 4, VideoFormat: 'mp4', ThumbUrl: '' });
    expect([imageFormatCode('jpeg'), imageFormatCode('gif'), imageFormatCode('png'), imageFormatCode('bmp'), imageFormatCode('webp')]).toEqual([1, 2, 3, 4, 255]);
  });

  it('finds the UUIDs of image, file, sound and video elements and ignores everything else', () => {
    const body = JSON.stringify([
      { MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } },
      { MsgType: 'TIMImageElem', MsgContent: { UUID: 'i', ImageInfoArray: [] } },
      { MsgType: 'TIMFileElem', MsgContent: { UUID: 'f' } },
      { MsgType: 'TIMSoundElem', MsgContent: { UUID: 's' } },
      { MsgType: 'TIMVideoFileElem', MsgContent: { VideoUUID: 'v', ThumbUUID: 'v.thumb' } },
      { MsgType: 'TIMFileElem', MsgContent: { UUID: 7 } },
      null,
    ]);
    expect(mediaUuids(body)).toEqual(['i', 'f', 's', 'v']);
    expect(mediaUuids('not json')).toEqual([]);
    expect(mediaUuids('{"a":1}')).toEqual([]);
  });
});
