/**
 * Connections that never log in (issue #17 item 12): 300 of them from one address were all held
 * for the login timeout. Now at most MERIDIAN_WS_MAX_ANONYMOUS_PER_ADDRESS (20 on the test
 * platform) wait per client address; the next is closed at once with 1013; other addresses are
 * unaffected; a connection that logs in stops counting.
 */
import WebSocket from 'ws';
import { createTestApp, gatewayUrl, rest, type TestApp } from '@meridian/testing';

const SG = 'ap-singapore';
const LIMIT = 20;

interface Opened {
  ws: WebSocket;
  closed: Promise<number>;
}

async function open(localAddress: string): Promise<Opened> {
  const ws = new WebSocket(`${gatewayUrl(SG).replace(/^http/, 'ws')}/v1/ws`, { localAddress, perMessageDeflate: false });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, closed };
}

/** Whether the server closed it within `ms` (and with which code). */
const closedWithin = (o: Opened, ms: number) => Promise.race([o.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

describe('connections that have not logged in', () => {
  let app: TestApp;
  const opened: Opened[] = [];

  beforeAll(async () => {
    app = await createTestApp();
    await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'anon1' });
  });

  afterEach(async () => {
    for (const o of opened.splice(0)) o.ws.terminate();
    // Let the gateway see the closes before the next case counts again.
    await new Promise((r) => setTimeout(r, 300));
  });

  it('are held up to the per-address limit; the next is closed at once with 1013', async () => {
    for (let i = 0; i < LIMIT; i++) opened.push(await open('127.0.0.61'));
    const extra = await open('127.0.0.61');
    opened.push(extra);
    expect(await closedWithin(extra, 2000)).toBe(1013);
    // The ones within the limit are still open.
    expect(await closedWithin(opened[0]!, 200)).toBeUndefined();
    // Another address is not affected.
    const other = await open('127.0.0.62');
    opened.push(other);
    expect(await closedWithin(other, 500)).toBeUndefined();
  });

  it('stop counting once they log in or close', async () => {
    const first = await open('127.0.0.63');
    opened.push(first);
    first.ws.send(JSON.stringify({ v: 1, t: 'login', id: 1, body: { sdkAppId: app.sdkAppId, userId: 'anon1', userSig: app.sig('anon1'), platform: 'Web' } }));
    await new Promise<void>((resolve) => first.ws.on('message', (d) => (JSON.parse(d.toString()) as { t: string; code?: number }).t === 'res' && resolve()));
    for (let i = 0; i < LIMIT; i++) opened.push(await open('127.0.0.63'));
    // Twenty anonymous plus one logged in: the logged-in one does not count.
    expect(await closedWithin(opened[opened.length - 1]!, 500)).toBeUndefined();
    opened.pop()!.ws.close();
    await new Promise((r) => setTimeout(r, 300));
    const again = await open('127.0.0.63');
    opened.push(again);
    expect(await closedWithin(again, 500)).toBeUndefined();
  });
});
