import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { CALLBACK_COMMANDS, MeridianError } from '@meridian/contracts';
import { CallbackTargetError, GrpcClients, Metrics, checkCallbackTarget, clientAddress, guardedLookup, loadPlatformConfig, trustedProxies } from '@meridian/platform';
import { authV1, type groupV1, type relationshipV1 } from '@meridian/proto';
import { REPO_ROOT, type ResolvedPlatform } from '../../launcher/src/control';
import { ConsoleStore, DEFAULT_SESSION_LIMITS, type SessionLimits } from './console-store';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottlePolicy } from './login-throttle';
import { describeNetworkError } from './network-error';
import { BadInput, USER_ID, appId, int, str, strList, userId, type Json } from './console-input';
import { opsRoutes } from './console-ops';

export interface ConsoleServerOptions {
  platform: ResolvedPlatform;
  /** 127.0.0.1 unless told otherwise: the console is for this machine (put a TLS proxy in front otherwise). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  sessionLimits?: SessionLimits;
  /** Growing delays after failed sign-ins (see LoginThrottle); parts left out keep their defaults. */
  loginThrottle?: Partial<ThrottlePolicy>;
  /**
   * Reverse proxies (IPs or CIDR ranges) whose X-Forwarded-For is believed, only when the request
   * comes straight from one of them. Empty: the socket's peer is the client, whatever headers say.
   */
  trustedProxies?: readonly string[];
}

export interface ConsoleServer {
  url: string;
  /** The first-start password of `admin`, when this start created the account. */
  initialPassword?: string;
  store: ConsoleStore;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const COOKIE = 'meridian_console';
export const OPERATOR = 'admin';
const LEVELS = ['AppAdmin', 'Owner', 'Admin', 'Member', 'Anyone'];
const POLICIES: Record<string, authV1.MultiDevicePolicy> = {
  single: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_SINGLE,
  dual: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_DUAL,
  triple: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_TRIPLE,
  multi: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_MULTI,
};
/** The REST commands the console calls as the app's admin (the data pages). */
const REST_COMMANDS = new Set([
  'im_open_login_svc/account_import',
  'im_open_login_svc/account_check',
  'im_open_login_svc/kick',
  'im_open_login_svc/account_delete',
  'openim/admin_msgwithdraw',
  'profile/portrait_get',
  'profile/portrait_set',
  'sns/friend_get',
  'sns/friend_add',
  'sns/friend_delete',
  'sns/black_list_get',
  'sns/black_list_add',
  'sns/black_list_delete',
  'openim/query_online_status',
  'openim/sendmsg',
  'openim/admin_getroammsg',
  'group_open_http_svc/get_appid_group_list',
  'group_open_http_svc/get_group_info',
  'group_open_http_svc/get_group_member_info',
  'group_open_http_svc/create_group',
  'group_open_http_svc/add_group_member',
  'group_open_http_svc/delete_group_member',
  'group_open_http_svc/forbid_send_msg',
  'group_open_http_svc/destroy_group',
  'group_open_http_svc/send_group_system_notification',
  'group_open_http_svc/group_msg_get_simple',
  'openconfigsvr/getappinfo',
  'open_msg_svc/get_history',
]);

/** The callback timeout auth accepts (services/auth apps.service: 100-10000 ms). */
export const CALLBACK_TIMEOUT_MAX_MS = 10_000;
/** auth's bound on an app's recall window (30 days), so the form refuses what auth would. */
export const RECALL_WINDOW_MAX_S = 30 * 86_400;


/**
 * The operator console: sign-in (scrypt-hashed operator accounts, expiring cookie sessions,
 * throttled log-ins), and a JSON API over auth/group/relationship gRPC and the Tencent REST API
 * (as the app's admin) that the single-page app in tools/console/public calls.
 */
export async function startConsoleServer(opts: ConsoleServerOptions): Promise<ConsoleServer> {
  const { platform } = opts;
  const topology = platform.topology;
  const ns = platform.options.namespace;
  const store = await ConsoleStore.open(topology.dataPlane.mongoUrl, ns ? `${ns}_console` : 'meridian_console', opts.sessionLimits ?? DEFAULT_SESSION_LIMITS);
  const initialPassword = await store.ensureOperator(OPERATOR);
  const config = loadPlatformConfig('gateway', {
    ...process.env,
    MERIDIAN_REGION: platform.regions[0],
    MERIDIAN_TOPOLOGY: platform.options.topologyPath,
    MERIDIAN_NAMESPACE: ns,
    MERIDIAN_PORT_OFFSET: String(platform.options.portOffset),
  }, { grpcIdentity: 'operator' });
  const clients = new GrpcClients(config, new Metrics(config));
  const auth = (region?: string) => clients.service<authV1.AuthServiceClient>('auth', region);
  const throttle = new LoginThrottle({ ...DEFAULT_THROTTLE, ...opts.loginThrottle });
  const proxies = trustedProxies(opts.trustedProxies ?? []);
  const adminSigs = new Map<number, { admin: string; sig: string; until: number }>();
  const publicDir = join(REPO_ROOT, 'tools', 'console', 'public');

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
  const cookieOf = (req: IncomingMessage) =>
    (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim().split('='))
      .find(([k]) => k === COOKIE)?.[1];
  const setCookie = (token: string, maxAgeS: number) => `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}`;

  const home = async (sdkAppId: number) => {
    const { homeRegion } = await auth().locateApp({ sdkAppId, localOnly: false });
    if (!homeRegion) throw new MeridianError(70020, `SDKAppID ${sdkAppId} not found`);
    return homeRegion;
  };
  const getApp = async (sdkAppId: number, reveal = false) => (await auth().getApp({ sdkAppId, revealSecrets: reveal, revealCallbackToken: false })).app!;

  /** A Tencent REST call as the app's first admin, to its home region's gateway. */
  const rest = async (sdkAppId: number, command: string, body: unknown): Promise<Json> => {
    let cached = adminSigs.get(sdkAppId);
    if (!cached || cached.until < Date.now()) {
      const app = await getApp(sdkAppId);
      const admin = app.admins[0];
      if (!admin) throw new BadInput('the app has no admin account: add one under Settings first');
      const { userSig } = await auth().genUserSig({ sdkAppId, identifier: admin, expireSeconds: 3600 });
      cached = { admin, sig: userSig, until: Date.now() + 600_000 };
      adminSigs.set(sdkAppId, cached);
    }
    const region = await home(sdkAppId);
    const qs = new URLSearchParams({ sdkappid: String(sdkAppId), identifier: cached.admin, usersig: cached.sig, random: String(Math.floor(Math.random() * 4294967295)), contenttype: 'json' });
    const r = await fetch(`${topology.httpBaseUrl(region, 'gateway')}/v4/${command}?${qs}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    return (await r.json()) as Json;
  };

  const ops = opsRoutes({ clients, topology, regions: platform.regions, home, appView });

  const api = async (req: IncomingMessage, res: ServerResponse, path: string, body: Json): Promise<void> => {
    const m = path.match(/^\/api\/apps\/([^/]+)(\/.*)?$/);
    if (path === '/api/regions' && req.method === 'GET') return send(res, 200, { regions: platform.regions });
    if (path === '/api/apps' && req.method === 'GET') {
      const lists = await Promise.all(
        platform.regions.map((r) =>
          auth(r)
            .listApps({})
            .then((l) => l.apps.filter((a) => a.homeRegion === r), () => []),
        ),
      );
      return send(res, 200, { apps: lists.flat().sort((a, b) => a.sdkAppId - b.sdkAppId).map(appView) });
    }
    if (path === '/api/apps' && req.method === 'POST') {
      const name = str(body, 'name', 1, 64);
      const homeRegion = str(body, 'homeRegion', 1, 64);
      if (!platform.regions.includes(homeRegion)) throw new BadInput(`home region must be one of ${platform.regions.join(', ')}`);
      const admin = str(body, 'admin', 1, 32);
      if (!USER_ID.test(admin)) throw new BadInput('admin: 1-32 letters, digits, _ @ . -');
      const policy = POLICIES[String(body['policy'] ?? 'single')];
      if (!policy) throw new BadInput(`multi-device policy must be one of ${Object.keys(POLICIES).join(', ')}`);
      const r = await auth(homeRegion).createApp({ name, homeRegion, sdkAppId: 0, admins: [admin], multiDevicePolicy: policy, ecdsaPublicKey: '', secretKey: '', ifNotExists: false, allowPrivateCallbackTargets: false });
      return send(res, 200, { app: appView(r.app!) });
    }
    if (path === '/api/usersig/verify' && req.method === 'POST') {
      const sdkAppId = appId(String(body['sdkAppId'] ?? ''));
      const user = userId(body, 'user');
      const userSig = str(body, 'userSig', 1, 4096).trim();
      try {
        // The operator's browser is the source whose failures are budgeted.
        const v = await auth().verifyUserSig({ sdkAppId, identifier: user, userSig, requireAdmin: false, adminErrorCode: 0, clientIp: req.socket.remoteAddress ?? '' });
        return send(res, 200, { valid: true, version: v.version, expiresAt: new Date(Number(v.expiresAt) * 1000).toISOString(), isAdmin: v.isAdmin });
      } catch (err) {
        if (MeridianError.is(err)) return send(res, 200, { valid: false, code: err.code, error: err.message });
        throw err;
      }
    }
    if (!m) return send(res, 404, { error: 'not found' });
    const sdkAppId = appId(decodeURIComponent(m[1]!));
    const sub = m[2] ?? '';
    const answered = await ops(sdkAppId, sub, req.method ?? 'GET', body);
    if (answered) return send(res, answered.status, answered.body);
    if (sub === '/stats' && req.method === 'GET') {
      const period = new URL(req.url ?? '/', 'http://x').searchParams.get('period') ?? 'minute';
      if (!['minute', 'hour', 'day'].includes(period)) throw new BadInput('period is minute, hour or day');
      await getApp(sdkAppId);
      // Each region's auth service counts what happened in that region: ask them all and add up.
      const perRegion = await Promise.all(platform.regions.map((r) => auth(r).getAppStats({ sdkAppId, period, points: 0 })));
      const labels: Record<string, string> = {
        logins: 'Logins',
        c2cMessages: '1:1 messages sent',
        groupMessages: 'Group messages sent',
        restCalls: 'REST calls',
        restErrors: 'REST errors',
        callbacksSent: 'Callbacks sent',
        callbacksFailed: 'Callbacks failed',
        registrations: 'Accounts registered',
        accountsDeleted: 'Accounts deleted',
        groupsCreated: 'Groups created',
        groupsDestroyed: 'Groups disbanded',
        groupJoins: 'Group joins',
        groupQuits: 'Group quits',
        activeUsers: 'Active users (distinct)',
        loginUsers: 'Users who logged in (distinct)',
        senders: 'Users who sent messages (distinct)',
        c2cSenders: 'Users who sent 1:1 messages (distinct)',
        groupSenders: 'Users who sent group messages (distinct)',
        groupsWithMessages: 'Groups with messages (distinct)',
        maxOnline: 'Peak online users',
        accountsTotal: 'Accounts in all',
      };
      // Per-day distinct counts, peaks and totals (only with period=day) do not add up over time.
      const notSummable = new Set(['activeUsers', 'loginUsers', 'senders', 'c2cSenders', 'groupSenders', 'groupsWithMessages', 'maxOnline', 'accountsTotal']);
      const series = perRegion[0]!.series.map((s0, i) => ({
        key: s0.metric,
        label: `${labels[s0.metric] ?? s0.metric} per ${period}`,
        summable: !notSummable.has(s0.metric),
        points: s0.points.map((p, j) => ({ t: Number(p.timeMs), value: perRegion.reduce((sum, r) => sum + Number(r.series[i]?.points[j]?.value ?? 0), 0) })),
      }));
      return send(res, 200, {
        now: Date.now(),
        period,
        onlineNow: perRegion.reduce((sum, r) => sum + r.onlineNow, 0),
        regions: perRegion.map((r) => ({ region: r.region, onlineNow: r.onlineNow, totals: Object.fromEntries(r.series.map((x) => [x.metric, x.points.reduce((sum, p) => sum + Number(p.value), 0)])) })),
        series,
      });
    }
    if (sub === '/users' && req.method === 'GET') {
      // One page of the app's accounts in UserID order; `q` keeps those starting with it. The
      // accounts after `q` in that order begin with the ones it prefixes, so a search reads only
      // as far as the first that does not match.
      const params = new URL(req.url ?? '/', 'http://x').searchParams;
      const q = params.get('q') ?? '';
      if (q && !/^[A-Za-z0-9_@.-]{1,32}$/.test(q)) throw new BadInput('search: the start of a UserID (letters, digits, _ @ . -)');
      const limit = Math.min(Math.max(Number(params.get('limit')) || 20, 1), 100);
      let after = params.get('after') ?? '';
      const users: string[] = [];
      if (q && !after) {
        const exact = await auth().checkAccounts({ sdkAppId, userIds: [q] });
        if (exact.results[0]?.status === 'Imported') users.push(q);
        after = q;
      }
      const page = await auth().listAccounts({ sdkAppId, after, limit: limit + 1 - users.length });
      for (const u of page.userIds) {
        if (q && !u.startsWith(q)) break;
        users.push(u);
      }
      const more = users.length > limit;
      const shown = users.slice(0, limit);
      return send(res, 200, { users: shown, next: more ? shown[shown.length - 1] : '' });
    }
    if (sub === '' && req.method === 'GET') {
      const app = await getApp(sdkAppId);
      const region = app.homeRegion;
      const [fields, groups] = await Promise.all([
        clients.service<relationshipV1.RelationshipServiceClient>('relationship', region).getProfileFields({ sdkAppId }),
        clients.service<groupV1.GroupServiceClient>('group', region).getAppSettings({ sdkAppId }),
      ]);
      return send(res, 200, { app: appView(app), profileFields: fields.fields, groupSettings: groups.settings, callbackCommands: CALLBACK_COMMANDS });
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
    switch (sub) {
      case '/reveal': {
        const app = await getApp(sdkAppId, true);
        return send(res, 200, { secretKey: app.secretKey, callbackToken: app.callback?.token ?? '' });
      }
      case '/rotate-key': {
        const r = await auth().rotateAppKey({ sdkAppId });
        adminSigs.delete(sdkAppId);
        return send(res, 200, { app: appView(r.app!) });
      }
      case '/settings': {
        const admins = strList(body, 'admins');
        if (!admins.length) throw new BadInput('admins: at least one admin account');
        for (const a of admins) if (!USER_ID.test(a)) throw new BadInput(`admin "${a}": 1-32 letters, digits, _ @ . -`);
        const policy = POLICIES[String(body['policy'] ?? '')];
        if (!policy) throw new BadInput(`multi-device policy must be one of ${Object.keys(POLICIES).join(', ')}`);
        const r = await auth().updateApp({
          sdkAppId,
          hasName: true,
          name: str(body, 'name', 1, 64),
          hasAdmins: true,
          admins,
          hasMultiDevice: true,
          multiDevicePolicy: policy,
          maxPerPlatform: int(body, 'maxPerPlatform', 1, 10),
          maxWeb: int(body, 'maxWeb', 1, 10),
          hasEcdsaPublicKey: false,
          ecdsaPublicKey: '',
          hasCallback: false,
          callback: undefined,
          hasRestLimits: true,
          restCommandQps: int(body, 'restCommandQps', 0, 100_000),
          restAppQps: int(body, 'restAppQps', 0, 1_000_000),
          hasRoaming: true,
          roamingDays: int(body, 'roamingDays', 0, 360),
          hasPrivateCallbackTargets: false,
          allowPrivateCallbackTargets: false,
          // Older pages send no recall window: it is then left as it is.
          hasRecallWindow: body['recallWindowS'] !== undefined,
          recallWindowS: body['recallWindowS'] === undefined ? 0 : int(body, 'recallWindowS', 0, RECALL_WINDOW_MAX_S),
        });
        adminSigs.delete(sdkAppId);
        return send(res, 200, { app: appView(r.app!) });
      }
      case '/callback': {
        const url = str(body, 'url', 0, 2048).trim();
        if (url && !/^https?:\/\/[^\s]+$/.test(url)) throw new BadInput('callback URL must start with http:// or https://');
        if (url) {
          try {
            new URL(url);
          } catch {
            throw new BadInput('callback URL is not a valid URL');
          }
        }
        const commands = strList(body, 'commands');
        const unknown = commands.filter((c) => !(CALLBACK_COMMANDS as readonly string[]).includes(c));
        if (unknown.length) throw new BadInput(`unknown callback command(s): ${unknown.join(', ')}`);
        const failurePolicy = String(body['failurePolicy'] ?? 'deliver');
        if (failurePolicy !== 'deliver' && failurePolicy !== 'block') throw new BadInput('failure policy is deliver or block');
        // auth's own limit (apps.service): a wider range here would pass the form and fail there.
        const timeoutMs = int(body, 'timeoutMs', 100, CALLBACK_TIMEOUT_MAX_MS);
        const allowPrivate = body['allowPrivateTargets'];
        if (allowPrivate !== undefined && typeof allowPrivate !== 'boolean') throw new BadInput('allowPrivateTargets: true or false');
        const current = (await getApp(sdkAppId, true)).callback;
        const token = body['token'] === undefined || body['token'] === null ? (current?.token ?? '') : str(body, 'token', 0, 256);
        const r = await auth().updateApp({
          sdkAppId,
          hasName: false,
          name: '',
          hasAdmins: false,
          admins: [],
          hasMultiDevice: false,
          multiDevicePolicy: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_UNSPECIFIED,
          maxPerPlatform: 0,
          maxWeb: 0,
          hasEcdsaPublicKey: false,
          ecdsaPublicKey: '',
          hasCallback: true,
          callback: {
            url,
            commands,
            token,
            timeoutMs,
            failurePolicy: failurePolicy === 'block' ? authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK : authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_DELIVER,
          },
          hasRestLimits: false,
          restCommandQps: 0,
          restAppQps: 0,
          hasRoaming: false,
          roamingDays: 0,
          // auth refuses a URL on a private address unless this is (or already was) allowed.
          hasPrivateCallbackTargets: allowPrivate !== undefined,
          allowPrivateCallbackTargets: allowPrivate === true,
          hasRecallWindow: false,
          recallWindowS: 0,
        });
        return send(res, 200, { app: appView(r.app!) });
      }
      case '/callback/test':
        return send(res, 200, await testCallback(await getApp(sdkAppId, true)));
      case '/profile-fields': {
        const add = (Array.isArray(body['fields']) ? body['fields'] : []) as Json[];
        if (!add.length) throw new BadInput('add at least one field');
        const region = await home(sdkAppId);
        const rel = clients.service<relationshipV1.RelationshipServiceClient>('relationship', region);
        const byName = new Map((await rel.getProfileFields({ sdkAppId })).fields.map((f) => [f.name, f]));
        for (const f of add) {
          const name = str(f, 'name', 1, 8);
          if (!/^[A-Za-z]{1,8}$/.test(name)) throw new BadInput(`field name "${name}": 1-8 letters (it follows Tag_Profile_Custom_)`);
          const type = String(f['type'] ?? '');
          if (type !== 'string' && type !== 'integer') throw new BadInput('field type is string or integer');
          const old = byName.get(name);
          if (old && old.type !== type) throw new BadInput(`field ${name} exists as ${old.type}: a field's type cannot change`);
          byName.set(name, { name, type, maxLength: type === 'string' ? int(f, 'maxLength', 1, 500) : 0, userReadable: !!f['userReadable'], userWritable: !!f['userWritable'] });
        }
        if (byName.size > 20) throw new BadInput('at most 20 custom profile fields');
        const r = await rel.setProfileFields({ sdkAppId, fields: [...byName.values()] });
        return send(res, 200, { profileFields: r.fields });
      }
      case '/group-settings': {
        const region = await home(sdkAppId);
        const group = clients.service<groupV1.GroupServiceClient>('group', region);
        const current = (await group.getAppSettings({ sdkAppId })).settings!;
        const merge = (have: groupV1.GroupField[], add: unknown, maxLen: number, max: number, what: string) => {
          const byKey = new Map(have.map((f) => [f.key, f]));
          for (const f of (Array.isArray(add) ? add : []) as Json[]) {
            const key = str(f, 'key', 1, 16);
            if (!/^[A-Za-z0-9_]{1,16}$/.test(key)) throw new BadInput(`${what} field "${key}": 1-16 letters, digits or _`);
            const readLevel = String(f['readLevel'] ?? '');
            const writeLevel = String(f['writeLevel'] ?? '');
            if (!LEVELS.includes(readLevel) || !LEVELS.includes(writeLevel)) throw new BadInput(`read/write levels: ${LEVELS.join(', ')}`);
            byKey.set(key, { key, maxLength: int(f, 'maxLength', 1, maxLen), readLevel, writeLevel });
          }
          if (byKey.size > max) throw new BadInput(`at most ${max} ${what} fields`);
          return [...byKey.values()];
        };
        const settings = {
          groupFields: merge(current.groupFields, body['groupFields'], 512, 10, 'group'),
          memberFields: merge(current.memberFields, body['memberFields'], 64, 5, 'member'),
          maxMembersWork: body['maxMembersWork'] === undefined ? current.maxMembersWork : int(body, 'maxMembersWork', 0, 100_000),
          maxMembersPublic: body['maxMembersPublic'] === undefined ? current.maxMembersPublic : int(body, 'maxMembersPublic', 0, 100_000),
          maxMembersMeeting: body['maxMembersMeeting'] === undefined ? current.maxMembersMeeting : int(body, 'maxMembersMeeting', 0, 100_000),
        };
        const r = await group.setAppSettings({ sdkAppId, settings });
        return send(res, 200, { groupSettings: r.settings });
      }
      case '/rest': {
        const command = String(body['command'] ?? '');
        if (!REST_COMMANDS.has(command)) throw new BadInput(`the console does not send ${command || '(no command)'}`);
        return send(res, 200, await rest(sdkAppId, command, body['body']));
      }
      case '/usersig': {
        const user = userId(body, 'user');
        const expireSeconds = body['expireSeconds'] === undefined ? 86_400 * 180 : int(body, 'expireSeconds', 60, 86_400 * 3650);
        const r = await auth().genUserSig({ sdkAppId, identifier: user, expireSeconds });
        return send(res, 200, { userSig: r.userSig, expireSeconds });
      }
    }
    return send(res, 404, { error: 'not found' });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    if (!path.startsWith('/api/')) {
      if (req.method !== 'GET') return send(res, 405, { error: 'GET only' });
      const rel = path === '/' ? 'index.html' : decodeURIComponent(path.slice(1));
      const file = normalize(join(publicDir, rel));
      if (!file.startsWith(publicDir + sep)) return send(res, 403, { error: 'outside the served folder' });
      try {
        const content = await readFile(file);
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
          'x-frame-options': 'DENY',
          'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        });
        return res.end(content);
      } catch {
        return send(res, 404, { error: 'not found' });
      }
    }
    // CSRF: the cookie is SameSite=Strict, and every state-changing call must carry a custom
    // header (a cross-site form cannot set it; a cross-site fetch needs a preflight we never grant)
    // and, when the browser sends one, a same-origin Origin.
    if (req.method !== 'GET') {
      if (req.headers['x-meridian-console'] !== '1') return send(res, 403, { error: 'missing X-Meridian-Console header' });
      const origin = req.headers.origin;
      if (origin && origin !== `http://${req.headers.host}`) return send(res, 403, { error: 'cross-origin request refused' });
    }
    const body = req.method === 'POST' ? await readJson(req) : {};
    if (path === '/api/login' && req.method === 'POST') {
      const user = String(body['user'] ?? '');
      const password = String(body['password'] ?? '');
      const from = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], proxies);
      const wait = throttle.waitMs(user, from);
      if (wait > 0) {
        const s = Math.ceil(wait / 1000);
        return send(res, 429, { error: `too many failed sign-ins for ${user || 'this user'}: try again in ${s} s` }, { 'retry-after': String(s) });
      }
      if (!user || !password || !(await store.checkPassword(user, password))) {
        throttle.failed(user, from);
        return send(res, 401, { error: 'wrong user or password' });
      }
      throttle.succeeded(user, from);
      const token = await store.createSession(user);
      const maxAge = Math.floor((opts.sessionLimits ?? DEFAULT_SESSION_LIMITS).absoluteMs / 1000);
      return send(res, 200, { user }, { 'set-cookie': setCookie(token, maxAge) });
    }
    const token = cookieOf(req);
    const user = token ? await store.touchSession(token) : undefined;
    if (path === '/api/logout' && req.method === 'POST') {
      if (token) await store.endSession(token);
      return send(res, 200, { ok: true }, { 'set-cookie': setCookie('', 0) });
    }
    if (!user) return send(res, 401, { error: 'sign in first (or your session expired)' });
    if (path === '/api/session') return send(res, 200, { user, regions: platform.regions });
    return api(req, res, path, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof BadInput) return send(res, 400, { error: err.message });
      if (MeridianError.is(err)) return send(res, 400, { error: `${err.message} (${err.code})` });
      return send(res, 500, { error: `internal error: ${(err as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    initialPassword,
    store,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      clients.onModuleDestroy();
      await store.close();
    },
  };
}

/** POSTs a Tencent-shaped State.StateChange test body to the app's callback URL (signed when a token is set). */
async function testCallback(app: authV1.App): Promise<Json> {
  const cb = app.callback;
  if (!cb?.url) throw new BadInput('set a callback URL first');
  const url = new URL(cb.url);
  const q = url.searchParams;
  q.set('SdkAppid', String(app.sdkAppId));
  q.set('CallbackCommand', 'State.StateChange');
  q.set('contenttype', 'json');
  q.set('ClientIP', '127.0.0.1');
  q.set('OptPlatform', 'RESTAPI');
  if (cb.token) {
    const t = Math.floor(Date.now() / 1000);
    q.set('RequestTime', String(t));
    q.set('Sign', createHash('sha256').update(`${cb.token}${t}`).digest('hex'));
  }
  const body = {
    CallbackCommand: 'State.StateChange',
    EventTime: Date.now(),
    Info: { Action: 'Login', To_Account: 'console_test_user', Reason: 'Register' },
    KickedDevice: [],
  };
  const started = Date.now();
  const timeoutMs = cb.timeoutMs || 2000;
  try {
    // The same policy as the callback service: no private targets unless the app allows them
    // (literal or resolved, checked again on the address the socket connects to), no redirects.
    await checkCallbackTarget(url, app.allowPrivateCallbackTargets);
    const r = await postOnce(url, JSON.stringify(body), app.allowPrivateCallbackTargets, timeoutMs);
    const redirect = r.status >= 300 && r.status < 400;
    return {
      ok: r.status >= 200 && r.status < 300,
      status: r.status,
      ms: Date.now() - started,
      response: r.text,
      ...(redirect ? { error: `answered HTTP ${r.status} redirect${r.location ? ` to ${r.location}` : ''}: redirects are not followed (set the final URL)` } : {}),
      sent: body,
      signed: !!cb.token,
    };
  } catch (err) {
    const e = err as Error;
    const error = e instanceof CallbackTargetError || (e as NodeJS.ErrnoException).code === 'EPRIVATETARGET' ? `refused: ${e.message}` : describeNetworkError(e, url, timeoutMs);
    return { ok: false, status: 0, ms: Date.now() - started, error, sent: body, signed: !!cb.token };
  }
}

/** One POST, never following a redirect; resolves with the status, Location and the first 2000 characters of the answer. */
function postOnce(url: URL, payload: string, allowPrivate: boolean, timeoutMs: number): Promise<{ status: number; location?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const r = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(allowPrivate),
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), 'x-meridian-console-test': '1' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 2000) text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text: text.slice(0, 2000) }));
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => r.destroy(new Error('timeout')), timeoutMs);
    r.on('close', () => clearTimeout(timer));
    r.on('error', reject);
    r.end(payload);
  });
}

function appView(a: authV1.App): Json {
  return {
    sdkAppId: a.sdkAppId,
    name: a.name,
    homeRegion: a.homeRegion,
    status: a.status === authV1.AppStatus.APP_STATUS_DISABLED ? 'disabled' : 'active',
    admins: a.admins,
    policy: String(a.multiDevicePolicy).replace('MULTI_DEVICE_POLICY_', '').toLowerCase(),
    maxPerPlatform: a.maxPerPlatform,
    maxWeb: a.maxWeb,
    keyVersion: a.keyVersion,
    roamingDays: a.roamingDays,
    recallWindowS: a.recallWindowS,
    allowPrivateCallbackTargets: a.allowPrivateCallbackTargets,
    restCommandQps: a.restCommandQps,
    restAppQps: a.restAppQps,
    callback: {
      url: a.callback?.url ?? '',
      commands: a.callback?.commands ?? [],
      timeoutMs: a.callback?.timeoutMs || 2000,
      failurePolicy: a.callback?.failurePolicy === authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK ? 'block' : 'deliver',
    },
    createdAt: new Date(Number(a.createdAtMs)).toISOString(),
  };
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 256 * 1024) throw new BadInput('request body over 256 KB');
    chunks.push(c as Buffer);
  }
  if (!size) return {};
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error();
    return v as Json;
  } catch {
    throw new BadInput('the request body is not a JSON object');
  }
}
