import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALLBACK_COMMANDS } from '@meridian/contracts';
import { authV1 } from '@meridian/proto';
import { NO_CHANGES, authClient, type TestApp } from './apps';
import { eventually } from './wait';

/** The token the test backends expect in Sign (Tencent's doc example). */
export const CALLBACK_TOKEN = 'xxxxyyyy';

export interface Received {
  query: Record<string, string>;
  body: Record<string, unknown>;
  eventId: string;
  at: number;
  /** Answered with HTTP 200 (a delivery the app saw through). */
  answered?: boolean;
}

export type Answer = { status?: number; json?: unknown; delayMs?: number } | 'hang';

/** The app's backend: a real HTTP server on 127.0.0.1 that records every call. */
export class Backend {
  readonly received: Received[] = [];
  answer: (r: Received) => Answer = () => ({ json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
  private server?: Server;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Down: refuses connections (keep-alive ones are cut too). */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.server = undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/im/callback?fixed=1`;
  }

  of(sdkAppId: number, command: string): Received[] {
    return this.received.filter((r) => r.query['SdkAppid'] === String(sdkAppId) && r.query['CallbackCommand'] === command);
  }

  async waitFor(sdkAppId: number, command: string, n = 1, timeoutMs = 15_000): Promise<Received[]> {
    await eventually(() => this.of(sdkAppId, command).length >= n, timeoutMs);
    return this.of(sdkAppId, command);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const r: Received = {
      query: Object.fromEntries(url.searchParams),
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      eventId: String(req.headers['x-meridian-event-id'] ?? ''),
      at: Date.now(),
    };
    this.received.push(r);
    const a = this.answer(r);
    if (a === 'hang') return;
    if (a.delayMs) await new Promise((resolve) => setTimeout(resolve, a.delayMs));
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.json ?? { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }));
    r.answered = (a.status ?? 200) === 200;
  }
}

export async function configureCallbacks(app: TestApp, backend: Backend, opts: { commands?: string[]; token?: string; timeoutMs?: number; policy?: 'deliver' | 'block' } = {}): Promise<void> {
  await authClient(app.homeRegion).updateApp({
    sdkAppId: app.sdkAppId,
    ...NO_CHANGES,
    // The test's backend listens on 127.0.0.1.
    hasPrivateCallbackTargets: true,
    allowPrivateCallbackTargets: true,
    hasCallback: true,
    callback: {
      url: backend.url,
      commands: opts.commands ?? [...CALLBACK_COMMANDS],
      token: opts.token ?? CALLBACK_TOKEN,
      timeoutMs: opts.timeoutMs ?? 2000,
      failurePolicy: opts.policy === 'block' ? authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK : authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_DELIVER,
    },
  });
}

