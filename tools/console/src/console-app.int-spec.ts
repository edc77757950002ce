/**
 * The console's app operations in a real browser (issue #22): the "connect your app" card (its
 * snippet run as is by Node from a folder outside the repository, with the packed SDK), disable
 * and enable, a user's friends and blacklist, the offline push provider, chart axes and values on
 * hover. Screenshots in test-artifacts/console-*.png.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT, TEST_NAMESPACE, TEST_PORT_OFFSET, gatewayUrl } from '@meridian/testing';
import { resolvePlatform } from '../../launcher/src/control';
import { type ConsoleServer, startConsoleServer } from './console-server';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const SDK_DIST = join(REPO_ROOT, 'libs', 'sdk', 'dist');

describe('operator console: connect card, app status, friends, push, charts (browser)', () => {
  let browser: Browser;
  let consoleServer: ConsoleServer;
  let page: Page;
  let sdkAppId: number;
  const outside = mkdtempSync(join(tmpdir(), 'meridian-connect-'));

  const api = async (path: string, body: unknown) => {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const r = await fetch(`${consoleServer.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-meridian-console': '1', cookie }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const restAsAdmin = async (command: string, body: unknown) => (await api(`/api/apps/${sdkAppId}/rest`, { command, body })).body;
  const statusOf = (id: string, text: string | RegExp) => page.getByTestId(id).filter({ hasText: text }).waitFor();

  beforeAll(async () => {
    const executablePath = execFileSync('bash', [join(REPO_ROOT, 'tools', 'scripts', 'ensure-chromium.sh')], { encoding: 'utf8' }).trim();
    // The packed SDK the card tells app developers to install.
    execFileSync(process.execPath, [join(REPO_ROOT, 'libs', 'sdk', 'scripts', 'build.mjs')], { stdio: 'ignore' });
    const platform = resolvePlatform({ namespace: TEST_NAMESPACE, portOffset: TEST_PORT_OFFSET });
    const stale = await mongoose.createConnection(platform.topology.dataPlane.mongoUrl, { dbName: `${TEST_NAMESPACE}_console` }).asPromise();
    await stale.dropDatabase();
    await stale.close();
    consoleServer = await startConsoleServer({ platform });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    mkdirSync(ARTIFACTS, { recursive: true });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(consoleServer.url);
    await page.getByTestId('login-password').fill(consoleServer.initialPassword!);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('who').filter({ hasText: 'signed in as admin' }).waitFor();
    await page.getByTestId('create-name').fill('Connect test');
    await page.getByTestId('create-admin').fill('administrator');
    await page.getByTestId('create-region').selectOption('ap-singapore');
    await page.getByTestId('create-submit').click();
    await statusOf('create-status', 'created');
    sdkAppId = Number(await page.getByTestId('sdkappid').textContent());
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.close();
    rmSync(outside, { recursive: true, force: true });
  });

  it("shows every region's endpoints and a snippet that runs as is, with the packed SDK, outside the repository", async () => {
    const rows = page.getByTestId('connect-regions').locator('tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    for (const region of ['ap-singapore', 'eu-frankfurt']) {
      const cells = await page.locator(`[data-testid=connect-regions] tr[data-region=${region}] td`).allTextContents();
      expect(cells).toEqual([
        region === 'ap-singapore' ? 'ap-singapore (home)' : 'eu-frankfurt',
        gatewayUrl(region),
        `${gatewayUrl(region).replace('http://', 'ws://')}/v1/ws`,
        `${gatewayUrl(region)}/v4/<service>/<command>`,
      ]);
    }
    const tarball = readdirSync(SDK_DIST).find((f) => f.endsWith('.tgz'))!;
    expect(await page.getByTestId('connect-install').textContent()).toContain(`npm install ${join(SDK_DIST, tarball)} ws`);
    expect(await page.getByTestId('connect-snippet').textContent()).toContain('press "Make a test UserSig" above');

    await page.getByTestId('connect-user').fill('bad user!');
    await page.getByTestId('connect-usersig').click();
    await statusOf('connect-status', 'test user: 1-32');
    await page.getByTestId('connect-user').fill('carol');
    await page.getByTestId('connect-usersig').click();
    await statusOf('connect-status', 'UserSig for carol, valid 1 day');
    const snippet = (await page.getByTestId('connect-snippet').textContent())!;
    expect(snippet).toContain(`SDKAppID: ${sdkAppId}, accessUrl: '${gatewayUrl('ap-singapore')}'`);
    await page.getByTestId('connect-card').screenshot({ path: join(ARTIFACTS, 'console-connect.png') });

    // As the card says: a new folder, npm install the tarball (and ws, for Node 20), node hello.mjs.
    writeFileSync(join(outside, 'package.json'), JSON.stringify({ name: 'hello-meridian', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(SDK_DIST, tarball)], { cwd: outside, stdio: 'ignore' });
    // ws has no dependencies: the repository's copy stands in for the registry (no network here).
    cpSync(join(REPO_ROOT, 'node_modules', 'ws'), join(outside, 'node_modules', 'ws'), { recursive: true });
    writeFileSync(join(outside, 'hello.mjs'), snippet);
    const out = execFileSync(process.execPath, ['hello.mjs'], { cwd: outside, encoding: 'utf8', timeout: 60_000 });
    expect(out).toMatch(/^sent carol-carol-\d+ to carol\n$/);
    const stored = await restAsAdmin('openim/admin_getroammsg', { Operator_Account: 'carol', Peer_Account: 'carol', MaxCnt: 10, MinTime: 0, MaxTime: Math.floor(Date.now() / 1000) + 60 });
    expect(stored).toMatchObject({ ActionStatus: 'OK', MsgCnt: 1 });
    expect(JSON.stringify(stored['MsgList'])).toContain('Hello from my app');
  });

  it('disables the app (logins and UserSigs refused) and enables it again', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('app-toggle').click();
    await statusOf('overview-status', 'disabled: logins and REST calls are refused (60016)');
    expect(await page.getByTestId('app-status').textContent()).toBe('disabled');
    expect(await page.getByTestId('app-toggle').textContent()).toBe('Enable app');
    const refused = await api(`/api/apps/${sdkAppId}/usersig`, { user: 'carol' });
    expect(refused.status).toBe(400);
    expect(String(refused.body['error'])).toMatch(/\(60016\)$/);
    await page.getByTestId('app-toggle').click();
    await statusOf('overview-status', 'enabled: logins and REST calls work again');
    expect((await api(`/api/apps/${sdkAppId}/usersig`, { user: 'carol' })).status).toBe(200);
    // Dismissing the question changes nothing.
    page.once('dialog', (d) => void d.dismiss());
    await page.getByTestId('app-toggle').click();
    await statusOf('overview-status', 'not changed');
    expect(await page.getByTestId('app-status').textContent()).toBe('active');
    expect((await api(`/api/apps/${sdkAppId}/status`, { enabled: 'yes' })).body).toEqual({ error: 'enabled: true or false' });
  });

  it("lists, adds and removes a user's friends and blacklist", async () => {
    for (const user of ['dave', 'erin']) expect(await restAsAdmin('im_open_login_svc/account_import', { UserID: user })).toMatchObject({ ActionStatus: 'OK' });
    await page.getByTestId('tab-friends').click();
    await page.getByTestId('friends-user').fill('carol');
    await page.getByTestId('friends-show').click();
    await statusOf('friends-status', 'carol: 0 friend(s), 0 blacklisted');
    await page.getByTestId('friend-add-user').fill('dave');
    await page.getByTestId('friend-add').click();
    await statusOf('friends-status', 'carol and dave are friends');
    await page.locator('[data-testid=friend][data-user=dave]').waitFor();
    // Both ways, on the server.
    const ofDave = await restAsAdmin('sns/friend_get', { From_Account: 'dave', StartIndex: 0 });
    expect((ofDave['UserDataItem'] as { To_Account: string }[]).map((x) => x.To_Account)).toEqual(['carol']);
    await page.getByTestId('friend-add-user').fill('ghost');
    await page.getByTestId('friend-add').click();
    await statusOf('friends-status', /\(30003\)$/);
    await page.getByTestId('black-add-user').fill('erin');
    await page.getByTestId('black-add').click();
    await statusOf('friends-status', "erin is on carol's blacklist");
    await page.locator('[data-testid=blacklisted][data-user=erin]').waitFor();
    const black = await restAsAdmin('sns/black_list_get', { From_Account: 'carol', StartIndex: 0, MaxLimited: 100, LastSequence: 0 });
    expect((black['BlackListItem'] as { To_Account: string }[]).map((x) => x.To_Account)).toEqual(['erin']);
    await page.locator('#friends-form').screenshot({ path: join(ARTIFACTS, 'console-friends.png') });

    await page.locator('[data-testid=friend][data-user=dave] button').click();
    await statusOf('friends-status', 'carol and dave are no longer friends');
    await page.locator('[data-testid=blacklisted][data-user=erin] button').click();
    await statusOf('friends-status', "erin is off carol's blacklist");
    expect(await page.getByTestId('friend').count()).toBe(0);
    expect(await page.getByTestId('blacklisted').count()).toBe(0);
    expect(await restAsAdmin('sns/friend_get', { From_Account: 'dave', StartIndex: 0 })).toMatchObject({ FriendNum: 0 });
  });

  it('sets up and removes an offline push provider, refusing bad settings with the reason', async () => {
    await page.getByTestId('tab-push').click();
    await page.getByTestId('push-kind').selectOption('webhook');
    expect(await page.getByTestId('push-hint').textContent()).toContain('"url"');
    await page.getByTestId('push-config').fill('{ not json');
    await page.getByTestId('push-save').click();
    await statusOf('push-status', 'the settings are not JSON');
    await page.getByTestId('push-config').fill('{"secret": "no url"}');
    await page.getByTestId('push-save').click();
    await statusOf('push-status', /url.*\(70402\)$/);
    await page.getByTestId('push-config').fill('{"url": "http://127.0.0.1:9/push", "secret": "s3cret"}');
    await page.getByTestId('push-save').click();
    await statusOf('push-status', 'webhook saved');
    expect(await page.getByTestId('push-config').inputValue()).toBe('');
    await page.getByTestId('tab-push').screenshot({ path: join(ARTIFACTS, 'console-push.png') });
    await page.getByTestId('push-remove').click();
    await statusOf('push-status', 'webhook removed');
    expect((await api(`/api/apps/${sdkAppId}/push-provider`, { kind: 'pigeon', remove: true })).body).toEqual({ error: 'provider kind is one of apns, fcm, webhook' });
  });

  it('draws charts with a value axis and a time axis, and tells a bar\'s value on hover', async () => {
    await page.getByTestId('tab-stats').click();
    const chart = page.getByTestId('chart-c2cMessages');
    // The snippet's message reaches the per-minute counter within the flush interval.
    for (let attempt = 0; ; attempt++) {
      await page.getByTestId('stats-refresh').click();
      await statusOf('stats-status', /^as of/);
      if (Number(await chart.getAttribute('data-total')) >= 1 || attempt === 30) break;
      await page.waitForTimeout(1000);
    }
    expect(Number(await chart.getAttribute('data-total'))).toBeGreaterThanOrEqual(1);
    const yLabels = await chart.locator('[data-testid=y-axis] text').allTextContents();
    expect(yLabels[0]).toBe('0');
    expect(Number(yLabels[yLabels.length - 1])).toBeGreaterThanOrEqual(1);
    const xLabels = await chart.locator('[data-testid=x-axis] text').allTextContents();
    expect(xLabels.length).toBeGreaterThanOrEqual(2);
    const bars = chart.getByTestId('chart-bar');
    const values = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    const i = values.findIndex((v) => v > 0);
    expect(i).toBeGreaterThanOrEqual(0);
    await bars.nth(i).hover();
    const tip = chart.getByTestId('chart-tip');
    await tip.waitFor();
    expect(await tip.textContent()).toMatch(new RegExp(`: ${values[i]}$`));
    await chart.screenshot({ path: join(ARTIFACTS, 'console-chart-hover.png') });
    await page.mouse.move(0, 0);
    await tip.waitFor({ state: 'hidden' });
  });

  it('deletes an app only when its SDKAppID is typed, then follows the purge to the end', async () => {
    await page.getByTestId('create-name').fill('Delete me');
    await page.getByTestId('create-admin').fill('administrator');
    await page.getByTestId('create-region').selectOption('eu-frankfurt');
    await page.getByTestId('create-submit').click();
    await statusOf('create-status', 'created');
    const doomed = Number(await page.getByTestId('sdkappid').textContent());
    expect((await api(`/api/apps/${doomed}/rest`, { command: 'im_open_login_svc/account_import', body: { UserID: 'zoe' } })).body).toMatchObject({ ActionStatus: 'OK' });
    const listed = () => page.locator(`[data-testid=app][data-sdkappid="${doomed}"]`).count();
    await page.getByTestId('tab-overview').click();
    // Dismissed, or the wrong number typed: nothing is deleted.
    page.once('dialog', (d) => void d.dismiss());
    await page.getByTestId('app-delete').click();
    await statusOf('overview-status', 'not deleted');
    page.once('dialog', (d) => void d.accept(String(doomed + 1)));
    await page.getByTestId('app-delete').click();
    await statusOf('overview-status', `type the SDKAppID (${doomed}) to confirm: nothing was deleted`);
    expect(await listed()).toBe(1);
    expect((await api(`/api/apps/${doomed}/usersig`, { user: 'zoe' })).status).toBe(200);

    page.once('dialog', (d) => void d.accept(String(doomed)));
    await page.getByTestId('app-delete').click();
    await statusOf('overview-status', /Delete me deleted; purge: 6\/6 services done \(\d+ records removed\)/);
    expect(await page.getByTestId('app-status').textContent()).toBe('deleted');
    expect(await listed()).toBe(0);
    await page.locator('#tab-overview').screenshot({ path: join(ARTIFACTS, 'console-app-deleted.png') });
    // Refused as an unknown SDKAppID from then on.
    const refused = await api(`/api/apps/${doomed}/usersig`, { user: 'zoe' });
    expect(refused.status).toBe(400);
    expect(String(refused.body['error'])).toMatch(/\(70020\)$/);
  });
});
