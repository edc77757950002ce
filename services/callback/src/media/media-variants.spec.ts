import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasFfmpeg } from './media-variants';

describe('hasFfmpeg', () => {
  it('asks again a minute after finding no ffmpeg, so installing it needs no restart', async () => {
    const installed = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
    const t0 = Date.now();
    expect(await hasFfmpeg(t0, { ...process.env, PATH: mkdtempSync(join(tmpdir(), 'no-ffmpeg-')) })).toBe(false);
    // Within the minute the answer stands; after it, PATH is looked at again.
    expect(await hasFfmpeg(t0 + 30_000)).toBe(false);
    expect(await hasFfmpeg(t0 + 61_000)).toBe(installed);
  });
});
