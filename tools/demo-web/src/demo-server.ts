import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { genUserSig } from '@meridian/usersig';
import { REPO_ROOT } from '../../launcher/src/control';

export interface DemoServerOptions {
  /** The demo app: the only SDKAppID the UserSig endpoint signs for. */
  sdkAppId: number;
  secretKey: string;
  /** Gateway base URLs the web app gives the SDK as access URLs. */
  accessUrls: string[];
  regions: string[];
  /** 127.0.0.1 unless told otherwise: the UserSig endpoint is for this machine only. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Lifetime of the UserSigs it hands out (default 1 day). */
  userSigTtlS?: number;
  /**
   * The demo app's admin accounts, asked afresh for each UserSig (an operator may add admins in
   * the console at any time). An admin UserSig is a full REST admin key, so they are never signed.
   */
  admins: () => Promise<readonly string[]>;
}

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.json': 'application/json',
};
const USER_ID = /^[A-Za-z0-9_@.-]{1,32}$/;

/** Whether a Host header names this machine's loopback on `port` (127.0.0.1, localhost or [::1]). */
export function loopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  const h = host.toLowerCase();
  return names.some((n) => h === `${n}:${port}` || (port === 80 && h === n));
}

/**
 * The web demo: static files, the SDK's ESM build under /sdk/, and a dev-only UserSig endpoint
 * that signs for the demo app alone (never another app: it holds only the demo app's key).
 */
export async function startDemoServer(opts: DemoServerOptions): Promise<DemoServer> {
  const roots: [string, string][] = [
    ['/sdk/', join(REPO_ROOT, 'libs', 'sdk', 'dist', 'esm')],
    ['/', join(REPO_ROOT, 'tools', 'demo-web', 'public')],
  ];
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  let port = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // DNS rebinding: a page on evil.example whose name later resolves to 127.0.0.1 reaches this
    // server as same-origin, but its requests still carry Host: evil.example. Only the loopback
    // names of this very port are served, so such a page can read nothing (UserSigs least of all).
    if (!loopbackHost(req.headers.host, port)) {
      return json(res, 403, { error: `Host ${JSON.stringify(req.headers.host ?? '')} refused: the web demo answers only http://127.0.0.1:${port}, http://localhost:${port} or http://[::1]:${port}` });
    }
    const url = new URL(req.url ?? '/', 'http://demo');
    if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
    if (url.pathname === '/api/config') return json(res, 200, { sdkAppId: opts.sdkAppId, accessUrls: opts.accessUrls, regions: opts.regions });
    if (url.pathname === '/api/usersig') {
      const sdkAppId = Number(url.searchParams.get('sdkappid'));
      const userId = url.searchParams.get('userid') ?? '';
      if (sdkAppId !== opts.sdkAppId) return json(res, 403, { error: `this endpoint signs only for the demo app ${opts.sdkAppId}` });
      if (!USER_ID.test(userId)) return json(res, 400, { error: 'userid: 1-32 letters, digits, _ @ . -' });
      let admins: readonly string[];
      try {
        admins = await opts.admins();
      } catch {
        // Fail closed: without the admin list we cannot tell whether this would be an admin key.
        return json(res, 503, { error: 'cannot read the demo app\'s admin accounts from auth; try again' });
      }
      if (admins.includes(userId)) {
        return json(res, 403, { error: `${userId} is an admin of the demo app: this endpoint never signs admin UserSigs (an admin UserSig is a full REST key); log in as an ordinary user` });
      }
      const userSig = genUserSig({ sdkAppId, key: opts.secretKey, identifier: userId, expireSeconds: opts.userSigTtlS ?? 86_400 });
      return json(res, 200, { sdkAppId, userId, userSig });
    }
    for (const [prefix, dir] of roots) {
      if (!url.pathname.startsWith(prefix)) continue;
      const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(prefix.length));
      const file = normalize(join(dir, rel));
      if (!file.startsWith(dir + sep)) return json(res, 403, { error: 'outside the served folders' });
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
        return res.end(body);
      } catch {
        if (prefix === '/sdk/') return json(res, 404, { error: 'SDK not built: npm run sdk:build' });
      }
    }
    return json(res, 404, { error: 'not found' });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => json(res, 500, { error: 'internal error' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const bound = server.address() as AddressInfo;
  port = bound.port;
  const address = bound.address;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
