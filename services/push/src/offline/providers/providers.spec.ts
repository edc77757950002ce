import * as http from 'node:http';
import * as http2 from 'node:http2';
import { createHmac, generateKeyPairSync, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { APNS_MAX_PAYLOAD_BYTES, apnsPayload, buildNotification, type Notification } from '../offline-push-info';
import { ApnsProvider } from './apns.provider';
import { FCM_SCOPE, FcmProvider } from './fcm.provider';
import type { ApnsConfig, DeviceTarget, FcmConfig, WebhookConfig } from './provider';
import { WEBHOOK_SIGNATURE_HEADER, WebhookProvider, type WebhookPushBody } from './webhook.provider';

// ---------------------------------------------------------------------------------------------
// Independent helpers: the stand-ins verify with plain node:crypto, not with the code under test.

interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

function decodeJwt(jwt: string): DecodedJwt {
  const [h, c, s] = jwt.split('.');
  const part = (p: string | undefined) => JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: part(h), claims: part(c), signingInput: `${h}.${c}`, signature: Buffer.from(s ?? '', 'base64url') };
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** An address nothing listens on (a port just released), for connection-refused cases. */
async function closedPortUrl(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

let clock = Date.parse('2025-03-01T00:00:00Z');
const now = () => clock;
const MIN = 60_000;

const target = (token: string, platform = 'iPhone'): DeviceTarget => ({ sdkAppId: 1400000001, userId: 'alice', platform, token });

const notification = (text = 'hello', extra: Parameters<typeof buildNotification>[0] = {}): Notification => {
  const n = buildNotification({ msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }], senderNick: 'Bob', ...extra });
  if (!n) throw new Error('expected a notification');
  return n;
};

// ---------------------------------------------------------------------------------------------
// APNs stand-in: cleartext HTTP/2 that checks what Apple checks and answers by device token.

interface ApnsSeen {
  token: string;
  jwt: string;
  headers: http2.IncomingHttpHeaders;
  payload: unknown;
  bytes: number;
}

class ApnsStandIn {
  sessions = 0;
  readonly seen: ApnsSeen[] = [];
  /** Protocol violations found; a test passing with any here would be lying. */
  readonly violations: string[] = [];
  readonly expiredJwts = new Set<string>();
  private readonly server = http2.createServer();
  private readonly open = new Set<http2.ServerHttp2Session>();

  constructor(
    private readonly publicKey: KeyObject,
    private readonly config: Pick<ApnsConfig, 'teamId' | 'keyId' | 'bundleId'>,
  ) {
    this.server.on('session', (s) => {
      this.sessions++;
      this.open.add(s);
      s.on('close', () => this.open.delete(s));
    });
    this.server.on('stream', (stream, headers) => void this.handle(stream, headers));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  jwts(): string[] {
    return [...new Set(this.seen.map((s) => s.jwt))];
  }

  private async handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> {
    const raw = await readAll(stream);
    const path = String(headers[':path']);
    const token = decodeURIComponent(path.replace(/^\/3\/device\//, ''));
    const jwt = String(headers.authorization ?? '').replace(/^bearer /, '');
    const check = (ok: boolean, what: string) => ok || this.violations.push(what);
    check(headers[':method'] === 'POST', 'method');
    check(path.startsWith('/3/device/'), `path ${path}`);
    check(headers['apns-topic'] === this.config.bundleId, 'apns-topic');
    check(headers['apns-push-type'] === 'alert', 'apns-push-type');
    check(headers['apns-priority'] === '10', 'apns-priority');
    check(/^\d+$/.test(String(headers['apns-expiration'])), 'apns-expiration');
    check(raw.length <= APNS_MAX_PAYLOAD_BYTES, `payload ${raw.length} bytes`);
    const { header, claims, signingInput, signature } = decodeJwt(jwt);
    const signed = verify('sha256', Buffer.from(signingInput), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    const authentic = signed && signature.length === 64 && header.alg === 'ES256' && header.kid === this.config.keyId && claims.iss === this.config.teamId && Number.isInteger(claims.iat);
    check(authentic, 'provider token');
    this.seen.push({ token, jwt, headers, payload: JSON.parse(raw.toString('utf8')) as unknown, bytes: raw.length });

    const reply = (status: number, reason?: string) => {
      stream.respond({ ':status': status, 'apns-id': 'A1B2C3D4-0000-0000-0000-000000000001' });
      stream.end(reason ? JSON.stringify({ reason, ...(status === 410 ? { timestamp: clock } : {}) }) : undefined);
    };
    if (!authentic) return reply(403, 'InvalidProviderToken');
    if (this.expiredJwts.has(jwt)) return reply(403, 'ExpiredProviderToken');
    switch (token) {
      case 'bad':
        return reply(400, 'BadDeviceToken');
      case 'gone':
        return reply(410, 'Unregistered');
      case 'other-app':
        return reply(400, 'DeviceTokenNotForTopic');
      case 'busy':
        return reply(429, 'TooManyRequests');
      case 'down':
        return reply(503, 'ServiceUnavailable');
      case 'hang':
        return; // never answers: exercises the request timeout
      case 'goaway':
        reply(200);
        // Apple closes connections with GOAWAY (e.g. on maintenance); later sends must reconnect.
        stream.session?.close();
        return;
      case 'crash':
        stream.session?.destroy();
        return;
      default:
        return reply(200);
    }
  }
}

describe(ApnsProvider.name, () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const base = { teamId: 'TEAM123456', keyId: 'KEY1234567', privateKeyPem: pem, bundleId: 'com.example.chat' };
  let server: ApnsStandIn;
  let provider: ApnsProvider;
  let config: ApnsConfig;

  beforeEach(async () => {
    server = new ApnsStandIn(publicKey, base);
    config = { ...base, endpoint: await server.start() };
    provider = new ApnsProvider({ now, requestTimeoutMs: 500 });
  });

  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await provider.close();
    await server.stop();
  });

  it('delivers an alert with the documented headers and payload', async () => {
    const n = { ...notification('hi', { offlinePushInfo: { pushFlag: 0, title: 'Chat', ext: '{"c":1}', apns: { subTitle: 'sub', sound: 'a.caf', mutableContent: 1 } } }), badge: 5 };
    const result = await provider.send(target('0a1b2c3d'), n, config);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]!.token).toBe('0a1b2c3d');
    expect(server.seen[0]!.payload).toEqual({
      aps: { alert: { title: 'Chat', subtitle: 'sub', body: 'Bob:hi' }, sound: 'a.caf', badge: 5, 'mutable-content': 1 },
      ext: '{"c":1}',
    });
    // Default expiration: a week from the (fake) clock, like Tencent's default offline retention.
    expect(Number(server.seen[0]!.headers['apns-expiration'])).toBe(clock / 1000 + 7 * 24 * 3600);
  });

  it('reuses one provider token and one HTTP/2 session across sends', async () => {
    for (let i = 0; i < 3; i++) expect((await provider.send(target(`t${i}`), notification(), config)).ok).toBe(true);
    await Promise.all([1, 2, 3].map((i) => provider.send(target(`p${i}`), notification(), config)));
    expect(server.seen).toHaveLength(6);
    expect(server.jwts()).toHaveLength(1);
    expect(server.sessions).toBe(1);
  });

  it('renews the provider token after 50 minutes, not before', async () => {
    await provider.send(target('t'), notification(), config);
    clock += 49 * MIN;
    await provider.send(target('t'), notification(), config);
    expect(server.jwts()).toHaveLength(1);
    clock += 2 * MIN;
    await provider.send(target('t'), notification(), config);
    expect(server.jwts()).toHaveLength(2);
    expect(decodeJwt(server.jwts()[1]!).claims.iat).toBe(Math.floor(clock / 1000));
  });

  it('renews once on ExpiredProviderToken and retries, but not again within 20 minutes', async () => {
    await provider.send(target('t'), notification(), config);
    const [first] = server.jwts();
    server.expiredJwts.add(first!);
    expect(await provider.send(target('t'), notification(), config)).toMatchObject({ ok: true, status: 200 });
    expect(server.seen).toHaveLength(3);
    expect(server.jwts()).toHaveLength(2);

    // The renewed token is rejected too (e.g. a skewed clock): no second renewal inside Apple's floor.
    server.expiredJwts.add(server.jwts()[1]!);
    expect(await provider.send(target('t'), notification(), config)).toMatchObject({ ok: false, retryable: true, status: 403, detail: 'ExpiredProviderToken' });
    expect(server.seen).toHaveLength(4);
    expect(server.jwts()).toHaveLength(2);

    clock += 21 * MIN;
    expect((await provider.send(target('t'), notification(), config)).ok).toBe(true);
    expect(server.jwts()).toHaveLength(3);
  });

  it('maps APNs answers to invalid-token and retryable outcomes', async () => {
    expect(await provider.send(target('bad'), notification(), config)).toEqual({ ok: false, invalidToken: true, status: 400, detail: 'BadDeviceToken' });
    expect(await provider.send(target('gone'), notification(), config)).toEqual({ ok: false, invalidToken: true, status: 410, detail: 'Unregistered' });
    expect(await provider.send(target('busy'), notification(), config)).toEqual({ ok: false, retryable: true, status: 429, detail: 'TooManyRequests' });
    expect(await provider.send(target('down'), notification(), config)).toEqual({ ok: false, retryable: true, status: 503, detail: 'ServiceUnavailable' });
    // A token for another bundle may mean our topic is misconfigured: never delete on that alone.
    expect(await provider.send(target('other-app'), notification(), config)).toEqual({ ok: false, retryable: false, status: 400, detail: 'DeviceTokenNotForTopic' });
    expect(await provider.send(target('hang'), notification(), config)).toMatchObject({ ok: false, retryable: true, detail: expect.stringContaining('timed out') });
  });

  it('reconnects after GOAWAY and after a broken session', async () => {
    expect((await provider.send(target('goaway'), notification(), config)).ok).toBe(true);
    expect((await provider.send(target('t'), notification(), config)).ok).toBe(true);
    expect(server.sessions).toBe(2);

    expect(await provider.send(target('crash'), notification(), config)).toMatchObject({ ok: false, retryable: true });
    expect((await provider.send(target('t'), notification(), config)).ok).toBe(true);
    expect(server.sessions).toBe(3);
  });

  it('keeps a truncated multi-byte notification within 4096 bytes on the wire', async () => {
    const n = notification('😀漢'.repeat(3000), { groupName: '团队', offlinePushInfo: { pushFlag: 0, ext: '{"route":"chat/1"}' } });
    expect((await provider.send(target('t'), { ...n, badge: 99 }, config)).ok).toBe(true);
    const [seen] = server.seen;
    expect(seen!.bytes).toBeLessThanOrEqual(APNS_MAX_PAYLOAD_BYTES);
    expect(seen!.bytes).toBeGreaterThan(APNS_MAX_PAYLOAD_BYTES - 64);
    expect(seen!.payload).toEqual(apnsPayload({ ...n, badge: 99 }));
  });

  it('reports a bad signing key as a configuration failure without contacting APNs', async () => {
    expect(await provider.send(target('t'), notification(), { ...config, privateKeyPem: 'not a key' })).toMatchObject({ ok: false, retryable: false });
    expect(server.seen).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Google stand-in: OAuth2 token endpoint and FCM v1 send endpoint on one HTTP/1.1 server.

class GoogleStandIn {
  tokenRequests = 0;
  readonly messages: Record<string, unknown>[] = [];
  readonly violations: string[] = [];
  private readonly issued = new Set<string>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  origin = '';

  constructor(
    private readonly publicKey: KeyObject,
    private readonly config: Pick<FcmConfig, 'projectId' | 'clientEmail'>,
  ) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  revokeAll(): void {
    this.issued.clear();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = (await readAll(req)).toString('utf8');
    if (req.method === 'POST' && req.url === '/token') return this.token(req, body, res);
    if (req.method === 'POST' && req.url === `/v1/projects/${this.config.projectId}/messages:send`) return this.sendMessage(req, body, res);
    this.violations.push(`unexpected ${req.method} ${req.url}`);
    json(res, 404, { error: { code: 404, status: 'NOT_FOUND' } });
  }

  private token(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    this.tokenRequests++;
    const form = new URLSearchParams(body);
    const assertion = form.get('assertion') ?? '';
    const { header, claims, signingInput, signature } = decodeJwt(assertion);
    const valid =
      req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
      form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
      header.alg === 'RS256' &&
      verify('sha256', Buffer.from(signingInput), this.publicKey, signature) &&
      claims.iss === this.config.clientEmail &&
      claims.scope === FCM_SCOPE &&
      claims.aud === `${this.origin}/token` &&
      Number.isInteger(claims.iat) &&
      claims.exp === Number(claims.iat) + 3600;
    if (!valid) {
      this.violations.push('assertion');
      return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const accessToken = `ya29.test-${this.tokenRequests}`;
    this.issued.add(accessToken);
    json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  private sendMessage(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.issued.has(bearer)) return json(res, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    const { message } = JSON.parse(body) as { message: Record<string, unknown> };
    this.messages.push(message);
    const fcmError = (status: number, code: string, errorCode: string, extra: object[] = []) =>
      json(res, status, { error: { code: status, message: `${errorCode} from stand-in`, status: code, details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }, ...extra] } });
    switch (message.token) {
      case 'gone':
        return fcmError(404, 'NOT_FOUND', 'UNREGISTERED');
      case 'malformed':
        return fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', [
          { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] },
        ]);
      case 'bad-payload':
        return fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', [
          { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.android.notification.color', description: 'Invalid color' }] },
        ]);
      case 'busy':
        res.setHeader('retry-after', '7');
        return fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED');
      case 'down':
        return fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE');
      default:
        return json(res, 200, { name: `projects/${this.config.projectId}/messages/0:${this.messages.length}` });
    }
  }
}

describe(FcmProvider.name, () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const base = { projectId: 'meridian-test', clientEmail: 'push@meridian-test.iam.gserviceaccount.com', privateKeyPem: pem };
  let server: GoogleStandIn;
  let provider: FcmProvider;
  let config: FcmConfig;

  beforeEach(async () => {
    server = new GoogleStandIn(publicKey, base);
    const origin = await server.start();
    config = { ...base, endpoint: origin, tokenUri: `${origin}/token` };
    provider = new FcmProvider({ now, requestTimeoutMs: 2000 });
  });

  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.stop();
  });

  it('sends the v1 message with Android and APNs parts', async () => {
    const info = { pushFlag: 0 as const, title: 'Chat', ext: '{"c":1}', android: { sound: 'ring', googleChannelId: 'messages' }, apns: { sound: 'a.caf', mutableContent: 1 as const, image: 'https://img' } };
    expect(await provider.send(target('ok', 'Android'), notification('hi', { offlinePushInfo: info }), config)).toEqual({ ok: true, status: 200 });
    expect(server.messages).toEqual([
      {
        token: 'ok',
        notification: { title: 'Chat', body: 'Bob:hi' },
        data: { ext: '{"c":1}' },
        android: { notification: { sound: 'ring', channel_id: 'messages' } },
        apns: { payload: { aps: { sound: 'a.caf', 'mutable-content': 1 } }, fcm_options: { image: 'https://img' } },
      },
    ]);
  });

  it('exchanges one access token and reuses it, also across concurrent sends', async () => {
    await Promise.all([1, 2, 3, 4].map((i) => provider.send(target(`c${i}`), notification(), config)));
    await provider.send(target('ok'), notification(), config);
    expect(server.messages).toHaveLength(5);
    expect(server.tokenRequests).toBe(1);
  });

  it('renews the access token 60 s before it expires', async () => {
    await provider.send(target('ok'), notification(), config);
    clock += (3599 - 61) * 1000;
    await provider.send(target('ok'), notification(), config);
    expect(server.tokenRequests).toBe(1);
    clock += 2000;
    await provider.send(target('ok'), notification(), config);
    expect(server.tokenRequests).toBe(2);
  });

  it('renews a revoked access token once on 401 and retries', async () => {
    await provider.send(target('ok'), notification(), config);
    server.revokeAll();
    expect(await provider.send(target('ok'), notification(), config)).toEqual({ ok: true, status: 200 });
    expect(server.tokenRequests).toBe(2);
    expect(server.messages).toHaveLength(2);
  });

  it('maps FCM errors to invalid-token and retryable outcomes', async () => {
    expect(await provider.send(target('gone'), notification(), config)).toEqual({ ok: false, invalidToken: true, status: 404, detail: 'UNREGISTERED' });
    expect(await provider.send(target('malformed'), notification(), config)).toEqual({ ok: false, invalidToken: true, status: 400, detail: 'INVALID_ARGUMENT' });
    // INVALID_ARGUMENT about the payload is our bug, not a dead registration.
    expect(await provider.send(target('bad-payload'), notification(), config)).toEqual({ ok: false, retryable: false, status: 400, detail: 'INVALID_ARGUMENT' });
    expect(await provider.send(target('busy'), notification(), config)).toEqual({ ok: false, retryable: true, status: 429, detail: 'QUOTA_EXCEEDED', retryAfterMs: 7000 });
    expect(await provider.send(target('down'), notification(), config)).toEqual({ ok: false, retryable: true, status: 503, detail: 'UNAVAILABLE' });
  });

  it('reports a rejected service account without retrying', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(await provider.send(target('ok'), notification(), { ...config, privateKeyPem: other })).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(server.messages).toHaveLength(0);
    server.violations.length = 0; // the stand-in rightly flagged the foreign signature
  });

  it('reports an unreachable endpoint as retryable', async () => {
    const dead = await closedPortUrl();
    expect(await provider.send(target('ok'), notification(), { ...config, tokenUri: `${dead}/token` })).toMatchObject({ ok: false, retryable: true, detail: expect.stringContaining('ECONNREFUSED') });
    expect(await provider.send(target('ok'), notification(), { ...config, endpoint: dead })).toMatchObject({ ok: false, retryable: true, detail: expect.stringContaining('ECONNREFUSED') });
  });
});

// ---------------------------------------------------------------------------------------------
// Webhook receiver: checks the HMAC over the exact bytes received.

describe(WebhookProvider.name, () => {
  const secret = 'whsec-test';
  const received: { body: WebhookPushBody; signed: boolean | undefined }[] = [];
  const server = http.createServer((req, res) => {
    void readAll(req).then((raw) => {
      const header = req.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()];
      const expected = createHmac('sha256', secret).update(raw).digest();
      const signed = typeof header === 'string' ? header.length === 64 && timingSafeEqual(Buffer.from(header, 'hex'), expected) : undefined;
      const body = JSON.parse(raw.toString('utf8')) as WebhookPushBody;
      received.push({ body, signed });
      const status = { gone: 410, down: 502, nope: 400, busy: 429 }[body.token] ?? 204;
      if (body.token === 'slow') return; // never answers: exercises the timeout
      res.writeHead(status).end();
    });
  });
  let url = '';
  const provider = new WebhookProvider({ timeoutMs: 300 });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received.length = 0;
  });

  it('posts the target and notification, signed when a secret is set', async () => {
    const n = notification();
    const config: WebhookConfig = { url, secret };
    expect(await provider.send(target('ok', 'Android'), n, config)).toEqual({ ok: true, status: 204 });
    expect(received).toEqual([{ body: { sdkAppId: 1400000001, userId: 'alice', platform: 'Android', token: 'ok', notification: n }, signed: true }]);

    expect((await provider.send(target('ok'), n, { url })).ok).toBe(true);
    expect(received[1]!.signed).toBeUndefined();

    expect((await provider.send(target('ok'), n, { url, secret: 'wrong' })).ok).toBe(true);
    expect(received[2]!.signed).toBe(false);
  });

  it('maps 410 to invalid token and 5xx, 429, timeouts and network errors to retryable', async () => {
    const config = { url, secret };
    expect(await provider.send(target('gone'), notification(), config)).toEqual({ ok: false, invalidToken: true, status: 410 });
    expect(await provider.send(target('down'), notification(), config)).toEqual({ ok: false, retryable: true, status: 502, detail: 'HTTP 502' });
    expect(await provider.send(target('busy'), notification(), config)).toEqual({ ok: false, retryable: true, status: 429, detail: 'HTTP 429' });
    expect(await provider.send(target('nope'), notification(), config)).toEqual({ ok: false, retryable: false, status: 400, detail: 'HTTP 400' });
    expect(await provider.send(target('slow'), notification(), config)).toMatchObject({ ok: false, retryable: true, detail: expect.stringContaining('TimeoutError') });

    expect(await provider.send(target('ok'), notification(), { url: `${await closedPortUrl()}/push` })).toMatchObject({ ok: false, retryable: true, detail: expect.stringContaining('ECONNREFUSED') });
  });
});
