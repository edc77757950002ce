import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, TEST_NAMESPACE, TEST_PORT_OFFSET } from '@meridian/testing';
import { main } from './cli';

const run = promisify(execFile);

/** The operator CLI as an operator runs it: a separate process against the test platform. */
async function meridian(...args: string[]): Promise<{ code: number; out: Record<string, unknown> }> {
  try {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'tools/runtime/run.js'), 'dist/tools/cli/src/main.js', '--json', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, MERIDIAN_NAMESPACE: TEST_NAMESPACE, MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET) },
    });
    return { code: 0, out: JSON.parse(stdout) as Record<string, unknown> };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout ? (JSON.parse(e.stdout) as Record<string, unknown>) : {} };
  }
}

describe(main.name, () => {
  it('creates an app in another region, shows it from anywhere, rotates its key and disables it', async () => {
    const created = await meridian('--region', 'ap-singapore', 'app', 'create', '--name', 'cli app', '--home', 'eu-frankfurt', '--admin', 'root', '--policy', 'dual');
    expect(created.code).toBe(0);
    const app = created.out['app'] as { sdkAppId: number; secretKey: string; homeRegion: string; admins: string[] };
    expect(app).toMatchObject({ homeRegion: 'eu-frankfurt', admins: ['root'] });
    expect(app.secretKey).toMatch(/^[0-9a-f]{64}$/);

    const hidden = await meridian('--region', 'ap-singapore', 'app', 'show', String(app.sdkAppId));
    expect(hidden.out).toMatchObject({ sdkAppId: app.sdkAppId, secretKey: '', multiDevicePolicy: 'MULTI_DEVICE_POLICY_DUAL' });
    const revealed = await meridian('app', 'show', String(app.sdkAppId), '--reveal');
    expect(revealed.out['secretKey']).toBe(app.secretKey);

    const sig = await meridian('usersig', 'gen', '--sdkappid', String(app.sdkAppId), '--user', 'root');
    const userSig = sig.out['userSig'] as string;
    expect((await meridian('usersig', 'verify', '--sdkappid', String(app.sdkAppId), '--user', 'root', '--sig', userSig)).out).toMatchObject({ ok: true, isAdmin: true });
    expect((await meridian('usersig', 'verify', '--sdkappid', String(app.sdkAppId), '--user', 'root', '--sig', userSig, '--key', app.secretKey)).out).toMatchObject({
      ok: true,
      version: 'v2',
    });

    const rotated = await meridian('app', 'rotate-key', String(app.sdkAppId));
    expect(rotated.out['secretKey']).not.toBe(app.secretKey);
    const stale = await meridian('usersig', 'verify', '--sdkappid', String(app.sdkAppId), '--user', 'root', '--sig', userSig);
    expect(stale).toMatchObject({ code: 1, out: { ok: false, code: 70009 } });

    expect((await meridian('app', 'disable', String(app.sdkAppId))).out['status']).toBe('APP_STATUS_DISABLED');
    expect((await meridian('usersig', 'gen', '--sdkappid', String(app.sdkAppId), '--user', 'root')).out).toMatchObject({ ok: false, code: 60016 });
  });

  it('configures an offline push provider for an app', async () => {
    const created = await meridian('app', 'create', '--name', 'push app');
    const sdkAppId = String((created.out['app'] as { sdkAppId: number }).sdkAppId);
    const file = join(mkdtempSync(join(tmpdir(), 'cli-')), 'webhook.json');
    writeFileSync(file, JSON.stringify({ url: 'http://127.0.0.1:9/push', secret: 'x' }));
    expect(await meridian('push', 'provider', sdkAppId, '--kind', 'webhook', '--config', file)).toMatchObject({ code: 0, out: { ok: true } });
    expect((await meridian('push', 'provider', sdkAppId, '--kind', 'pigeon', '--config', file)).out).toMatchObject({ ok: false, code: 70402 });
    writeFileSync(file, JSON.stringify({ secret: 'no url' }));
    expect((await meridian('push', 'provider', sdkAppId, '--kind', 'webhook', '--config', file)).out).toMatchObject({ ok: false, code: 70402 });
    expect(await meridian('push', 'provider', sdkAppId, '--kind', 'webhook', '--remove')).toMatchObject({ code: 0 });
  });

  it('refuses bad input with a clear error and creates nothing', async () => {
    expect((await meridian('app', 'create', '--name', 'x', '--home', 'mars-base')).out).toMatchObject({ ok: false, code: 70402 });
    expect((await meridian('app', 'create', '--name', 'x', '--admin', 'bad:admin')).out).toMatchObject({ ok: false, code: 70402 });
    expect((await meridian('app', 'show', '4000000001')).out).toMatchObject({ ok: false, code: 70020 });
    expect((await meridian('app', 'frobnicate')).code).toBe(2);
  });
});
