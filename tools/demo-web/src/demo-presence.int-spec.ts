/**
 * The web demo's presence and typing indicator (Tencent's "input status"), in two browsers on
 * gateways of two regions (issue #22). Screenshot: test-artifacts/demo-typing.png.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT, TEST_NAMESPACE, TEST_PORT_OFFSET, closeTestClients, gatewayUrl } from '@meridian/testing';
import { genUserSig } from '@meridian/usersig';
import { resolvePlatform } from '../../launcher/src/control';
import { demoAppAdmins, ensureDemoApp } from '../../launcher/src/demo-app';
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

describe('web demo: presence and typing indicator (browser)', () => {
  let browser: Browser;
  let demo: DemoServer;
  let sdkAppId: number;
  let secretKey: string;
  let admins: ReturnType<typeof demoAppAdmins>;
  const tag = Date.now().toString(36);
  const tina = `tina_${tag}`;
  const tom = `tom_${tag}`;

  beforeAll(async () => {
    const executablePath = execFileSync('bash', [join(REPO_ROOT, 'tools', 'scripts', 'ensure-chromium.sh')], { encoding: 'utf8' }).trim();
    execFileSync(process.execPath, [join(REPO_ROOT, 'libs', 'sdk', 'scripts', 'build.mjs')], { stdio: 'ignore' });
    const platform = resolvePlatform({ namespace: TEST_NAMESPACE, portOffset: TEST_PORT_OFFSET });
    const app = await ensureDemoApp(platform);
    sdkAppId = app.sdkAppId;
    secretKey = app.secretKey;
    admins = demoAppAdmins(platform);
    demo = await startDemoServer({ sdkAppId, secretKey, accessUrls: [gatewayUrl(SG), gatewayUrl(FRA)], regions: [SG, FRA], admins: admins.admins });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    admins?.close();
    closeTestClients();
  });

  it("shows the peer's presence as it changes and '… is typing' while they type; typing leaves no message behind", async () => {
    const ctxA = await browser.newContext();
    const ctxB = await browser.newContext();
    try {
      const a = await ctxA.newPage();
      const b = await ctxB.newPage();
      await login(a, demo.url, tina, SG);
      await login(b, demo.url, tom, FRA);
      await openChat(a, tom);
      await a.getByTestId('thread-info').filter({ hasText: /^online$/ }).waitFor();
      await openChat(b, tina);

      // Tina types (key by key, as a person does): Tom sees it, and nothing is stored or unread.
      await a.getByTestId('text').pressSequentially('hello the', { delay: 30 });
      await b.getByTestId('typing').filter({ hasText: `${tina} is typing…` }).waitFor();
      await b.screenshot({ path: join(ARTIFACTS, 'demo-typing.png') });
      expect(await b.getByTestId('messages').locator('li').count()).toBe(0);
      // The typing status never reaches Tina's own screen.
      expect(await a.getByTestId('typing').isHidden()).toBe(true);

      // Her message arrives and the indicator goes.
      await a.getByTestId('text').pressSequentially('re', { delay: 30 });
      await a.getByTestId('send').click();
      await b.getByTestId('messages').locator('li', { hasText: 'hello there' }).waitFor();
      await b.getByTestId('typing').waitFor({ state: 'hidden' });
      // Clearing the box says "stopped typing" too.
      await a.getByTestId('text').pressSequentially('x', { delay: 30 });
      await b.getByTestId('typing').filter({ hasText: 'is typing' }).waitFor();
      await a.getByTestId('text').press('Backspace');
      await b.getByTestId('typing').waitFor({ state: 'hidden' });

      // Stored: the one real message, no typing status.
      const admin = (await admins.admins())[0]!;
      const qs = new URLSearchParams({ sdkappid: String(sdkAppId), identifier: admin, usersig: genUserSig({ sdkAppId, key: secretKey, identifier: admin, expireSeconds: 3600 }), random: '1', contenttype: 'json' });
      const roam = (await (
        await fetch(`${gatewayUrl(SG)}/v4/openim/admin_getroammsg?${qs}`, {
          method: 'POST',
          body: JSON.stringify({ Operator_Account: tina, Peer_Account: tom, MaxCnt: 100, MinTime: 0, MaxTime: Math.floor(Date.now() / 1000) + 60 }),
        })
      ).json()) as { ActionStatus: string; MsgCnt: number; MsgList: { MsgBody: { MsgType: string }[] }[] };
      expect(roam).toMatchObject({ ActionStatus: 'OK', MsgCnt: 1 });
      expect(roam.MsgList[0]!.MsgBody[0]!.MsgType).toBe('TIMTextElem');

      // Presence follows Tom out and back in.
      await b.getByTestId('logout').click();
      await a.getByTestId('thread-info').filter({ hasText: /^offline$/ }).waitFor();
      await login(b, demo.url, tom, FRA);
      await a.getByTestId('thread-info').filter({ hasText: /^online$/ }).waitFor();
    } finally {
      await ctxA.close();
      await ctxB.close();
    }
  });
});
