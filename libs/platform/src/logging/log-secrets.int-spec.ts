/**
 * No credential in any log line (issue #17 item 5): after REST calls with good and bad UserSigs,
 * WebSocket logins, a get_history download and a download with a forged token, every log file of
 * the test platform (all services of both regions, everything that ran before this file too) is
 * scanned for the exact secrets used here and for anything shaped like a UserSig or a token.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TEST_NAMESPACE, TestWsClient, createTestApp, rest, type TestApp } from '@meridian/testing';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const LOG_DIR = join(REPO_ROOT, '.meridian', 'logs', TEST_NAMESPACE);

function logLines(): { file: string; line: string }[] {
  return readdirSync(LOG_DIR)
    // This run's files only (a .log.1 is the previous run's, possibly from older code).
    .filter((f) => f.endsWith('.log'))
    .flatMap((file) =>
      readFileSync(join(LOG_DIR, file), 'utf8')
        .split('\n')
        .map((line) => ({ file, line })),
    );
}

describe('log lines', () => {
  let app: TestApp;
  const secrets: string[] = [];

  beforeAll(async () => {
    app = await createTestApp();
    secrets.push(app.secretKey);
    const adminSig = app.sig();
    secrets.push(adminSig);
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ls1', 'ls2'] }, { usersig: adminSig });
    // From the other region too (forwarded to the home region over gRPC).
    await rest(FRA, 'im_open_login_svc/account_check', app, { CheckItem: [{ UserID: 'ls1' }] }, { usersig: adminSig });
    // A bad signature: the rejected credential must not be logged either.
    const forged = `${adminSig.slice(0, -12)}AAAAAAAAAAAA`;
    secrets.push(forged);
    await rest(SG, 'im_open_login_svc/account_check', app, { CheckItem: [{ UserID: 'ls1' }] }, { usersig: forged });
    // WebSocket logins, good and bad.
    for (const [user, sig] of [
      ['ls1', app.sig('ls1')],
      ['ls2', `${app.sig('ls2').slice(0, -8)}BBBBBBBB`],
    ] as const) {
      secrets.push(sig);
      const ws = await TestWsClient.connect(SG);
      await ws.login({ sdkAppId: app.sdkAppId, userId: user, userSig: sig, platform: 'Web' });
      ws.close();
    }
    // A get_history file and its download token.
    const hour = Math.floor(Date.now() / 3_600_000) * 3600 - 2 * 3600;
    await rest(SG, 'openim/importmsg', app, { SyncFromOldSystem: 2, From_Account: 'ls1', To_Account: 'ls2', MsgRandom: 5, MsgTimeStamp: hour + 5, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'body text never logged' } }] });
    const d = new Date(hour * 1000);
    const msgTime = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCHours()).padStart(2, '0')}`;
    const hist = await rest(SG, 'open_msg_svc/get_history', app, { ChatType: 'C2C', MsgTime: msgTime });
    expect(hist.body.ErrorCode).toBe(0);
    const url = (hist.body['File'] as { URL: string }[])[0]!.URL;
    const token = new URL(url).pathname.split('/')[3]!;
    secrets.push(token);
    expect((await fetch(url)).status).toBe(200);
    const forgedUrl = url.replace(token, `${token.slice(0, -4)}abcd`);
    secrets.push(`${token.slice(0, -4)}abcd`);
    expect((await fetch(forgedUrl)).status).toBe(403);
    // Let every process flush its log.
    await new Promise((r) => setTimeout(r, 1500));
  });

  it('hold none of the secrets used above', () => {
    const lines = logLines();
    expect(lines.length).toBeGreaterThan(100);
    // The run did log the requests (so the scan looks at real lines, not an empty file).
    expect(lines.some((l) => l.line.includes('/v4/im_open_login_svc/account_check'))).toBe(true);
    const leaks = lines.filter((l) => secrets.some((s) => l.line.includes(s))).map((l) => `${l.file}: ${l.line.slice(0, 200)}`);
    expect(leaks).toEqual([]);
  });

  it('hold nothing shaped like a UserSig, a usersig= or token= value, a download token or a message body', () => {
    const shapes = [/eJ[A-Za-z0-9*_-]{40,}/, /usersig=(?!\[redacted\])[^&\s"]+/i, /token=(?!\[redacted\])[^&\s"]+/i, /\/v1\/msg_history\/(?!\[redacted\]|:token)[^/\s"]+\//, /body text never logged/];
    const leaks = logLines()
      .filter((l) => shapes.some((re) => re.test(l.line)))
      .map((l) => `${l.file}: ${l.line.slice(0, 200)}`);
    expect(leaks).toEqual([]);
  });
});
