import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { AppCountReporter, CallbackTargetError, Metrics, checkCallbackTarget, guardedLookup } from '@meridian/platform';
import { CALLBACK_CONFIG, type CallbackConfig } from '../callback.config';
import type { AppCallbackSettings } from '../apps/app-callbacks.cache';
import { callbackSign } from './sign';

export interface CallbackRequest {
  sdkAppId: number;
  command: string;
  /** Tencent body fields; CallbackCommand is set here. */
  body: Record<string, unknown>;
  optPlatform: string;
  clientIp: string;
  /** Ours, for the app to de-duplicate at-least-once deliveries (X-Meridian-Event-Id). */
  eventId: string;
}

export type SendResult =
  | { ok: true; answer: Record<string, unknown>; ms: number }
  /** `skipped`: not attempted (breaker open, or the app's concurrency limit reached with wait=false). */
  | { ok: false; error: string; skipped: boolean; ms: number };

const MAX_ANSWER_BYTES = 1 << 20;

const isIpLiteral = (hostname: string) => isIP(hostname.replace(/^\[|\]$/g, '')) !== 0;

/** Per-app circuit breaker: closed → open after N consecutive failures → half-open (one probe). */
class Breaker {
  failures = 0;
  openedAt = 0;
  probing = false;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
  ) {}

  /** Whether a call may go out now; in half-open state only one probe at a time. */
  admit(): boolean {
    if (this.failures < this.threshold) return true;
    if (Date.now() - this.openedAt < this.openMs || this.probing) return false;
    this.probing = true;
    return true;
  }

  result(ok: boolean): void {
    this.probing = false;
    if (ok) {
      this.failures = 0;
      return;
    }
    this.failures++;
    if (this.failures >= this.threshold) this.openedAt = Date.now();
  }

  get open(): boolean {
    return this.failures >= this.threshold;
  }
}

/** Per-app limit of calls in flight, with a FIFO of waiters. */
class Semaphore {
  inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  tryTake(): boolean {
    if (this.inFlight >= this.limit) return false;
    this.inFlight++;
    return true;
  }

  async take(): Promise<void> {
    if (this.tryTake()) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.inFlight--;
  }
}

/**
 * The one HTTP adapter of the callback service: POSTs to the app's backend exactly as Tencent
 * does (query SdkAppid, CallbackCommand, contenttype, ClientIP, OptPlatform, and Sign/RequestTime
 * when a token is set), over keep-alive connections, with a concurrency limit and a circuit
 * breaker per app so one slow backend cannot take the capacity other apps need.
 */
@Injectable()
export class HttpSender implements OnApplicationShutdown {
  /**
   * Keep-alive agents, one pair per private-target policy. A pooled socket is reused without a new
   * lookup, so a socket opened for an app allowed private targets must never serve one that is not:
   * every socket of the `public` pair was connected through guardedLookup's check.
   */
  private readonly agents = {
    public: this.agentPair(false),
    private: this.agentPair(true),
  };
  private readonly breakers = new Map<number, Breaker>();
  private readonly limits = new Map<number, Semaphore>();
  private readonly calls: Counter<'kind' | 'result'>;
  private readonly seconds: Histogram<'kind'>;

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    @Inject(Metrics) metrics: Metrics,
    @Inject(AppCountReporter) private readonly counts: AppCountReporter,
  ) {
    const registers = [metrics.registry];
    this.calls = new Counter({ name: 'meridian_callback_requests_total', help: 'Calls to app backends by kind (before/after) and result', labelNames: ['kind', 'result'], registers });
    this.seconds = new Histogram({ name: 'meridian_callback_request_seconds', help: 'Duration of calls to app backends', labelNames: ['kind'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10], registers });
  }

  breakerOpen(sdkAppId: number): boolean {
    return this.breaker(sdkAppId).open;
  }

  /**
   * One call. `wait`: whether to queue behind the app's concurrency limit (before-callbacks) or
   * give up at once so the caller can schedule a retry (after-callbacks keep their partition moving).
   */
  async send(app: AppCallbackSettings, req: CallbackRequest, kind: 'before' | 'after', wait: boolean): Promise<SendResult> {
    const started = Date.now();
    const breaker = this.breaker(req.sdkAppId);
    if (!breaker.admit()) {
      this.counts.add(req.sdkAppId, 'callbacksFailed');
      this.calls.inc({ kind, result: 'breaker_open' });
      return { ok: false, error: 'circuit breaker open', skipped: true, ms: 0 };
    }
    const limit = this.limit(req.sdkAppId);
    if (wait) await limit.take();
    else if (!limit.tryTake()) {
      breaker.probing = false;
      this.calls.inc({ kind, result: 'busy' });
      return { ok: false, error: 'concurrency limit reached', skipped: true, ms: 0 };
    }
    try {
      const answer = await this.post(app, req, Math.max(1, app.timeoutMs - (Date.now() - started)));
      breaker.result(true);
      this.counts.add(req.sdkAppId, 'callbacksSent');
      this.calls.inc({ kind, result: 'ok' });
      return { ok: true, answer, ms: Date.now() - started };
    } catch (err) {
      breaker.result(false);
      this.counts.add(req.sdkAppId, 'callbacksSent');
      this.counts.add(req.sdkAppId, 'callbacksFailed');
      this.calls.inc({ kind, result: (err as Error).message === 'timeout' ? 'timeout' : 'error' });
      return { ok: false, error: (err as Error).message, skipped: false, ms: Date.now() - started };
    } finally {
      limit.release();
      this.seconds.observe({ kind }, (Date.now() - started) / 1000);
    }
  }

  onApplicationShutdown(): void {
    for (const pair of Object.values(this.agents)) {
      pair.http.destroy();
      pair.https.destroy();
    }
  }

  private agentPair(allowPrivate: boolean): { http: HttpAgent; https: HttpsAgent } {
    const options = { keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256, timeout: 60_000, lookup: guardedLookup(allowPrivate) };
    return { http: new HttpAgent(options), https: new HttpsAgent(options) };
  }

  private async post(app: AppCallbackSettings, req: CallbackRequest, timeoutMs: number): Promise<Record<string, unknown>> {
    const url = new URL(app.url);
    // IP literals never reach the agent's lookup: check them (and the scheme) here. Names are
    // checked by that lookup on the addresses the socket really connects to.
    if (!app.allowPrivateTargets && isIpLiteral(url.hostname)) {
      try {
        await checkCallbackTarget(url, false);
      } catch (err) {
        throw new Error(err instanceof CallbackTargetError ? err.message : (err as Error).message);
      }
    }
    const agents = app.allowPrivateTargets ? this.agents.private : this.agents.public;
    const q = url.searchParams;
    q.set('SdkAppid', String(req.sdkAppId));
    q.set('CallbackCommand', req.command);
    q.set('contenttype', 'json');
    q.set('ClientIP', req.clientIp);
    q.set('OptPlatform', req.optPlatform);
    if (app.token) {
      const requestTime = Math.floor(Date.now() / 1000);
      q.set('RequestTime', String(requestTime));
      q.set('Sign', callbackSign(app.token, requestTime));
    }
    const payload = Buffer.from(JSON.stringify({ CallbackCommand: req.command, ...req.body }));
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const r = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: https ? agents.https : agents.http,
          headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length, 'x-meridian-event-id': req.eventId },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER_BYTES) r.destroy(new Error('answer too large'));
            else chunks.push(c);
          });
          res.on('end', () => {
            // Redirects are never followed: a 3xx could send the call (and its signed query) anywhere.
            if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400) return reject(new Error(`HTTP ${res.statusCode} (redirects are not followed)`));
            if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
            try {
              const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return reject(new Error('answer is not a JSON object'));
              resolve(parsed as Record<string, unknown>);
            } catch {
              reject(new Error('answer is not JSON'));
            }
          });
          res.on('error', reject);
        },
      );
      // A whole-call timer (connect, send, answer), not an idle-socket one.
      const timer = setTimeout(() => r.destroy(new Error('timeout')), timeoutMs);
      r.on('close', () => clearTimeout(timer));
      r.on('error', reject);
      r.end(payload);
    });
  }

  private breaker(sdkAppId: number): Breaker {
    let b = this.breakers.get(sdkAppId);
    if (!b) {
      b = new Breaker(this.config.MERIDIAN_CALLBACK_BREAKER_FAILURES, this.config.MERIDIAN_CALLBACK_BREAKER_OPEN_MS);
      this.breakers.set(sdkAppId, b);
    }
    return b;
  }

  private limit(sdkAppId: number): Semaphore {
    let s = this.limits.get(sdkAppId);
    if (!s) {
      s = new Semaphore(this.config.MERIDIAN_CALLBACK_APP_CONCURRENCY);
      this.limits.set(sdkAppId, s);
    }
    return s;
  }
}
