import { createHash } from 'node:crypto';

/**
 * Media messages (image, file, sound, video): what a client may upload, where an object lives in
 * the bucket, how its bytes are recognised, and how a stored object becomes a Tencent element.
 * Shared by the gateway (upload, confirm, download) and the media worker (variants).
 */
export const MEDIA_TYPES = ['image', 'file', 'sound', 'video'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/**
 * Tencent's web SDK limits and codes (its error-code table: 2253 image over 20 MB, 2301 audio over
 * 20 MB, 2402 file over 100 MB; video: 100 MB as Tencent's newer SDKs, with 2351), the codes for a
 * format it refuses (2252 image, 2352 video), and each type's "upload failed" code.
 */
export const MEDIA_LIMITS: Readonly<Record<MediaType, { maxBytes: number; tooLarge: number; badFormat: number; uploadFailed: number }>> = {
  image: { maxBytes: 20 * 1024 * 1024, tooLarge: 2253, badFormat: 2252, uploadFailed: 2400 },
  sound: { maxBytes: 20 * 1024 * 1024, tooLarge: 2301, badFormat: 2300, uploadFailed: 2300 },
  video: { maxBytes: 100 * 1024 * 1024, tooLarge: 2351, badFormat: 2352, uploadFailed: 2350 },
  file: { maxBytes: 100 * 1024 * 1024, tooLarge: 2402, badFormat: 2400, uploadFailed: 2400 },
};

/** Media error codes that are not per type. */
export const MediaErrorCode = {
  /** Tencent 2108: an empty file cannot be sent. */
  EMPTY_FILE: 2108,
  /** Tencent 2040 ("no COS upload plugin"): this platform has no object store configured. */
  NOT_CONFIGURED: 2040,
  /** Tencent 4001: the object is not a storage resource this platform handed to this user (unknown, foreign, expired or already confirmed). */
  NOT_OURS: 4001,
  /** Tencent 4004: the stored bytes are not an image of the declared format. */
  BAD_IMAGE: 4004,
  /** Tencent client 6017: invalid parameters. */
  INVALID_PARAMETERS: 6017,
} as const;

/** Content types each type accepts, with the format its bytes must show (undefined: any bytes). */
export const MEDIA_CONTENT_TYPES: Readonly<Record<MediaType, Readonly<Record<string, MediaFormat | undefined>>>> = {
  image: { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/gif': 'gif', 'image/bmp': 'bmp', 'image/webp': 'webp' },
  sound: { 'audio/mp4': 'mp4', 'audio/x-m4a': 'mp4', 'audio/aac': 'aac', 'audio/mpeg': 'mp3', 'audio/ogg': 'ogg', 'audio/webm': 'webm', 'audio/wav': 'wav', 'audio/amr': 'amr' },
  // Tencent's SDKs send MP4 only (2352).
  video: { 'video/mp4': 'mp4' },
  file: {},
};

export type MediaFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp' | 'mp4' | 'aac' | 'mp3' | 'ogg' | 'webm' | 'wav' | 'amr';

/** How many leading bytes `detectFormat` needs. */
export const MAGIC_BYTES = 16;

const startsWith = (b: Buffer, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (b: Buffer, text: string, at = 0) => b.length >= at + text.length && b.toString('latin1', at, at + text.length) === text;

/** The format the first bytes of a file show, if one we know. */
export function detectFormat(b: Buffer): MediaFormat | undefined {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(b, 'GIF87a') || ascii(b, 'GIF89a')) return 'gif';
  if (ascii(b, 'BM') && b.length >= 14) return 'bmp';
  if (ascii(b, 'RIFF') && ascii(b, 'WEBP', 8)) return 'webp';
  if (ascii(b, 'RIFF') && ascii(b, 'WAVE', 8)) return 'wav';
  if (ascii(b, 'ftyp', 4)) return 'mp4';
  if (ascii(b, 'OggS')) return 'ogg';
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return 'webm';
  if (ascii(b, '#!AMR')) return 'amr';
  if (ascii(b, 'ID3') || startsWith(b, [0xff, 0xfb]) || startsWith(b, [0xff, 0xf3]) || startsWith(b, [0xff, 0xf2])) return 'mp3';
  if (startsWith(b, [0xff, 0xf1]) || startsWith(b, [0xff, 0xf9])) return 'aac';
  return undefined;
}

/** Whether `bytes` (the object's first MAGIC_BYTES) are what `contentType` says, for `type`. */
export function bytesMatch(type: MediaType, contentType: string, bytes: Buffer): boolean {
  if (type === 'file') return true;
  const want = MEDIA_CONTENT_TYPES[type][contentType];
  return want !== undefined && detectFormat(bytes) === want;
}

/** A user's folder: a hash, so no user id (any printable ASCII) can make a path of its own. */
export function userFolder(sdkAppId: number, userId: string): string {
  return `${sdkAppId}/${createHash('sha256').update(userId).digest('hex').slice(0, 32)}`;
}

/** Object names: 32 hex (the original), plus `.large` / `.thumb` variants and `.meta.json`. */
export const OBJECT_NAME = /^[0-9a-f]{32}$/;
export const MEDIA_KEY = /^(\d{1,10})\/([0-9a-f]{32})\/([0-9a-f]{32})(\.large|\.thumb)?$/;
export type MediaVariant = 'large' | 'thumb';

/** The relative key of an object (`<app>/<user hash>/<name>`) and of its variants and metadata. */
export const mediaKeys = (folder: string, name: string) => ({
  original: `${folder}/${name}`,
  large: `${folder}/${name}.large`,
  thumb: `${folder}/${name}.thumb`,
  meta: `${folder}/${name}.meta.json`,
});

/** Tencent's UUID of an object: its key with `-` for `/`, so the key is found again from it. */
export const uuidOfKey = (key: string) => key.replace(/\//g, '-');
export const keyOfUuid = (uuid: string): string | undefined => {
  const key = uuid.replace(/-/g, '/');
  const m = MEDIA_KEY.exec(key);
  return m && !m[4] ? key : undefined;
};

/**
 * The UUIDs of the media elements in a Tencent MsgBody (JSON text): TIMImageElem, TIMFileElem and
 * TIMSoundElem `UUID`, TIMVideoFileElem `VideoUUID`. Anything else (and text that is no MsgBody)
 * gives none; the UUIDs are as sent, not checked to be ours.
 */
export function mediaUuids(msgBody: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(msgBody);
  } catch {
    return [];
  }
  if (!Array.isArray(body)) return [];
  const out: string[] = [];
  for (const el of body as { MsgType?: unknown; MsgContent?: Record<string, unknown> }[]) {
    const c = el?.MsgContent;
    if (!c || typeof c !== 'object') continue;
    const uuid = el.MsgType === 'TIMVideoFileElem' ? c['VideoUUID'] : c['UUID'];
    if (typeof uuid === 'string') out.push(uuid);
  }
  return out;
}

/** A derived picture, as the worker measured it. */
export interface MediaPicture {
  width: number;
  height: number;
  size: number;
  /** jpeg, png, gif, … */
  format: string;
}

/** `<name>.meta.json`: what the worker made of one confirmed object. */
export interface MediaMeta {
  status: 'ready' | 'failed';
  type: MediaType;
  size: number;
  contentType: string;
  /** Images: the original's dimensions. */
  original?: MediaPicture;
  large?: MediaPicture;
  thumb?: MediaPicture;
  /** Why a variant is missing (no ffmpeg, an undecodable picture). */
  missing?: string;
}

/** Tencent's ImageFormat: 1 JPG, 2 GIF, 3 PNG, 4 BMP, 255 other. */
export function imageFormatCode(format: string | undefined): number {
  switch (format) {
    case 'jpeg':
      return 1;
    case 'gif':
      return 2;
    case 'png':
      return 3;
    case 'bmp':
      return 4;
    default:
      return 255;
  }
}

/** Download_Flag 2: downloaded from the URL given (Tencent's value for URL-addressed files). */
export const DOWNLOAD_FLAG_URL = 2;

export interface ElementInput {
  type: MediaType;
  uuid: string;
  size: number;
  contentType: string;
  fileName?: string;
  /** Seconds, for sound and video (as the client measured them). */
  second?: number;
  urls: { original: string; large: string; thumb: string };
  meta?: MediaMeta;
}

/** The Tencent element (`{MsgType, MsgContent}`) for a stored object. */
export function mediaElement(e: ElementInput): { MsgType: string; MsgContent: Record<string, unknown> } {
  switch (e.type) {
    case 'image': {
      const m = e.meta;
      const pic = (type: number, url: string, p: MediaPicture | undefined, size?: number) => ({ Type: type, Size: p?.size ?? size ?? 0, Width: p?.width ?? 0, Height: p?.height ?? 0, URL: url });
      return {
        MsgType: 'TIMImageElem',
        MsgContent: {
          UUID: e.uuid,
          ImageFormat: imageFormatCode(m?.original?.format ?? MEDIA_CONTENT_TYPES.image[e.contentType]),
          ImageInfoArray: [
            pic(1, e.urls.original, m?.original, e.size),
            // Without variants (the worker failed), the original stands in, as Tencent's own SDK does for small pictures.
            pic(2, m?.large ? e.urls.large : e.urls.original, m?.large ?? m?.original, e.size),
            pic(3, m?.thumb ? e.urls.thumb : e.urls.original, m?.thumb ?? m?.original, e.size),
          ],
        },
      };
    }
    case 'file':
      return { MsgType: 'TIMFileElem', MsgContent: { Url: e.urls.original, UUID: e.uuid, FileSize: e.size, FileName: e.fileName ?? '', Download_Flag: DOWNLOAD_FLAG_URL } };
    case 'sound':
      return { MsgType: 'TIMSoundElem', MsgContent: { Url: e.urls.original, UUID: e.uuid, Size: e.size, Second: e.second ?? 0, Download_Flag: DOWNLOAD_FLAG_URL } };
    case 'video': {
      const t = e.meta?.thumb;
      return {
        MsgType: 'TIMVideoFileElem',
        MsgContent: {
          VideoUrl: e.urls.original,
          VideoUUID: e.uuid,
          VideoSize: e.size,
          VideoSecond: e.second ?? 0,
          VideoFormat: 'mp4',
          VideoDownloadFlag: DOWNLOAD_FLAG_URL,
          ThumbUrl: t ? e.urls.thumb : '',
          ThumbUUID: t ? `${e.uuid}.thumb` : '',
          ThumbSize: t?.size ?? 0,
          ThumbWidth: t?.width ?? 0,
          ThumbHeight: t?.height ?? 0,
          ThumbFormat: t ? 'jpg' : '',
          ThumbDownloadFlag: DOWNLOAD_FLAG_URL,
        },
      };
    }
  }
}

/**
 * A file name as shown to the receiver, or undefined when it is not a plain name: no path
 * separators, no control characters, not `.`/`..`, 1-255 bytes. It never becomes part of a key.
 */
export function cleanFileName(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex
  if (!trimmed || /[\\/\u0000-\u001f\u007f]/.test(trimmed) || trimmed === '.' || trimmed === '..' || Buffer.byteLength(trimmed) > 255) return undefined;
  return trimmed;
}
