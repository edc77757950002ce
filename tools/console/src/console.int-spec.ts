import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { gunzipSync } from 'node:zlib';
import { genUserSig } from '@meridian/usersig';
import { REPO_ROOT, TEST_NAMESPACE, TEST_PORT_OFFSET, authClient, rest } from '@meridian/testing';
import { resolvePlatform } from '../../launcher/src/control';
import { ConsoleStore } from './console-store';
import { type ConsoleServer, startConsoleServer } from './console-server';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

interface Received {
  query: URLSearchParams;
  body: Record<string, unknown>;
}

const status = (page: Page, id: string) => page.getByTestId(id);

describe('operator console (browser end-to-end)', () => {
  let browser: Browser;
  let consoleServer: ConsoleServer;
  let callbackServer: Server;
  let callbackUrl: string;
  const received: Received[] = [];
  const paths: string[] = [];

  beforeAll(async () => {
    const executablePath = execFileSync('bash', [join(REPO_ROOT, 'tools', 'scripts', 'ensure-chromium.sh')], { encoding: 'utf8' }).trim();
    const platform = resolvePlatform({ namespace: TEST_NAMESPACE, portOffset: TEST_PORT_OFFSET });
    // The first start creates the operator: begin from an empty console database whatever ran before.
    const stale = await mongoose.createConnection(platform.topology.dataPlane.mongoUrl, { dbName: `${TEST_NAMESPACE}_console` }).asPromise();
    await stale.dropDatabase();
    await stale.close();
    consoleServer = await startConsoleServer({ platform, loginThrottle: { perAddress: { free: 3, baseMs: 1000, maxMs: 60_000 } } });
    // The app's callback endpoint: records what arrives and answers as Tencent expects.
    callbackServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        paths.push(new URL(req.url ?? '/', 'http://x').pathname);
        if (req.url?.startsWith('/redirect')) {
          res.writeHead(302, { location: `${callbackUrl}-final` });
          return res.end();
        }
        received.push({ query: new URL(req.url ?? '/', 'http://x').searchParams, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }));
      });
    });
    await new Promise<void>((r) => callbackServer.listen(0, '127.0.0.1', () => r()));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/im-callback`;
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.close();
    callbackServer?.closeAllConnections();
    await new Promise<void>((r) => (callbackServer ? callbackServer.close(() => r()) : r()));
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-meridian-console': '1' }) =>
    fetch(`${consoleServer.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('creates the operator once, signs in with HttpOnly SameSite=Strict cookies, refuses CSRF and throttles guessing', async () => {
    expect(consoleServer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(consoleServer.initialPassword).toMatch(/^\S{20}$/);
    expect(await consoleServer.store.ensureOperator('admin')).toBeUndefined();

    expect((await fetch(`${consoleServer.url}/api/apps`)).status).toBe(401);
    expect((await post('/api/login', { user: 'admin', password: 'wrong' })).status).toBe(401);
    // No custom header (a cross-site form) or a foreign Origin: refused before anything else.
    expect((await post('/api/login', { user: 'admin', password: consoleServer.initialPassword }, {})).status).toBe(403);
    expect((await post('/api/login', { user: 'admin', password: consoleServer.initialPassword }, { 'x-meridian-console': '1', origin: 'http://evil.example' })).status).toBe(403);

    const ok = await post('/api/login', { user: 'admin', password: consoleServer.initialPassword });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const token = cookie.split(';')[0]!;
    expect((await fetch(`${consoleServer.url}/api/apps`, { headers: { cookie: token } })).status).toBe(200);
    // A state change without the header is refused even with the cookie.
    expect((await fetch(`${consoleServer.url}/api/apps`, { method: 'POST', headers: { cookie: token }, body: '{}' })).status).toBe(403);
    expect((await post('/api/logout', {}, { 'x-meridian-console': '1', cookie: token })).status).toBe(200);
    expect((await fetch(`${consoleServer.url}/api/apps`, { headers: { cookie: token } })).status).toBe(401);

    // Throttling: after 3 failures (this server's limit) the next attempt waits (a growing delay).
    for (let i = 0; i < 3; i++) expect((await post('/api/login', { user: 'ghost', password: `guess${i}` })).status).toBe(401);
    const waited = await post('/api/login', { user: 'ghost', password: 'guess' });
    expect(waited.status).toBe(429);
    expect(waited.headers.get('retry-after')).toBe('1');
    expect(((await waited.json()) as { error: string }).error).toBe('too many failed sign-ins for ghost: try again in 1 s');
  });

  describe('sign-in throttling (growing delays per user and per client address)', () => {
    const PASSWORD = 'correct-horse-battery-staple';
    let proxied: ConsoleServer;
    const login = (server: ConsoleServer, password: string, forwardedFor?: string) =>
      fetch(`${server.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-meridian-console': '1', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
        body: JSON.stringify({ user: 'ops', password }),
      }).then((r) => r.status);
    const fail = async (server: ConsoleServer, n: number, forwardedFor?: (i: number) => string) => {
      for (let i = 0; i < n; i++) expect(await login(server, `wrong${i}`, forwardedFor?.(i))).toBe(401);
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    beforeAll(async () => {
      // Behind the documented reverse proxy: requests arrive from 127.0.0.1 with X-Forwarded-For.
      const platform = resolvePlatform({ namespace: TEST_NAMESPACE, portOffset: TEST_PORT_OFFSET });
      proxied = await startConsoleServer({
        platform,
        trustedProxies: ['127.0.0.1', '::1'],
        loginThrottle: { perAddress: { free: 3, baseMs: 1000, maxMs: 60_000 }, perUser: { free: 8, baseMs: 1500, maxMs: 1500 } },
      });
      await proxied.store.resetPassword('ops', PASSWORD);
    });

    afterAll(async () => {
      await proxied?.close();
    });

    it("an attacker's address waits; the operator at another address behind the same proxy signs in at once", async () => {
      await fail(proxied, 3, () => '203.0.113.9');
      expect(await login(proxied, PASSWORD, '203.0.113.9')).toBe(429);
      // A spoofed left-most entry does not move the attacker: the right-most untrusted hop counts.
      expect(await login(proxied, PASSWORD, '198.51.100.7, 203.0.113.9')).toBe(429);
      expect(await login(proxied, PASSWORD, '198.51.100.7')).toBe(200);
      // The delay passes: the right password works again from the attacker's address too (no 15-minute lock).
      await sleep(1100);
      expect(await login(proxied, PASSWORD, '203.0.113.9')).toBe(200);
    });

    it('X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
      // consoleServer trusts no proxy: every request is from 127.0.0.1, whatever the header says.
      await consoleServer.store.resetPassword('ops', PASSWORD);
      await fail(consoleServer, 3, (i) => `198.51.100.${i + 20}`);
      expect(await login(consoleServer, PASSWORD, '198.51.100.99')).toBe(429);
      await sleep(1100);
      expect(await login(consoleServer, PASSWORD)).toBe(200);
    });

    it('failures spread over many addresses delay the user by at most the per-user cap; an address the user signed in from is not delayed', async () => {
      // 3 failures in the first test + 5 here reach this server's per-user threshold of 8.
      await fail(proxied, 5, (i) => `192.0.2.${i + 1}`);
      // A new address waits the per-user delay (1.5 s in this server), then the right password works.
      expect(await login(proxied, PASSWORD, '198.51.100.50')).toBe(429);
      // 198.51.100.7 signed in in the first test: it skips the per-user delay.
      expect(await login(proxied, PASSWORD, '198.51.100.7')).toBe(200);
      await sleep(1600);
      expect(await login(proxied, PASSWORD, '198.51.100.50')).toBe(200);
    });
  });

  describe('callback targets', () => {
    let cookie: string;
    let sdkAppId: number;
    const api = async (path: string, body: unknown) => {
      const r = await fetch(`${consoleServer.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-meridian-console': '1', cookie }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const save = (url: string, allowPrivateTargets?: boolean) =>
      api(`/api/apps/${sdkAppId}/callback`, { url, commands: ['State.StateChange'], timeoutMs: 2000, failurePolicy: 'deliver', ...(allowPrivateTargets === undefined ? {} : { allowPrivateTargets }) });

    beforeAll(async () => {
      const password = await consoleServer.store.resetPassword('cbops', 'cbops-password-123');
      const r = await fetch(`${consoleServer.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-meridian-console': '1' }, body: JSON.stringify({ user: 'cbops', password }) });
      cookie = r.headers.get('set-cookie')!.split(';')[0]!;
      const created = await api('/api/apps', { name: 'Callback targets', homeRegion: 'ap-singapore', admin: 'administrator' });
      sdkAppId = (created.body['app'] as { sdkAppId: number }).sdkAppId;
    });

    it.each([
      ['loopback', () => callbackUrl],
      ['a name resolving to loopback', () => callbackUrl.replace('127.0.0.1', 'localhost')],
      ['IPv4-mapped IPv6 loopback', () => callbackUrl.replace('127.0.0.1', '[::ffff:127.0.0.1]')],
      ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
      ['a private 192.168/16 address', () => 'http://192.168.0.10/cb'],
      ['a private IPv6 (fc00::/7) address', () => 'http://[fd00::10]/cb'],
    ])('refuses a callback URL on %s unless the app allows private targets', async (_what, url) => {
      const r = await save(url());
      expect(r.status).toBe(400);
      expect(String(r.body['error'])).toMatch(/non-public address; allow private callback targets for this app to use it \(70402\)$/);
      expect(paths).toEqual([]);
    });

    it('saves it once allowed, refuses to switch the allowance off under it, and the test never follows a redirect', async () => {
      expect((await save(`${callbackUrl.replace(/\/im-callback$/, '')}/redirect`, true)).status).toBe(200);
      const off = await save(`${callbackUrl.replace(/\/im-callback$/, '')}/redirect`, false);
      expect(off.status).toBe(400);
      const test = await api(`/api/apps/${sdkAppId}/callback/test`, {});
      expect(test.body).toMatchObject({ ok: false, status: 302, error: expect.stringContaining('redirects are not followed') });
      expect(paths).toEqual(['/redirect']);
      expect(received.some((r) => r.query.get('SdkAppid') === String(sdkAppId))).toBe(false);
    });
  });

  it('sessions end after the idle limit and after the absolute limit, however busy', async () => {
    const platform = resolvePlatform({ namespace: TEST_NAMESPACE, portOffset: TEST_PORT_OFFSET });
    // A clock of the test's own: the limits are crossed by stepping it, not by waiting (a loaded
    // machine made real sleeps of 150 ms overshoot an idle limit of 300 ms).
    let now = Date.now();
    const store = await ConsoleStore.open(platform.topology.dataPlane.mongoUrl, `${TEST_NAMESPACE}_console`, { idleMs: 300, absoluteMs: 1200 }, () => now);
    try {
      const idle = await store.createSession('admin');
      now += 299;
      expect(await store.touchSession(idle)).toBe('admin');
      now += 301;
      expect(await store.touchSession(idle)).toBeUndefined();
      const busy = await store.createSession('admin');
      const started = now;
      while (now - started < 1000) {
        now += 250;
        expect(await store.touchSession(busy)).toBe('admin');
      }
      now += 201;
      expect(await store.touchSession(busy)).toBeUndefined();
      expect(await store.touchSession('not-a-token')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('an operator creates an app, configures a callback and tests it, imports a user, sends as admin and reads the history', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    try {
      await page.goto(consoleServer.url);
      await page.getByTestId('login-password').fill('not the password');
      await page.getByTestId('login-submit').click();
      await status(page, 'login-status').filter({ hasText: 'wrong user or password' }).waitFor();
      await page.getByTestId('login-password').fill(consoleServer.initialPassword!);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('who').filter({ hasText: 'signed in as admin' }).waitFor();

      // Bad input: no app without a name, and an invalid admin account.
      await page.locator('[data-testid=app-list][data-loaded]').waitFor({ state: 'attached' });
      const appsBefore = await page.getByTestId('app').count();
      await page.getByTestId('create-submit').click();
      await status(page, 'create-status').filter({ hasText: 'name is required' }).waitFor();
      await page.getByTestId('create-name').fill('Console test');
      await page.getByTestId('create-admin').fill('bad admin!');
      await page.getByTestId('create-submit').click();
      await status(page, 'create-status').filter({ hasText: 'admin account: 1-32' }).waitFor();
      expect(await page.getByTestId('app').count()).toBe(appsBefore);

      await page.getByTestId('create-admin').fill('administrator');
      await page.getByTestId('create-region').selectOption('eu-frankfurt');
      await page.getByTestId('create-submit').click();
      await status(page, 'create-status').filter({ hasText: 'created' }).waitFor();
      const sdkAppId = Number(await page.getByTestId('sdkappid').textContent());
      expect(sdkAppId).toBeGreaterThan(0);
      expect(await page.getByTestId('home-region').textContent()).toBe('eu-frankfurt');
      expect(await page.getByTestId('secret-key').textContent()).toBe('hidden');
      await page.getByTestId('reveal-key').click();
      await page.getByTestId('secret-key').filter({ hasText: /^[0-9a-f]{64}$/ }).waitFor();

      // Settings: an out-of-range value is refused and nothing changes.
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('set-roaming').fill('999');
      await page.getByTestId('settings-save').click();
      await status(page, 'settings-status').filter({ hasText: 'roaming days: a whole number from 0 to 360' }).waitFor();
      await page.getByTestId('set-roaming').fill('30');
      await page.getByTestId('settings-save').click();
      await status(page, 'settings-status').filter({ hasText: 'saved' }).waitFor();
      expect(await page.getByTestId('set-roaming').inputValue()).toBe('30');
      // Recall window: past auth's 30 days refused by the form, and auth unchanged; then 300 s saved in auth.
      const recallWindow = async () => (await authClient('eu-frankfurt').getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: false })).app!.recallWindowS;
      expect(await page.getByTestId('set-recall-window').inputValue()).toBe('0');
      await page.getByTestId('set-recall-window').fill('2592001');
      await page.getByTestId('settings-save').click();
      await status(page, 'settings-status').filter({ hasText: 'recall window: a whole number from 0 to 2592000' }).waitFor();
      expect(await recallWindow()).toBe(0);
      // The server checks too (a page bypassed): the same bound, as a sentence.
      const bypass = await page.evaluate(async (id) => {
        const r = await fetch(`/api/apps/${id}/settings`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-meridian-console': '1' }, body: JSON.stringify({ name: 'Console test', admins: ['administrator'], policy: 'single', maxPerPlatform: 1, maxWeb: 1, roamingDays: 30, restCommandQps: 0, restAppQps: 0, recallWindowS: -5 }) });
        return { status: r.status, body: (await r.json()) as { error?: string } };
      }, sdkAppId);
      expect(bypass).toMatchObject({ status: 400, body: { error: expect.stringContaining('recallWindowS: a whole number from 0 to 2592000') } });
      expect(await recallWindow()).toBe(0);
      await page.getByTestId('set-recall-window').fill('300');
      await page.getByTestId('settings-save').click();
      await status(page, 'settings-status').filter({ hasText: 'saved' }).waitFor();
      expect(await page.getByTestId('set-recall-window').inputValue()).toBe('300');
      expect(await recallWindow()).toBe(300);
      await page.locator('#tab-settings').screenshot({ path: join(ARTIFACTS, 'console-recall-window.png') });

      // Callback: a bad URL is refused; then a real one with a token, and the test callback arrives signed.
      await page.getByTestId('tab-callbacks').click();
      await page.getByTestId('cb-url').fill('ftp://example.com/cb');
      await page.getByTestId('cb-save').click();
      await status(page, 'cb-status').filter({ hasText: 'must start with http:// or https://' }).waitFor();
      await page.getByTestId('cb-test').click();
      await status(page, 'cb-status').filter({ hasText: 'set a callback URL first' }).waitFor();
      await page.getByTestId('cb-url').fill(callbackUrl);
      await page.getByTestId('cb-token').fill('s3cret-token');
      await page.locator('input[name=commands][value="State.StateChange"]').check();
      await page.locator('input[name=commands][value="C2C.CallbackAfterSendMsg"]').check();
      // The receiver is on 127.0.0.1: refused until the operator allows private targets for this app.
      await page.getByTestId('cb-save').click();
      await status(page, 'cb-status').filter({ hasText: 'allow private callback targets for this app' }).waitFor();
      await page.getByTestId('cb-allow-private').check();
      await page.getByTestId('cb-save').click();
      await status(page, 'cb-status').filter({ hasText: 'callback settings saved' }).waitFor();
      expect(await page.getByTestId('cb-allow-private').isChecked()).toBe(true);
      await page.getByTestId('cb-test').click();
      await status(page, 'cb-status').filter({ hasText: 'test callback answered HTTP 200' }).waitFor();
      const test = received.find((r) => r.query.get('SdkAppid') === String(sdkAppId));
      expect(test?.query.get('CallbackCommand')).toBe('State.StateChange');
      expect(test?.query.get('Sign')).toMatch(/^[0-9a-f]{64}$/);
      expect(test?.body['CallbackCommand']).toBe('State.StateChange');
      await page.screenshot({ path: join(ARTIFACTS, 'console-callback.png'), fullPage: true });

      // Users: a bad UserID is refused; two imported.
      await page.getByTestId('tab-users').click();
      await page.getByTestId('import-user').fill('bad id!');
      await page.getByTestId('import-submit').click();
      await status(page, 'import-status').filter({ hasText: 'UserID: 1-32' }).waitFor();
      for (const u of ['carol', 'dave']) {
        await page.getByTestId('import-user').fill(u);
        await page.getByTestId('import-nick').fill(u.toUpperCase());
        await page.getByTestId('import-submit').click();
        await status(page, 'import-status').filter({ hasText: `imported ${u}` }).waitFor();
      }
      await page.getByTestId('find-user').fill('nobody');
      await page.getByTestId('find-user-submit').click();
      await status(page, 'find-user-status').filter({ hasText: 'nobody is not an account of this app' }).waitFor();
      await page.getByTestId('find-user').fill('carol');
      await page.getByTestId('find-user-submit').click();
      await status(page, 'find-user-status').filter({ hasText: /found carol|\(\d+\)/ }).waitFor();
      expect(`${await status(page, 'find-user-status').textContent()}\n${await page.getByTestId('user-detail').textContent()}`).toContain('Nick="CAROL"');

      // Send as admin (on dave's behalf) and read the conversation's history.
      await page.getByTestId('tab-messages').click();
      await page.getByTestId('send-to').fill('carol');
      await page.getByTestId('send-from').fill('dave');
      await page.getByTestId('send-submit').click();
      await status(page, 'send-status').filter({ hasText: 'text is required' }).waitFor();
      await page.getByTestId('send-text').fill('Hello Carol, from the console');
      await page.getByTestId('send-submit').click();
      await status(page, 'send-status').filter({ hasText: 'sent to carol' }).waitFor();
      await page.getByTestId('history-a').fill('carol');
      await page.getByTestId('history-b').fill('dave');
      await page.getByTestId('history-submit').click();
      await page.getByTestId('history-item').filter({ hasText: 'dave: Hello Carol, from the console' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'console-history.png'), fullPage: true });


      // Statistics: the 1:1 message counter moves with each message sent.
      await page.getByTestId('tab-stats').click();
      const chartTotal = async (key: string) => Number(await page.getByTestId(`chart-${key}`).getAttribute('data-total'));
      const c2cTotal = () => chartTotal('c2cMessages');
      const waitTotal = async (min: number, key = 'c2cMessages') => {
        for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
          await page.getByTestId('stats-refresh').click();
          await status(page, 'stats-status').filter({ hasText: 'as of' }).waitFor();
          if ((await chartTotal(key)) >= min) return;
          await page.waitForTimeout(500);
        }
        throw new Error(`${key} counter stayed at ${await chartTotal(key)} (wanted ${min})`);
      };
      await waitTotal(1);
      const before = await c2cTotal();
      await page.getByTestId('tab-messages').click();
      await page.getByTestId('send-text').fill('A second one');
      await page.getByTestId('send-submit').click();
      await status(page, 'send-status').filter({ hasText: 'sent to carol' }).waitFor();
      await page.getByTestId('tab-stats').click();
      await waitTotal(before + 1);
      // The after-send callbacks to the test's server are counted by the callback service.
      await waitTotal(2, 'callbacksSent');
      expect(received.filter((r) => r.query.get('CallbackCommand') === 'C2C.CallbackAfterSendMsg').length).toBeGreaterThanOrEqual(2);
      // The console's own REST calls as the admin are counted too (reported by the gateway).
      expect(Number(await page.getByTestId('chart-restCalls').getAttribute('data-total'))).toBeGreaterThan(5);
      await page.getByTestId('stats-period').selectOption('day');
      await status(page, 'stats-status').filter({ hasText: 'as of' }).waitFor();
      expect(await c2cTotal()).toBeGreaterThanOrEqual(before + 1);
      // The per-day distinct counters: dave is today's one 1:1 sender; the app's accounts are all counted.
      expect(await page.getByTestId('chart-c2cSenders').getAttribute('data-today')).toBe('1');
      expect(Number(await page.getByTestId('chart-accountsTotal').getAttribute('data-today'))).toBeGreaterThanOrEqual(3);
      await page.getByTestId('stats-period').selectOption('minute');
      await status(page, 'stats-status').filter({ hasText: 'as of' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'console-stats.png'), fullPage: true });

      // The same figures in Tencent's shape: v4/openconfigsvr/getappinfo (through the console as admin).
      const info = (await page.evaluate(
        async (id) =>
          (await fetch(`/api/apps/${id}/rest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-meridian-console': '1' },
            body: JSON.stringify({ command: 'openconfigsvr/getappinfo', body: { RequestField: ['C2CUpMsgNum', 'LoginTimes'] } }),
          }).then((r) => r.json())) as unknown,
        sdkAppId,
      )) as { ErrorCode: number; Result: Record<string, string>[] };
      expect(info.ErrorCode).toBe(0);
      expect(info.Result).toHaveLength(30);
      const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      expect(info.Result[0]).toEqual({ C2CUpMsgNum: String(before + 1), LoginTimes: '0', Date: today });
      await page.getByTestId('tab-messages').click();

      // Download history: the current hour is refused (1004); an ended hour gives a link to its file.
      await page.getByTestId('export-hour').fill(new Date().toISOString().slice(0, 13).replace(/[-T]/g, ''));
      await page.getByTestId('export-submit').click();
      await status(page, 'export-status').filter({ hasText: '(1004)' }).waitFor();
      await page.getByTestId('export-hour').fill('2025-01-01');
      await page.getByTestId('export-submit').click();
      await status(page, 'export-status').filter({ hasText: 'YYYYMMDDHH' }).waitFor();
      const key = (await authClient().getApp({ sdkAppId, revealSecrets: true, revealCallbackToken: false })).app!.secretKey;
      const asAdmin = { sdkAppId, secretKey: key, admin: 'administrator', homeRegion: 'ap-singapore', sig: (id = 'administrator') => genUserSig({ sdkAppId, key, identifier: id, expireSeconds: 600 }) };
      const past = Math.floor(Date.now() / 3_600_000) * 3600 - 7200;
      const imported = await rest('ap-singapore', 'openim/importmsg', asAdmin, { SyncFromOldSystem: 2, From_Account: 'dave', To_Account: 'carol', MsgRandom: 4242, MsgTimeStamp: past + 60, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'from two hours ago' } }] });
      expect(imported.body.ErrorCode).toBe(0);
      await page.getByTestId('export-hour').fill(new Date(past * 1000).toISOString().slice(0, 13).replace(/[-T]/g, ''));
      await page.getByTestId('export-submit').click();
      await status(page, 'export-status').filter({ hasText: 'file ready' }).waitFor();
      const href = await page.getByTestId('export-link').getAttribute('href');
      const file = gunzipSync(Buffer.from(await (await fetch(href!)).arrayBuffer())).toString('utf8');
      expect(file).toContain('"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"from two hours ago"}}]');
      await page.screenshot({ path: join(ARTIFACTS, 'console-export.png'), fullPage: true });

      // Groups: list, show members, add, mute, remove, a system notification, disband.
      const created = (await page.evaluate(
        async (id) =>
          (await fetch(`/api/apps/${id}/rest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-meridian-console': '1' },
            body: JSON.stringify({ command: 'group_open_http_svc/create_group', body: { Type: 'Public', Name: 'Console group', Owner_Account: 'carol' } }),
          }).then((r) => r.json())) as unknown,
        sdkAppId,
      )) as { GroupId: string };
      const groupId = created.GroupId;
      expect(groupId).toBeTruthy();
      await page.getByTestId('tab-groups').click();
      await page.getByTestId('groups-list').click();
      await page.getByTestId('group').filter({ hasText: groupId }).click();
      expect(await page.getByTestId('group-id').inputValue()).toBe(groupId);
      await page.getByTestId('group-add').click();
      await status(page, 'group-status').filter({ hasText: 'member UserID is required' }).waitFor();
      await page.getByTestId('group-member').fill('dave');
      await page.getByTestId('group-add').click();
      await status(page, 'group-status').filter({ hasText: 'dave added' }).waitFor();
      await page.getByTestId('group-mute').click();
      await status(page, 'group-status').filter({ hasText: 'dave muted for 60 s' }).waitFor();
      await page.getByTestId('group-info').click();
      await page.getByTestId('group-detail').filter({ hasText: /dave Member muted until/ }).waitFor();
      await page.getByTestId('tab-messages').click();
      await page.locator('#send-form select[name=kind]').selectOption('group');
      await page.getByTestId('send-to').fill(groupId);
      await page.getByTestId('send-text').fill('Maintenance tonight');
      await page.getByTestId('send-submit').click();
      await status(page, 'send-status').filter({ hasText: `sent to ${groupId}` }).waitFor();
      await page.getByTestId('tab-groups').click();
      await page.getByTestId('group-remove').click();
      await status(page, 'group-status').filter({ hasText: 'dave removed' }).waitFor();
      page.once('dialog', (d) => void d.accept());
      await page.getByTestId('group-disband').click();
      await status(page, 'group-status').filter({ hasText: `${groupId} disbanded` }).waitFor();
      await page.getByTestId('group-info').click();
      await status(page, 'group-status').filter({ hasText: /\(\d+\)/ }).waitFor();
      expect(await status(page, 'group-status').getAttribute('class')).toContain('error');
      await page.screenshot({ path: join(ARTIFACTS, 'console-groups.png'), fullPage: true });

      // UserSig tool: generate, verify it, and a tampered one is invalid.
      await page.getByTestId('tab-usersig').click();
      await page.getByTestId('gen-user').fill('carol');
      await page.getByTestId('gen-submit').click();
      await status(page, 'gen-status').filter({ hasText: 'UserSig for carol' }).waitFor();
      const sig = await page.getByTestId('gen-result').inputValue();
      await page.getByTestId('verify-sig').fill(sig);
      await page.getByTestId('verify-submit').click();
      await status(page, 'verify-status').filter({ hasText: 'valid' }).waitFor();
      expect(await status(page, 'verify-status').textContent()).toMatch(/^valid/);
      await page.getByTestId('verify-user').fill('dave');
      await page.getByTestId('verify-submit').click();
      await status(page, 'verify-status').filter({ hasText: 'invalid' }).waitFor();
    } finally {
      await ctx.close();
    }
  }, 120_000);
  it('lists users and groups searchably in pages, deletes an account, shows history in seq order with recalled ones marked, and the callback form says what it does', async () => {
    const password = await consoleServer.store.resetPassword('uxops', 'uxops-password-123');
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    try {
      await page.goto(consoleServer.url);
      await page.getByTestId('login-user').fill('uxops');
      await page.getByTestId('login-password').fill(password);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('who').filter({ hasText: 'signed in as uxops' }).waitFor();
      await page.getByTestId('create-name').fill('Lists and history');
      await page.getByTestId('create-admin').fill('administrator');
      await page.getByTestId('create-region').selectOption('ap-singapore');
      await page.getByTestId('create-submit').click();
      await status(page, 'create-status').filter({ hasText: 'created' }).waitFor();
      const sdkAppId = Number(await page.getByTestId('sdkappid').textContent());
      const rest = (command: string, body: unknown) =>
        page.evaluate(
          async ([id, c, b]) =>
            (await fetch(`/api/apps/${id}/rest`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-meridian-console': '1' }, body: JSON.stringify({ command: c, body: b }) }).then((r) => r.json())) as Record<string, unknown>,
          [sdkAppId, command, body] as const,
        );
      const users = Array.from({ length: 25 }, (_, i) => `ux_u${String(i).padStart(2, '0')}`);
      for (const u of [...users, 'other_one']) expect(await rest('im_open_login_svc/account_import', { UserID: u })).toMatchObject({ ActionStatus: 'OK' });

      // Users: 20 a page, a search by the start of the id, delete.
      await page.getByTestId('tab-users').click();
      await page.getByTestId('users-q').fill('ux_u');
      await page.getByTestId('users-search').click();
      await status(page, 'users-status').filter({ hasText: '20 user(s)' }).waitFor();
      expect(await page.getByTestId('user-row').count()).toBe(20);
      await page.getByTestId('users-next').click();
      await status(page, 'users-status').filter({ hasText: '5 user(s) (end of list)' }).waitFor();
      expect(await page.getByTestId('user-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-user')))).toEqual(users.slice(20));
      await page.getByTestId('users-q').fill('ux_u1');
      await page.getByTestId('users-search').click();
      await status(page, 'users-status').filter({ hasText: '10 user(s)' }).waitFor();
      page.once('dialog', (d) => void d.accept());
      await page.locator('[data-testid=user-row][data-user=ux_u13] [data-testid=user-delete]').click();
      await status(page, 'users-status').filter({ hasText: 'ux_u13 deleted' }).waitFor();
      await page.getByTestId('users-search').click();
      await status(page, 'users-status').filter({ hasText: '9 user(s)' }).waitFor();
      expect(await page.locator('[data-testid=user-row][data-user=ux_u13]').count()).toBe(0);
      expect(await rest('im_open_login_svc/account_check', { CheckItem: [{ UserID: 'ux_u13' }] })).toMatchObject({ ResultItem: [{ AccountStatus: 'NotImported' }] });
      await page.screenshot({ path: join(ARTIFACTS, 'console-users.png'), fullPage: true });

      // Groups: 20 a page and a search by name.
      for (let i = 0; i < 22; i++) await rest('group_open_http_svc/create_group', { Type: 'Public', Name: `Team ${String(i).padStart(2, '0')}`, Owner_Account: 'ux_u00' });
      await rest('group_open_http_svc/create_group', { Type: 'Public', Name: 'Special room', Owner_Account: 'ux_u00' });
      await page.getByTestId('tab-groups').click();
      await page.getByTestId('groups-list').click();
      await status(page, 'groups-status').filter({ hasText: '20 shown of 23 group(s)' }).waitFor();
      expect(await page.getByTestId('group').count()).toBe(20);
      await page.getByTestId('groups-next').click();
      await status(page, 'groups-status').filter({ hasText: '3 shown of 23 group(s) (end of list)' }).waitFor();
      await page.getByTestId('groups-q').fill('special');
      await page.getByTestId('groups-list').click();
      await status(page, 'groups-status').filter({ hasText: '1 match(es)' }).waitFor();
      await page.getByTestId('group').filter({ hasText: 'Special room' }).waitFor();

      // History: three messages of (very likely) one second, in the order sent; a recalled one is marked.
      for (const text of ['first', 'second', 'third']) {
        const r = await rest('openim/sendmsg', { SyncOtherMachine: 2, From_Account: 'ux_u01', To_Account: 'ux_u02', MsgRandom: Math.floor(Math.random() * 4e9), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] });
        expect(r).toMatchObject({ ActionStatus: 'OK' });
      }
      await page.getByTestId('tab-messages').click();
      await page.getByTestId('history-a').fill('ux_u02');
      await page.getByTestId('history-b').fill('ux_u01');
      await page.getByTestId('history-submit').click();
      await status(page, 'history-status').filter({ hasText: '3 message(s)' }).waitFor();
      const lines = async () => (await page.getByTestId('history-item').allTextContents()).map((t) => t.replace(/\s*Recall$/, ''));
      expect((await lines()).map((t) => t.split(': ').pop())).toEqual(['first', 'second', 'third']);
      page.once('dialog', (d) => void d.accept());
      await page.getByTestId('history-item').filter({ hasText: 'second' }).getByTestId('history-recall').click();
      await status(page, 'history-status').filter({ hasText: 'recalled' }).waitFor();
      expect((await lines()).map((t) => t.split(': ').pop())).toEqual(['first', '(recalled)', 'third']);
      expect(await page.locator('[data-testid=history-item].recalled').count()).toBe(1);
      await page.screenshot({ path: join(ARTIFACTS, 'console-history-order.png'), fullPage: true });

      // Callback form: the token label says what the code does; the timeout range is auth's; a dead URL says why.
      await page.getByTestId('tab-callbacks').click();
      expect(await page.locator('label', { has: page.getByTestId('cb-token') }).textContent()).toContain('leave empty to keep');
      await page.getByTestId('cb-url').fill('http://127.0.0.1:9/im-callback');
      await page.getByTestId('cb-allow-private').check();
      await page.getByTestId('cb-timeout').fill('30000');
      await page.getByTestId('cb-save').click();
      await status(page, 'cb-status').filter({ hasText: 'timeout ms: a whole number from 100 to 10000' }).waitFor();
      await page.getByTestId('cb-timeout').fill('10000');
      await page.getByTestId('cb-save').click();
      await status(page, 'cb-status').filter({ hasText: 'callback settings saved' }).waitFor();
      await page.getByTestId('cb-test').click();
      await status(page, 'cb-status').filter({ hasText: 'connection refused: nothing listens on 127.0.0.1:9' }).waitFor();
      expect(await status(page, 'cb-status').textContent()).not.toContain('fetch failed');
    } finally {
      await ctx.close();
    }
  }, 180_000);
});
