import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { AppCountReporter, Metrics, type GrpcClients } from '@meridian/platform';
import { loadCallbackConfig } from '../callback.config';
import type { AppCallbackSettings } from '../apps/app-callbacks.cache';
import { HttpSender } from './http-sender';

/**
 * The sender against a real HTTP server on 127.0.0.1: the send-time half of the private-target
 * policy (the saved URL was checked by auth; this is what still holds when DNS or the setting
 * changed since) and the no-redirect rule.
 */
describe(HttpSender.name, () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];
  let sender: HttpSender;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url!.split('?')[0]!);
      if (req.url!.startsWith('/redirect')) {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/final` });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
    // The reporter only buffers counts here (it flushes to auth on a timer that is never started).
    const counts = new AppCountReporter(undefined as unknown as GrpcClients);
    sender = new HttpSender(loadCallbackConfig({}), new Metrics({ service: 'callback', region: 'unit' }), counts);
  });

  afterAll(async () => {
    sender.onApplicationShutdown();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  beforeEach(() => {
    hits.length = 0;
  });

  let app = 1_400_100_000;
  const settings = (url: string, allowPrivateTargets: boolean): AppCallbackSettings => ({
    url,
    commands: new Set(['State.StateChange']),
    token: '',
    timeoutMs: 2000,
    failurePolicy: 'deliver',
    allowPrivateTargets,
  });
  // A fresh app per call: each has its own circuit breaker, so refusals do not open another's.
  const send = (url: string, allow: boolean) =>
    sender.send(settings(url, allow), { sdkAppId: ++app, command: 'State.StateChange', body: {}, optPlatform: 'RESTAPI', clientIp: '127.0.0.1', eventId: 'e1' }, 'after', true);

  it.each([
    ['a loopback literal', () => `http://127.0.0.1:${port}/cb`],
    ['a name resolving to loopback', () => `http://localhost:${port}/cb`],
    ['an IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port}/cb`],
    ['IPv6 loopback', () => `http://[::1]:${port}/cb`],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private 10/8 address', () => 'http://10.1.2.3:8080/cb'],
  ])('refuses %s when the app does not allow private targets, without connecting', async (_what, url) => {
    const r = await send(url(), false);
    expect(r).toMatchObject({ ok: false, skipped: false });
    expect(!r.ok && r.error).toMatch(/loopback, private, link-local or otherwise non-public address/);
    expect(hits).toEqual([]);
  });

  it('sends when the app allows private targets', async () => {
    expect(await send(`http://127.0.0.1:${port}/cb`, true)).toMatchObject({ ok: true });
    expect(await send(`http://localhost:${port}/cb`, true)).toMatchObject({ ok: true });
    expect(hits).toEqual(['/cb', '/cb']);
  });

  it('does not reuse a kept-alive socket of an allowed app for one that is not', async () => {
    expect(await send(`http://localhost:${port}/cb`, true)).toMatchObject({ ok: true });
    expect(await send(`http://localhost:${port}/cb`, false)).toMatchObject({ ok: false });
    expect(hits).toEqual(['/cb']);
  });

  it('never follows a redirect', async () => {
    const r = await send(`http://127.0.0.1:${port}/redirect`, true);
    expect(r).toMatchObject({ ok: false, error: 'HTTP 302 (redirects are not followed)' });
    expect(hits).toEqual(['/redirect']);
  });
});
