import { TestWsClient, closeTestClients, createTestApp, rest, serviceHttpUrl, type TestApp } from '@meridian/testing';
import { SendChecks } from './send-checks';

const SG = 'ap-singapore';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
let random = 70_000;

async function online(app: TestApp, userId: string): Promise<TestWsClient> {
  const c = await TestWsClient.connect(SG);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform: 'Web' })).code).toBe(0);
  return c;
}

/** Calls of a gRPC method served by a service of the app's home region (from its /metrics). */
async function served(service: 'auth' | 'relationship', method: string): Promise<number> {
  const text = await (await fetch(`${serviceHttpUrl(SG, service)}/metrics`)).text();
  const re = new RegExp(`meridian_grpc_server_handled_total\\{[^}]*method="${method}",code="OK"[^}]*\\} (\\d+)`, 'g');
  return [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
}

/**
 * SendChecks' caches of auth's and relationship's answers, on the real platform. The test
 * platform trusts a cached entry for ten minutes (MERIDIAN_CHAT_CACHE_TTL_S=600): every change
 * seen here arrived by its event. The documented bound is the event's arrival; the test gives it
 * 10 s and reports how long it took.
 */
describe(SendChecks.name, () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];
  const send = (c: TestWsClient, to: string, t: string) => c.request('req', { cmd: 'chat.send', body: { To_Account: to, MsgRandom: ++random, MsgBody: text(t) } });

  /** Sends until the answer has `code` (each try a new message); the milliseconds it took. */
  async function untilCode(c: TestWsClient, to: string, code: number): Promise<number> {
    const start = Date.now();
    for (;;) {
      const got = await send(c, to, 'probe');
      if (got.code === code) return Date.now() - start;
      if (Date.now() - start > 10_000) throw new Error(`still ${got.code}, not ${code}, after 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    app = await createTestApp();
    expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ana', 'ben', 'cat', 'dan'] })).body.ErrorCode).toBe(0);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('answers repeated sends from memory: no CheckAccounts or CheckSendAllowed per message', async () => {
    const ana = await online(app, 'ana');
    clients.push(ana);
    expect(await send(ana, 'ben', 'first')).toMatchObject({ code: 0 });
    const [accounts, blacklist] = [await served('auth', 'checkAccounts'), await served('relationship', 'checkSendAllowed')];
    for (let i = 0; i < 5; i++) expect(await send(ana, 'ben', `again ${i}`)).toMatchObject({ code: 0 });
    expect(await served('auth', 'checkAccounts')).toBe(accounts);
    expect(await served('relationship', 'checkSendAllowed')).toBe(blacklist);
  });

  it('an app-wide mute applies once its event arrives; the unmute applies at once', async () => {
    const ana = clients[0]!;
    expect(await send(ana, 'ben', 'before the mute')).toMatchObject({ code: 0 });
    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'ana', C2CmsgNospeakingTime: 600 })).body.ErrorCode).toBe(0);
    const ms = await untilCode(ana, 'ben', 20012);
    process.stdout.write(`[send-checks] mute applied ${ms} ms after setnospeaking answered\n`);
    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'ana', C2CmsgNospeakingTime: 0 })).body.ErrorCode).toBe(0);
    // A muted sender is never cached: the first send after the unmute goes through.
    expect(await send(ana, 'ben', 'free')).toMatchObject({ code: 0 });
  });

  it('a blacklist entry applies once its event arrives; its removal applies at once', async () => {
    const cat = await online(app, 'cat');
    clients.push(cat);
    expect(await send(cat, 'dan', 'hello dan')).toMatchObject({ code: 0 });
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'dan', To_Account: ['cat'] })).body.ErrorCode).toBe(0);
    const ms = await untilCode(cat, 'dan', 20007);
    process.stdout.write(`[send-checks] blacklist applied ${ms} ms after black_list_add answered\n`);
    expect((await rest(SG, 'sns/black_list_delete', app, { From_Account: 'dan', To_Account: ['cat'] })).body.ErrorCode).toBe(0);
    expect(await send(cat, 'dan', 'friends again')).toMatchObject({ code: 0 });
  });

  it('a deleted recipient is refused once the deletion event arrives; re-imported, it receives at once', async () => {
    const ana = clients[0]!;
    expect(await send(ana, 'dan', 'hi dan')).toMatchObject({ code: 0 });
    expect((await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [{ UserID: 'dan' }] })).body.ErrorCode).toBe(0);
    const ms = await untilCode(ana, 'dan', 90012);
    process.stdout.write(`[send-checks] deletion applied ${ms} ms after account_delete answered\n`);
    expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'dan' })).body.ErrorCode).toBe(0);
    expect(await send(ana, 'dan', 'welcome back')).toMatchObject({ code: 0 });
  });

  it('a re-imported account starts with a clean blacklist cache', async () => {
    // cat was blacklisted by dan and removed; blacklist again, delete dan (his list goes), re-import.
    const cat = clients[1]!;
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'dan', To_Account: ['cat'] })).body.ErrorCode).toBe(0);
    await untilCode(cat, 'dan', 20007);
    expect((await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [{ UserID: 'dan' }] })).body.ErrorCode).toBe(0);
    await untilCode(cat, 'dan', 90012);
    expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'dan' })).body.ErrorCode).toBe(0);
    expect(await send(cat, 'dan', 'a new dan')).toMatchObject({ code: 0 });
  });
});
