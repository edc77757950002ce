import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

/** The CLI with its plain output (help, errors): exit code, stdout and stderr. */
async function raw(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, 'tools/runtime/run.js'), 'dist/tools/cli/src/main.js', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, MERIDIAN_NAMESPACE: TEST_NAMESPACE, MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
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

  it('sets an app\'s recall window, refusing a value that is not whole seconds or past 30 days', async () => {
    const app = (await meridian('app', 'create', '--name', 'cli recall')).out['app'] as { sdkAppId: number };
    const id = String(app.sdkAppId);
    expect((await meridian('app', 'set', id, '--recall-window', '300')).out).toMatchObject({ sdkAppId: app.sdkAppId, recallWindowS: 300 });
    const slip = await raw(['app', 'set', id, '--recall-window', '2m']);
    expect(slip).toMatchObject({ code: 2, stderr: expect.stringContaining('--recall-window is a whole number of seconds (0 = default, 120)') });
    expect((await meridian('app', 'set', id, '--recall-window', '2592001')).out).toMatchObject({ ok: false, code: 70402 });
    expect((await meridian('app', 'show', id)).out).toMatchObject({ recallWindowS: 300 });
    expect((await raw(['app', 'show', id])).stdout).toContain('Recall window 300 s');
  }, 120_000);

  it('deletes an app only when confirmed (--yes off a terminal) and follows the purge to the end', async () => {
    const app = (await meridian('app', 'create', '--name', 'cli doomed', '--home', 'eu-frankfurt')).out['app'] as { sdkAppId: number };
    const id = String(app.sdkAppId);
    // Not on a terminal and no --yes: a sentence, exit 2, and the app is still there.
    const unconfirmed = await raw(['app', 'delete', id]);
    expect(unconfirmed).toMatchObject({ code: 2, stderr: expect.stringContaining('add --yes to delete it without being asked') });
    expect((await meridian('app', 'show', id)).out).toMatchObject({ sdkAppId: app.sdkAppId });
    expect((await meridian('app', 'deletion', id)).out).toMatchObject({ ok: false, code: 70020 });

    const deleted = await raw(['--region', 'ap-singapore', 'app', 'delete', id, '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`app ${id} (cli doomed) deleted: its UserSigs, logins and REST calls are refused from now on (70020); purging its data in eu-frankfurt`);
    expect(deleted.stdout).toMatch(/purged by 6\/6 services: auth \d+, chat \d+, group \d+, relationship \d+, push \d+, callback \d+\npurge complete\n$/);
    expect((await meridian('app', 'show', id)).out).toMatchObject({ ok: false, code: 70020 });
    expect((await meridian('app', 'deletion', id)).out).toMatchObject({ sdkAppId: app.sdkAppId, homeRegion: 'eu-frankfurt', complete: true });
    // Again: the same deletion, nothing more to do.
    expect((await meridian('app', 'delete', id, '--yes')).out).toMatchObject({ sdkAppId: app.sdkAppId, complete: true });
    expect((await meridian('app', 'delete', '4000000001', '--yes')).out).toMatchObject({ ok: false, code: 70020 });
    // Eight CLI processes, each starting Node and its TLS clients: slow on a loaded machine.
  }, 180_000);

  it('lists the apps of every region from any region, or of one home region', async () => {
    const sg = ((await meridian('app', 'create', '--name', 'list sg', '--home', 'ap-singapore')).out['app'] as { sdkAppId: number }).sdkAppId;
    const fra = ((await meridian('app', 'create', '--name', 'list fra', '--home', 'eu-frankfurt')).out['app'] as { sdkAppId: number }).sdkAppId;
    for (const region of ['ap-singapore', 'eu-frankfurt']) {
      const list = await raw(['--region', region, '--json', 'app', 'list']);
      expect(list.code).toBe(0);
      const apps = JSON.parse(list.stdout) as { sdkAppId: number; homeRegion: string }[];
      expect(apps.filter((a) => a.sdkAppId === sg || a.sdkAppId === fra).map((a) => a.homeRegion).sort()).toEqual(['ap-singapore', 'eu-frankfurt']);
      // Each app once, counted in its home region.
      expect(new Set(apps.map((a) => a.sdkAppId)).size).toBe(apps.length);
    }
    const onlyFra = JSON.parse((await raw(['--json', 'app', 'list', '--home', 'eu-frankfurt'])).stdout) as { sdkAppId: number; homeRegion: string }[];
    expect(onlyFra.map((a) => a.sdkAppId)).toContain(fra);
    expect(onlyFra.map((a) => a.sdkAppId)).not.toContain(sg);
    expect(onlyFra.every((a) => a.homeRegion === 'eu-frankfurt')).toBe(true);
    const human = await raw(['app', 'list']);
    expect(human.stdout).toMatch(new RegExp(`^${fra}\\teu-frankfurt\\tactive\\tlist fra$`, 'm'));
    expect((await raw(['app', 'list', '--home', 'mars-base'])).stderr).toContain('--home: no region mars-base');
  });

  it('names a region that does not answer, lists the others and exits 1', async () => {
    const sg = ((await meridian('app', 'create', '--name', 'partial', '--home', 'ap-singapore')).out['app'] as { sdkAppId: number }).sdkAppId;
    const topology = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/topology.json'), 'utf8')) as { regions: Record<string, { services: Record<string, { grpcPort: number }> }> };
    // Frankfurt's auth on a port where nothing listens (port 9 plus the offset the CLI adds).
    topology.regions['eu-frankfurt']!.services['auth']!.grpcPort = 9;
    const file = join(mkdtempSync(join(tmpdir(), 'cli-')), 'topology.json');
    writeFileSync(file, JSON.stringify(topology));
    const list = await raw(['--region', 'ap-singapore', '--json', 'app', 'list'], { MERIDIAN_TOPOLOGY: file });
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/^eu-frankfurt did not answer, so its apps are missing from this list/m);
    expect((JSON.parse(list.stdout) as { sdkAppId: number }[]).map((a) => a.sdkAppId)).toContain(sg);
  });

  it('has help for every area and command, and says an unknown flag in a sentence', async () => {
    const create = await raw(['app', 'create', '--help']);
    expect(create.code).toBe(0);
    expect(create.stdout).toMatch(/^usage: meridian app create --name N/);
    expect(create.stdout).toMatch(/--if-not-exists +with --sdkappid: succeed/);
    expect((await raw(['help', 'usersig', 'verify'])).stdout).toMatch(/--public-key FILE +check here with this PEM public key/);
    const area = await raw(['app', '--help']);
    expect(area.stdout).toContain('meridian app list [--home R]');
    expect(area.stdout).not.toContain('meridian usersig gen');
    const all = await raw(['--help']);
    for (const c of ['app create', 'callback replay', 'group settings', 'push provider', 'usersig verify']) expect(all.stdout).toContain(c);
    // A usage slip in one command shows that command's help, not everything.
    const slip = await raw(['app', 'create']);
    expect(slip.code).toBe(2);
    expect(slip.stderr).toMatch(/^--name is required\n\nusage: meridian app create/);
    const bogus = await raw(['app', 'list', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("Unknown option '--bogus'");
    expect(bogus.stderr).toContain('usage: meridian app list');
    expect(bogus.stderr).not.toMatch(/\n +at /);
  });

  it('says in a sentence that a file it was given is missing, and changes nothing', async () => {
    const sdkAppId = String(((await meridian('app', 'create', '--name', 'files')).out['app'] as { sdkAppId: number }).sdkAppId);
    const missing = join(tmpdir(), 'no-such-dir', 'webhook.json');
    const push = await raw(['push', 'provider', sdkAppId, '--kind', 'webhook', '--config', missing]);
    expect(push).toMatchObject({ code: 2, stdout: `--config names the provider settings (JSON) at ${missing}, but there is no such file.\n` });
    expect(push.stderr).not.toContain('ENOENT');
    const key = await meridian('app', 'set', sdkAppId, '--ecdsa-public-key', tmpdir());
    expect(key).toMatchObject({ code: 2, out: { ok: false, error: `--ecdsa-public-key names a PEM public key at ${tmpdir()}, but it is a directory, not a file.` } });
    expect((await meridian('app', 'show', sdkAppId)).out['ecdsaPublicKey']).toBe('');
  });
});
