import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { NO_CHANGES, REPO_ROOT, TEST_NAMESPACE, TEST_PORT_OFFSET, authClient, closeTestClients, eventually, gatewayUrl, serviceHttpUrl } from '@meridian/testing';
import { resolvePlatform } from '../../launcher/src/control';
import { DEMO_APP, demoAppAdmins, ensureDemoApp } from '../../launcher/src/demo-app';
import { type DemoServer, startDemoServer } from './demo-server';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

async function login(page: Page, url: string, user: string, region: string, nick?: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('user').fill(user);
  if (nick) await page.getByTestId('nick').fill(nick);
  await page.getByTestId('region-pick').selectOption(region);
  await page.getByTestId('login').click();
  await page.getByTestId('region').filter({ hasText: `region ${region}` }).waitFor();
}

async function openChat(page: Page, peer: string): Promise<void> {
  await page.getByTestId('peer').fill(peer);
  await page.getByTestId('open-chat').click();
  await page.getByTestId('thread-title').filter({ hasText: peer }).waitFor();
}

async function sendText(page: Page, text: string): Promise<void> {
  await page.getByTestId('text').fill(text);
  await page.getByTestId('send').click();
}

const message = (page: Page, text: string) => page.getByTestId('messages').locator('li', { hasText: text });

/** A GET with a Host header of our choosing (fetch does not let a caller set Host). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: { error?: string; userSig?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: string } }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web demo (browser end-to-end)', () => {
  let browser: Browser;
  let demo: DemoServer;
  let sdkAppId: number;
  let admins: ReturnType<typeof demoAppAdmins>;

  beforeAll(async () => {
    // Debian's chromium (installed by the project's script if missing) and the SDK's ESM build.
    const executablePath = execFileSync('bash', [join(REPO_ROOT, 'tools', 'scripts', 'ensure-chromium.sh')], { encoding: 'utf8' }).trim();
    execFileSync(process.execPath, [join(REPO_ROOT, 'libs', 'sdk', 'scripts', 'build.mjs')], { stdio: 'ignore' });
    const platform = resolvePlatform({ namespace: TEST_NAMESPACE, portOffset: TEST_PORT_OFFSET });
    const app = await ensureDemoApp(platform);
    sdkAppId = app.sdkAppId;
    admins = demoAppAdmins(platform);
    demo = await startDemoServer({ sdkAppId, secretKey: app.secretKey, accessUrls: [gatewayUrl(SG), gatewayUrl(FRA)], regions: [SG, FRA], admins: admins.admins });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    admins?.close();
    closeTestClients();
  });

  it('sends a picked image: the other side sees its 198 px thumbnail, linked to the original', async () => {
    const png = await sharp({ create: { width: 800, height: 400, channels: 3, background: { r: 30, g: 160, b: 90 } } }).png().toBuffer();
    // This test runs first, right after the platform starts: the media worker's consumer group
    // must have joined (an object confirmed before would wait for the join, past the demo's wait).
    const joined = async () => /meridian_kafka_group_joins_total\{[^}]*group="media-variants"[^}]*\} [1-9]/.test(await (await fetch(`${serviceHttpUrl(SG, 'callback')}/metrics`)).text());
    expect(await eventually(joined, 60_000, 250)).toBe(true);
    const ctxA = await browser.newContext();
    const ctxB = await browser.newContext();
    try {
      const alice = await ctxA.newPage();
      const bob = await ctxB.newPage();
      await login(alice, demo.url, 'pia', SG);
      await login(bob, demo.url, 'quinn', FRA);
      await openChat(alice, 'quinn');
      await alice.getByTestId('attach-file').setInputFiles({ name: 'meadow.png', mimeType: 'image/png', buffer: png });
      await alice.getByTestId('upload-progress').filter({ hasText: 'meadow.png: 100 %' }).waitFor();
      await bob.locator('[data-testid=conversation][data-peer=pia]').click();
      const img = bob.locator('[data-testid=messages] li[data-type=TIMImageElem] img.picture');
      await img.waitFor();
      // The thumbnail itself, loaded through the gateway's redirect to the store.
      expect(await img.getAttribute('src')).toMatch(/\/v1\/media\/\d+\/[0-9a-f]{32}\/[0-9a-f]{32}\.thumb$/);
      await bob.waitForFunction("document.querySelector('[data-testid=messages] li[data-type=TIMImageElem] img.picture')?.naturalWidth === 198");
      const original = await bob.locator('[data-testid=messages] li[data-type=TIMImageElem] a').getAttribute('href');
      const res = await fetch(original!);
      expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
      await bob.screenshot({ path: join(ARTIFACTS, 'demo-web-image.png') });
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  });

  it('signs UserSigs for the demo app only', async () => {
    const ok = await fetch(`${demo.url}/api/usersig?sdkappid=${sdkAppId}&userid=zoe`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { userSig: string }).userSig).toMatch(/\S{20,}/);
    expect((await fetch(`${demo.url}/api/usersig?sdkappid=1400000002&userid=zoe`)).status).toBe(403);
    expect((await fetch(`${demo.url}/api/usersig?sdkappid=${sdkAppId}&userid=${encodeURIComponent('bad id!')}`)).status).toBe(400);
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('never signs for an admin of the demo app: the built-in administrator nor one an operator added', async () => {
    const sig = (user: string) => fetch(`${demo.url}/api/usersig?sdkappid=${sdkAppId}&userid=${user}`);
    const builtIn = await sig(DEMO_APP.admin);
    expect(builtIn.status).toBe(403);
    expect(((await builtIn.json()) as { error: string }).error).toContain(`${DEMO_APP.admin} is an admin of the demo app`);
    // An operator makes ops_lead an admin too (in the console): it is refused from then on.
    expect((await sig('ops_lead')).status).toBe(200);
    const auth = authClient();
    const before = (await auth.getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: false })).app!.admins;
    await auth.updateApp({ sdkAppId, ...NO_CHANGES, hasAdmins: true, admins: [...before, 'ops_lead'] });
    try {
      const added = await sig('ops_lead');
      expect(added.status).toBe(403);
      expect(((await added.json()) as { error: string }).error).toContain('never signs admin UserSigs');
    } finally {
      await auth.updateApp({ sdkAppId, ...NO_CHANGES, hasAdmins: true, admins: before });
    }
    expect((await sig('ops_lead')).status).toBe(200);
  });

  it('answers only loopback Host headers of its own port (DNS rebinding)', async () => {
    const port = new URL(demo.url).port;
    const path = `${demo.url}/api/usersig?sdkappid=${sdkAppId}&userid=zoe`;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const r = await getWithHost(path, host);
      expect({ host, status: r.status }).toEqual({ host, status: 200 });
      expect(r.body.userSig).toMatch(/\S{20,}/);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, '127.0.0.1', `localhost.evil.example:${port}`, `192.168.1.10:${port}`]) {
      const r = await getWithHost(path, host);
      expect({ host, status: r.status }).toEqual({ host, status: 403 });
      expect(r.body.error).toContain('the web demo answers only http://127.0.0.1:');
      expect(r.body.userSig).toBeUndefined();
    }
    // No Host header at all (HTTP/1.0; Node's client always sends one, so a raw socket).
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(`GET /api/usersig?sdkappid=${sdkAppId}&userid=zoe HTTP/1.0\r\n\r\n`));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.[01] 403 /);
    expect(raw).not.toContain('userSig');
    // The page and its config are guarded the same way.
    expect((await getWithHost(`${demo.url}/api/config`, `evil.example:${port}`)).status).toBe(403);
    expect((await getWithHost(`${demo.url}/`, `evil.example:${port}`)).status).toBe(403);
  });

  it('two users on gateways of two regions chat both ways; one goes offline and sees what was sent meanwhile', async () => {
    const ctxA = await browser.newContext();
    const ctxB = await browser.newContext();
    try {
      const alice = await ctxA.newPage();
      let bob = await ctxB.newPage();
      await login(alice, demo.url, 'alice', SG);
      await login(bob, demo.url, 'bob', FRA);

      await openChat(alice, 'bob');
      await sendText(alice, 'Hi Bob, from Singapore');
      // Bob has not opened the conversation: an unread badge.
      await bob.locator('[data-testid=conversation][data-peer=alice] [data-testid=unread]', { hasText: '1' }).waitFor();
      await bob.locator('[data-testid=conversation][data-peer=alice]').click();
      await message(bob, 'Hi Bob, from Singapore').waitFor();
      // Opening it read it: Alice sees the receipt.
      await message(alice, 'Hi Bob, from Singapore').getByTestId('receipt').filter({ hasText: 'Read' }).waitFor();

      await sendText(bob, 'Hallo Alice, from Frankfurt');
      await bob.getByTestId('face-3').click();
      await message(alice, 'Hallo Alice, from Frankfurt').waitFor();
      await alice.locator('[data-testid=messages] li[data-type=TIMFaceElem]', { hasText: '👍' }).waitFor();

      await alice.getByTestId('send-image').click();
      await bob.locator('[data-testid=messages] li[data-type=TIMImageElem] img.picture').waitFor();
      await bob.getByTestId('send-custom').click();
      await alice.locator('[data-testid=messages] li[data-type=TIMCustomElem]', { hasText: 'contact card' }).waitFor();

      await sendText(alice, 'oops, wrong chat');
      await message(bob, 'oops, wrong chat').waitFor();
      await message(alice, 'oops, wrong chat').getByTestId('recall').click();
      await bob.locator('[data-testid=messages] li.revoked', { hasText: 'message recalled' }).waitFor();
      expect(await message(bob, 'oops, wrong chat').count()).toBe(0);

      // Bob goes offline (logs out and closes the tab); Alice writes on.
      await bob.getByTestId('logout').click();
      await bob.close();
      await sendText(alice, 'Are you there?');
      await sendText(alice, 'Call me when you are back');
      await message(alice, 'Call me when you are back').getByTestId('receipt').filter({ hasText: 'Sent' }).waitFor();

      // Bob comes back: the badge counts what he missed, and the chat shows it.
      bob = await ctxB.newPage();
      await login(bob, demo.url, 'bob', FRA);
      await bob.locator('[data-testid=conversation][data-peer=alice] [data-testid=unread]', { hasText: '2' }).waitFor();
      await bob.locator('[data-testid=conversation][data-peer=alice]').click();
      await message(bob, 'Are you there?').waitFor();
      await message(bob, 'Call me when you are back').waitFor();
      await sendText(bob, 'Back now!');
      await message(alice, 'Back now!').waitFor();
      await message(alice, 'Call me when you are back').getByTestId('receipt').filter({ hasText: 'Read' }).waitFor();

      expect(await alice.getByTestId('region').textContent()).toContain(`region ${SG}`);
      expect(await bob.getByTestId('region').textContent()).toContain(`region ${FRA}`);
      await alice.screenshot({ path: join(ARTIFACTS, 'demo-web-alice.png') });
      await bob.screenshot({ path: join(ARTIFACTS, 'demo-web-bob.png') });
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  }, 120_000);

  it('shows no chat before login, and a log out leaves nothing of the previous user on screen', async () => {
    const ctx = await browser.newContext();
    const other = await browser.newContext();
    try {
      const run = Date.now().toString(36);
      const peer = await other.newPage();
      await login(peer, demo.url, 'lo_bob', FRA);
      const page = await ctx.newPage();
      await page.goto(demo.url);
      // Before login only the login form shows (main's display:grid used to override hidden).
      await page.getByTestId('login').waitFor();
      expect(await page.locator('#chat-view').isVisible()).toBe(false);
      expect(await page.getByTestId('logout').isVisible()).toBe(false);
      await login(page, demo.url, 'lo_alice', SG);
      await openChat(page, 'lo_bob');
      await sendText(page, `secret plans ${run}`);
      await message(page, `secret plans ${run}`).getByTestId('receipt').filter({ hasText: 'Sent' }).waitFor();
      await page.getByTestId('logout').click();
      await page.getByTestId('login').waitFor();
      expect(await page.locator('#chat-view').isVisible()).toBe(false);
      const leftover = async () => (await page.locator('body').evaluate((b) => b.textContent ?? '')) + String(await page.evaluate('JSON.stringify(Object.entries(sessionStorage))'));
      expect(await leftover()).not.toContain(`secret plans ${run}`);
      expect(await leftover()).not.toContain('lo_bob');
      expect(await page.getByTestId('conversation').count()).toBe(0);
      expect(await page.getByTestId('message').count()).toBe(0);
      // The next user of this tab sees their own (empty) world only, not the previous one's.
      await login(page, demo.url, `lo_carol_${run}`, SG);
      expect(await page.getByTestId('thread-title').textContent()).toBe('Pick a conversation');
      expect(await page.locator('#composer').isVisible()).toBe(false);
      expect(await leftover()).not.toContain(`secret plans ${run}`);
      await page.screenshot({ path: join(ARTIFACTS, 'demo-web-after-logout.png') });
      // A kick (an administrator's, here) clears the screen the same way.
      await openChat(page, 'lo_bob');
      await sendText(page, `second secret ${run}`);
      await message(page, `second secret ${run}`).getByTestId('receipt').filter({ hasText: 'Sent' }).waitFor();
      // A kick is idempotent: on a loaded machine its gRPC deadline can pass, so ask again.
      for (let attempt = 1; ; attempt++) {
        try {
          await authClient().kick({ sdkAppId, userId: `lo_carol_${run}` });
          break;
        } catch (err) {
          if (attempt === 3 || (err as { code?: number }).code !== 70169) throw err;
        }
      }
      await page.getByTestId('login-info').filter({ hasText: 'signed out' }).waitFor();
      expect(await page.locator('#chat-view').isVisible()).toBe(false);
      expect(await leftover()).not.toContain(`second secret ${run}`);
    } finally {
      await ctx.close();
      await other.close();
    }
  }, 120_000);

  it('a send to a user who never logged in shows why, and Retry sends it once they have', async () => {
    const ctxA = await browser.newContext();
    const ctxB = await browser.newContext();
    try {
      const ghost = `ghost_${Date.now().toString(36)}`;
      const alice = await ctxA.newPage();
      const errors: string[] = [];
      alice.on('pageerror', (e) => errors.push(e.message));
      await login(alice, demo.url, 'fr_alice', SG);
      await openChat(alice, ghost);
      await alice.getByTestId('thread-info').filter({ hasText: 'never logged in' }).waitFor();
      await sendText(alice, 'are you there yet?');
      const bubble = message(alice, 'are you there yet?');
      await bubble.getByTestId('receipt').filter({ hasText: 'Failed' }).waitFor();
      const why = (await bubble.getByTestId('failure').textContent())!;
      expect(why).toContain(`${ghost} has never logged in`);
      expect(why).not.toMatch(/127\.0\.0\.1|\d{2,5}\s*\w+\.\w+ failed|Error:|at \w+ \(/);
      await alice.screenshot({ path: join(ARTIFACTS, 'demo-web-send-failed.png') });

      const bob = await ctxB.newPage();
      await login(bob, demo.url, ghost, FRA);
      await bubble.getByTestId('retry').click();
      await bubble.getByTestId('receipt').filter({ hasText: 'Sent' }).waitFor();
      expect(await bubble.getByTestId('failure').count()).toBe(0);
      await bob.locator(`[data-testid=conversation][data-peer=fr_alice]`).click();
      await message(bob, 'are you there yet?').waitFor();
      expect(await message(bob, 'are you there yet?').count()).toBe(1);
      // The rejection was handled: nothing reached the page as an uncaught error.
      expect(errors).toEqual([]);
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  }, 120_000);

  it('says offline the moment the network drops, reconnects as soon as it is back, and a reload keeps the session', async () => {
    const ctxA = await browser.newContext();
    const ctxB = await browser.newContext();
    try {
      const alice = await ctxA.newPage();
      const bob = await ctxB.newPage();
      await login(alice, demo.url, 'nw_alice', SG);
      await login(bob, demo.url, 'nw_bob', FRA);
      await alice.getByTestId('net').filter({ hasText: 'connected' }).waitFor();
      let t0 = Date.now();
      await ctxA.setOffline(true);
      await alice.getByTestId('net').filter({ hasText: 'offline' }).waitFor({ timeout: 3000 });
      expect(Date.now() - t0).toBeLessThan(3000);
      await openChat(alice, 'nw_bob');
      await sendText(alice, 'written while offline');
      await message(alice, 'written while offline').getByTestId('receipt').filter({ hasText: 'Sending' }).waitFor();
      await alice.screenshot({ path: join(ARTIFACTS, 'demo-web-offline.png') });
      await new Promise((r) => setTimeout(r, 1500));
      expect(await alice.getByTestId('net').textContent()).toBe('offline');
      t0 = Date.now();
      await ctxA.setOffline(false);
      await alice.getByTestId('net').filter({ hasText: /^connected$/ }).waitFor({ timeout: 5000 });
      expect(Date.now() - t0).toBeLessThan(5000);
      await message(alice, 'written while offline').getByTestId('receipt').filter({ hasText: 'Sent' }).waitFor();
      await bob.locator('[data-testid=conversation][data-peer=nw_alice]').click();
      await message(bob, 'written while offline').waitFor();

      // Reload: back in as nw_alice without the login form (fresh UserSig from the dev endpoint).
      await alice.reload();
      await alice.getByTestId('me').filter({ hasText: 'nw_alice' }).waitFor();
      await alice.getByTestId('region').filter({ hasText: `region ${SG}` }).waitFor();
      expect(await alice.locator('#login-view').isVisible()).toBe(false);
      await alice.locator('[data-testid=conversation][data-peer=nw_bob]').waitFor();
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  }, 120_000);

  it('groups: a failed create leaves no chat open; a Work group adds members, lists them, copies its id, is left and disbanded', async () => {
    const ctxA = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const ctxB = await browser.newContext();
    try {
      const alice = await ctxA.newPage();
      const bob = await ctxB.newPage();
      await login(alice, demo.url, 'gw_alice', SG);
      await login(bob, demo.url, 'gw_bob', FRA);

      // A create that fails must not leave the composer on the previous chat.
      await openChat(alice, 'gw_bob');
      await alice.getByTestId('group-name').fill('x'.repeat(200));
      await alice.getByTestId('create-group').click();
      await alice.getByTestId('group-error').filter({ hasText: 'Could not create the group' }).waitFor();
      expect(await alice.getByTestId('group-error').textContent()).not.toMatch(/127\.0\.0\.1|70500/);
      expect(await alice.locator('#composer').isVisible()).toBe(false);
      expect(await alice.getByTestId('thread-title').textContent()).toBe('Pick a conversation');

      await alice.getByTestId('group-name').fill('Work team');
      await alice.getByTestId('group-type').selectOption('Private');
      await alice.getByTestId('create-group').click();
      await alice.getByTestId('thread-title').filter({ hasText: 'Work team' }).waitFor();
      const groupID = (await alice.getByTestId('group-id-value').textContent())!;
      expect(groupID).toMatch(/^@TGS#/);
      // The creation notice is no red error line.
      expect(await alice.getByTestId('group-error').textContent()).toBe('');
      await alice.getByTestId('copy-group-id').click();
      expect(await alice.evaluate('navigator.clipboard.readText()')).toBe(groupID);

      await alice.getByTestId('invite-user').fill('gw_bob');
      await alice.getByTestId('invite').click();
      await alice.getByTestId('group-panel-info').filter({ hasText: 'Added gw_bob' }).waitFor();
      await alice.getByTestId('show-members').click();
      await alice.locator('[data-testid=member][data-user=gw_alice]', { hasText: 'owner' }).waitFor();
      await alice.locator('[data-testid=member][data-user=gw_bob]').waitFor();
      await alice.screenshot({ path: join(ARTIFACTS, 'demo-web-group-members.png') });

      // Bob hears of it and has the group in his list.
      await bob.getByTestId('notice').filter({ hasText: 'added you to group' }).waitFor();
      await bob.locator(`[data-testid=conversation][data-group="${groupID}"]`).click();
      await bob.getByTestId('thread-title').filter({ hasText: 'Work team' }).waitFor();
      await sendText(bob, 'glad to be here');
      await message(alice, 'glad to be here').waitFor();
      // Leave asks once more on the button.
      await bob.getByTestId('leave-group').click();
      await bob.getByTestId('leave-group').filter({ hasText: 'Really leave?' }).click();
      await bob.getByTestId('notice').filter({ hasText: 'You left group' }).waitFor();
      expect(await bob.locator(`[data-testid=conversation][data-group="${groupID}"]`).count()).toBe(0);
      await alice.getByTestId('tip').filter({ hasText: 'gw_bob left' }).waitFor();

      // A Work group is disbanded by the app admin only (Tencent): the owner is told why.
      await alice.getByTestId('disband-group').click();
      await alice.getByTestId('disband-group').filter({ hasText: 'Really disband?' }).click();
      await alice.getByTestId('group-panel-info').filter({ hasText: /permission|disband/i }).waitFor();

      // A Public group is disbanded by its owner.
      await alice.getByTestId('group-name').fill('Public square');
      await alice.getByTestId('group-type').selectOption('Public');
      await alice.getByTestId('create-group').click();
      await alice.getByTestId('thread-title').filter({ hasText: 'Public square' }).waitFor();
      const publicID = (await alice.getByTestId('group-id-value').textContent())!;
      await alice.getByTestId('disband-group').click();
      await alice.getByTestId('disband-group').filter({ hasText: 'Really disband?' }).click();
      await alice.getByTestId('notice').filter({ hasText: 'You disbanded group' }).waitFor();
      expect(await alice.locator(`[data-testid=conversation][data-group="${publicID}"]`).count()).toBe(0);
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  }, 120_000);

  it('at 390 px wide: one column, long text wrapped, every element type as a card, nicknames from profiles', async () => {
    const ctxA = await browser.newContext({ viewport: { width: 390, height: 780 } });
    const ctxB = await browser.newContext();
    try {
      const alice = await ctxA.newPage();
      const bob = await ctxB.newPage();
      await login(alice, demo.url, 'ph_alice', SG);
      await login(bob, demo.url, 'ph_bob', FRA, 'Bob the Builder');
      await openChat(bob, 'ph_alice');
      await sendText(bob, `long ${'word'.repeat(80)} and https://example.com/${'x'.repeat(120)}`);
      for (const kind of ['file', 'sound', 'video', 'location']) {
        await bob.getByTestId('attach-kind').selectOption(kind);
        await bob.getByTestId('send-image').click();
      }
      await bob.getByTestId('send-custom').click();
      await bob.locator('[data-testid=messages] li[data-type=TIMCustomElem] .card').waitFor();

      await alice.locator('[data-testid=conversation][data-peer=ph_bob]', { hasText: 'Bob the Builder' }).click();
      await alice.getByTestId('thread-title').filter({ hasText: 'Bob the Builder' }).waitFor();
      await alice.locator('[data-testid=messages] li[data-type=TIMCustomElem] .card', { hasText: 'contact card' }).waitFor();
      for (const type of ['TIMFileElem', 'TIMSoundElem', 'TIMVideoFileElem', 'TIMLocationElem']) await alice.locator(`[data-testid=messages] li[data-type=${type}]`).waitFor();
      await alice.locator('[data-testid=messages] li[data-type=TIMSoundElem] audio').waitFor({ state: 'attached' });
      await alice.locator('[data-testid=messages] li[data-type=TIMVideoFileElem] video').waitFor({ state: 'attached' });
      const text = await alice.getByTestId('messages').textContent();
      expect(text).not.toMatch(/\[TIM\w+Elem\]|\{"card"/);
      expect(text).toContain('demo-image.svg');
      expect(text).toContain('Marina Bay');
      // Nothing is wider than the phone.
      expect(await alice.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await alice.screenshot({ path: join(ARTIFACTS, 'demo-web-390px.png'), fullPage: true });
      // Back to the list on a phone.
      await alice.getByTestId('back').click();
      await alice.locator('[data-testid=conversation][data-peer=ph_bob]').waitFor();
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  }, 120_000);

  it('typing into a group: one creates it, the other joins by id, both type and see each other; tips are system lines', async () => {
    const ctxA = await browser.newContext();
    const ctxB = await browser.newContext();
    try {
      const alice = await ctxA.newPage();
      const bob = await ctxB.newPage();
      await login(alice, demo.url, 'galice', SG);
      await login(bob, demo.url, 'gbob', FRA);

      await alice.getByTestId('group-name').fill('Demo team');
      await alice.getByTestId('group-type').selectOption('Public');
      await alice.getByTestId('create-group').click();
      await alice.getByTestId('thread-title').filter({ hasText: 'Demo team' }).waitFor();
      const groupID = (await alice.getByTestId('thread-info').getAttribute('data-group-id'))!;
      expect(groupID).toMatch(/^@TGS#2/);
      await alice.locator(`[data-testid=conversation][data-group="${groupID}"]`).waitFor();

      await bob.getByTestId('group-id').fill(groupID);
      await bob.getByTestId('join-group').click();
      await bob.getByTestId('thread-title').filter({ hasText: 'Demo team' }).waitFor();
      // Alice sees Bob's join as a system line.
      await alice.getByTestId('tip').filter({ hasText: 'gbob joined' }).waitFor();

      await sendText(alice, 'Welcome to the group, Bob');
      await message(bob, 'Welcome to the group, Bob').waitFor();
      await sendText(bob, 'Thanks! Typing from Frankfurt');
      await message(alice, 'Thanks! Typing from Frankfurt').waitFor();
      expect(await message(alice, 'Thanks! Typing from Frankfurt').locator('.from').textContent()).toBe('gbob');
      await sendText(alice, 'And back from Singapore');
      await message(bob, 'And back from Singapore').waitFor();
      await bob.locator(`[data-testid=conversation][data-group="${groupID}"]`, { hasText: 'And back from Singapore' }).waitFor();

      await alice.screenshot({ path: join(ARTIFACTS, 'demo-web-group-alice.png') });
      await bob.screenshot({ path: join(ARTIFACTS, 'demo-web-group-bob.png') });
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  }, 120_000);
});
