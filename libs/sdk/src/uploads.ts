import { ErrorCodes, MeridianError } from './errors.js';
import type { MsgElement } from './messages.js';

/** What an upload can read: a browser File/Blob, bytes, or (Node) an async-iterable stream. */
export type UploadSource = Blob | Uint8Array | ArrayBuffer | AsyncIterable<Uint8Array | string>;
export type MediaKind = 'image' | 'file' | 'sound' | 'video';

/** The file behind a createImageMessage/createFileMessage/… until it is uploaded at send time. */
export interface PendingUpload {
  kind: MediaKind;
  source: UploadSource;
  fileName?: string;
  contentType?: string;
  /** Sound and video: seconds, as the app measured them. */
  second?: number;
  /** 0…1 as bytes reach the store. */
  onProgress?: (percent: number) => void;
  abort: AbortController;
}

/** Tencent's web SDK codes for a failed upload, per type. */
export const UPLOAD_FAILED: Readonly<Record<MediaKind, number>> = { image: 2400, file: 2400, sound: 2300, video: 2350 };
/** Tencent's "please select a file first" codes. */
export const NO_FILE: Readonly<Record<MediaKind, number>> = { image: 2251, file: 2401, sound: 2300, video: 2350 };

interface Grant {
  uploadId: string;
  uuid: string;
  put?: { url: string; headers: Record<string, string> };
  parts?: { url: string; headers: Record<string, string>; partNumber: number; size: number }[];
}
type Request = <T>(cmd: string, body: Record<string, unknown>) => Promise<T>;

const EXT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', bmp: 'image/bmp', webp: 'image/webp',
  mp4: 'video/mp4', m4a: 'audio/mp4', aac: 'audio/aac', mp3: 'audio/mpeg', ogg: 'audio/ogg', webm: 'audio/webm', wav: 'audio/wav', amr: 'audio/amr',
  pdf: 'application/pdf', txt: 'text/plain', zip: 'application/zip',
};

/** A content type: the app's, the Blob's, or the file name's extension; `application/octet-stream` otherwise. */
export function contentTypeOf(u: Pick<PendingUpload, 'contentType' | 'fileName' | 'source'>): string {
  if (u.contentType) return u.contentType;
  if (typeof Blob !== 'undefined' && u.source instanceof Blob && u.source.type) return u.source.type;
  const ext = u.fileName?.split('.').pop()?.toLowerCase();
  return (ext && EXT_TYPES[ext]) || 'application/octet-stream';
}

/** The source's bytes (a stream is read whole: the store needs the size before the first byte). */
export async function bytesOf(source: UploadSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  const chunks: Uint8Array[] = [];
  for await (const c of source as AsyncIterable<Uint8Array | string>) chunks.push(typeof c === 'string' ? new TextEncoder().encode(c) : c);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** One PUT; in browsers through XMLHttpRequest for byte-level progress, elsewhere fetch. */
function putBytes(url: string, headers: Record<string, string>, body: Uint8Array, signal: AbortSignal, onBytes: (n: number) => void): Promise<void> {
  const XHR = (globalThis as { XMLHttpRequest?: typeof XMLHttpRequest }).XMLHttpRequest;
  if (XHR) {
    return new Promise((resolve, reject) => {
      const xhr = new XHR();
      xhr.open('PUT', url);
      for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-length') xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => onBytes(e.loaded);
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? (onBytes(body.length), resolve()) : reject(new Error(`the store answered ${xhr.status}`)));
      xhr.onerror = () => reject(new Error('the upload failed (network)'));
      xhr.onabort = () => reject(new Error('cancelled'));
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(body as unknown as XMLHttpRequestBodyInit);
    });
  }
  return fetch(url, { method: 'PUT', headers, body: body as unknown as BodyInit, signal }).then((res) => {
    if (!res.ok) throw new Error(`the store answered ${res.status}`);
    onBytes(body.length);
  });
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
});

/**
 * Uploads the file of a media message and answers its element (docs/media.md): `media.upload`
 * for a presigned PUT (or parts), the bytes straight to the store, `media.confirm`, and for images
 * `media.info` until the variants are there or `waitVariantsMs` has passed (the original then
 * stands in, as Tencent's SDK sends small pictures). Fails with the server's code (2253 too
 * large, 4004 not an image, …), the type's upload-failed code, or CANCELLED.
 */
export async function uploadMedia(request: Request, u: PendingUpload, waitVariantsMs: number): Promise<MsgElement> {
  const signal = u.abort.signal;
  const cancelled = () => new MeridianError(ErrorCodes.CANCELLED, 'the upload was cancelled');
  const bytes = await bytesOf(u.source);
  const grant = await request<Grant>('media.upload', { type: u.kind, size: bytes.length, contentType: contentTypeOf(u), ...(u.fileName ? { fileName: u.fileName } : {}) });
  if (signal.aborted) throw cancelled();
  const done: number[] = [];
  const report = (i: number, n: number) => {
    done[i] = n;
    u.onProgress?.(Math.min(1, done.reduce((a, b) => a + (b ?? 0), 0) / bytes.length));
  };
  try {
    if (grant.put) {
      await putBytes(grant.put.url, grant.put.headers, bytes, signal, (n) => report(0, n));
    } else {
      let at = 0;
      for (const [i, p] of (grant.parts ?? []).entries()) {
        await putBytes(p.url, p.headers, bytes.subarray(at, at + p.size), signal, (n) => report(i, n));
        at += p.size;
      }
    }
  } catch (err) {
    if (signal.aborted) throw cancelled();
    throw new MeridianError(UPLOAD_FAILED[u.kind], (err as Error).message);
  }
  if (signal.aborted) throw cancelled();
  const { element } = await request<{ element: MsgElement }>('media.confirm', { uploadId: grant.uploadId, ...(u.second !== undefined ? { second: u.second } : {}) });
  if (u.kind !== 'image' && u.kind !== 'video') return element;
  // Images (variants) and videos (first frame): wait as long as the app allows.
  for (const deadline = Date.now() + waitVariantsMs; Date.now() < deadline && !signal.aborted; ) {
    const info = await request<{ status: string; element: MsgElement }>('media.info', { uuid: grant.uuid, ...(u.second !== undefined ? { second: u.second } : {}) });
    if (info.status !== 'pending') return info.element;
    await sleep(250, signal);
  }
  return element;
}
