import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { NO_CHANGES, REPO_ROOT, TEST_NAMESPACE, TEST_PORT_OFFSET, authClient, closeTestClients, gatewayUrl } from '@meridian/testing';
import { resolvePlatform } from '../../launcher/src/control';
import { DEMO_APP, demoAppAdmins, ensureDemoApp } from '../../launcher/src/demo-app';
import { type DemoServer, startDemoServer } from './demo-server';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

async function login(page: Page, url: string, user: string, region: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('user').fill(user);
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
      await bob.locator('[data-testid=messages] li[data-type=TIMImageElem] img').waitFor();
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
