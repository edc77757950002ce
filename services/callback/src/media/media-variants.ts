import { execFile } from 'node:child_process';
import sharp from 'sharp';
import type { MediaPicture } from '@meridian/contracts';

/** Tencent's sizes: the large picture fits in 720 × 720, the thumbnail in 198 × 198 (never enlarged). */
export const LARGE_PX = 720;
export const THUMB_PX = 198;

export interface Picture extends MediaPicture {
  bytes: Buffer;
  contentType: string;
}

/** Pictures keep PNG (transparency) and become JPEG otherwise (GIF: its first frame). */
async function resized(input: Buffer, px: number, maxPixels: number): Promise<Picture> {
  const png = (await sharp(input, { limitInputPixels: maxPixels }).metadata()).format === 'png';
  const pipeline = sharp(input, { limitInputPixels: maxPixels }).rotate().resize({ width: px, height: px, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await (png ? pipeline.png() : pipeline.jpeg({ quality: 85, mozjpeg: true })).toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height, size: data.length, format: png ? 'png' : 'jpeg', contentType: png ? 'image/png' : 'image/jpeg' };
}

/**
 * An image's original dimensions (EXIF orientation applied) and its large and thumbnail
 * variants. Pictures over `maxPixels` are refused before they are decoded (decompression bombs).
 */
export async function imageVariants(input: Buffer, maxPixels: number): Promise<{ original: MediaPicture; large: Picture; thumb: Picture }> {
  const meta = await sharp(input, { limitInputPixels: maxPixels }).metadata();
  if (!meta.width || !meta.height || !meta.format) throw new Error('not a picture sharp can read');
  const swap = (meta.orientation ?? 1) >= 5;
  const original = { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height, size: input.length, format: String(meta.format) };
  return { original, large: await resized(input, LARGE_PX, maxPixels), thumb: await resized(input, THUMB_PX, maxPixels) };
}

/** How long a missing ffmpeg is believed before PATH is looked at again. */
const FFMPEG_RECHECK_MS = 60_000;
let ffmpegFound: { found: Promise<boolean>; at: number } | undefined;
/**
 * Whether an `ffmpeg` binary is on PATH. Found: remembered for the process. Missing: asked again
 * after a minute, so installing ffmpeg (deploy/media/ensure-ffmpeg.sh) while the worker runs gives
 * the next videos their thumbnails without a restart.
 */
export async function hasFfmpeg(now = Date.now(), env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (ffmpegFound && !(now - ffmpegFound.at > FFMPEG_RECHECK_MS && !(await ffmpegFound.found))) return ffmpegFound.found;
  ffmpegFound = { found: new Promise((resolve) => execFile('ffmpeg', ['-version'], { timeout: 10_000, env }, (err) => resolve(!err))), at: now };
  return ffmpegFound.found;
}

/**
 * A video's first frame as a JPEG fitting in 720 × 720, read by ffmpeg straight from `url` (a
 * presigned GET: ffmpeg seeks with ranges, so a 100 MB video is not held in memory).
 */
export function firstFrame(url: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-i', url, '-frames:v', '1', '-vf', `scale='min(${LARGE_PX},iw)':'min(${LARGE_PX},ih)':force_original_aspect_ratio=decrease`, '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'],
      { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout) => {
        if (err) reject(new Error(`ffmpeg could not read the first frame (${err.message.split('\n')[0]})`));
        else if (!stdout.length) reject(new Error('ffmpeg produced no frame'));
        else resolve(stdout);
      },
    );
  });
}
