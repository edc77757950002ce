/**
 * meridian: the operator CLI. Its commands and flags are in help.ts (`meridian --help`,
 * `meridian app --help`, `meridian app create --help`).
 *
 * Without --key/--public-key, usersig commands ask the app's home region (the key never leaves it).
 * Talks gRPC to the services of --region (default: MERIDIAN_REGION or the topology's first);
 * `app list` asks every region. Add --json for machine-readable output.
 */
import { parseArgs } from 'node:util';
import { GrpcClients, Metrics, Topology, defaultTopologyPath, loadPlatformConfig, type PromiseClient } from '@meridian/platform';
import { MeridianError, parseSdkAppId } from '@meridian/contracts';
import { authV1, type callbackV1, type groupV1, type pushV1 } from '@meridian/proto';
import { CALLBACK_COMMANDS } from '@meridian/contracts';
import { UserSigError, genUserSig, verifyUserSig } from '@meridian/usersig';
import { InputFileError, readInputFile } from './files';
import { areaHelp, commandHelp, findCommand, overview } from './help';

type Auth = PromiseClient<authV1.AuthServiceClient>;

const out = (text: string) => process.stdout.write(`${text}\n`);

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    // parseArgs refuses unknown flags and missing values with a TypeError: a sentence, not a stack.
    process.stderr.write(`${(err as Error).message}\n\n${helpFor(argv.filter((a) => !a.startsWith('-')))}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [area, action, idArg] = positionals;
  if (area === 'help') {
    out(helpFor(positionals.slice(1)));
    return 0;
  }
  if (values.help || !area) {
    out(helpFor(positionals));
    return area || values.help ? 0 : 2;
  }
  const command = findCommand(area, action);
  const usageOf = () => (command ? commandHelp(command) : helpFor(positionals));

  let clients: GrpcClients | undefined;
  const auth = (): Auth => {
    if (!clients) {
      const env = { ...process.env };
      if (values.region) env['MERIDIAN_REGION'] = values.region;
      if (!env['MERIDIAN_REGION']) env['MERIDIAN_REGION'] = Topology.load(env['MERIDIAN_TOPOLOGY'] ?? defaultTopologyPath()).regionNames()[0];
      const config = loadPlatformConfig('gateway', env, { grpcIdentity: 'operator' });
      clients = new GrpcClients(config, new Metrics(config));
    }
    return clients.service<authV1.AuthServiceClient>('auth');
  };
  const print = (value: unknown, human: () => string) => out(values.json ? JSON.stringify(value, null, 2) : human());
  const id = () => {
    const n = parseSdkAppId(idArg ?? values.sdkappid);
    if (n === undefined) throw new UsageError('an SDKAppID (unsigned 32-bit integer) is required');
    return n;
  };

  try {
    if (area === 'app') {
      switch (action) {
        case 'create': {
          if (!values.name) throw new UsageError('--name is required');
          const res = await auth().createApp({
            name: values.name,
            homeRegion: values.home ?? '',
            sdkAppId: values.sdkappid ? id() : 0,
            admins: values.admin ?? [],
            multiDevicePolicy: policyOf(values.policy ?? 'single'),
            ecdsaPublicKey: values['ecdsa-public-key'] ? readInputFile('--ecdsa-public-key', values['ecdsa-public-key'], 'a PEM public key') : '',
            secretKey: '',
            ifNotExists: values['if-not-exists'],
            allowPrivateCallbackTargets: false,
          });
          print(res, () => `${res.created ? 'created' : 'exists'}:\n${describeApp(res.app!)}`);
          return 0;
        }
        case 'list': {
          // Each region's auth answers for the apps it holds; an app is counted in its home region.
          auth();
          const regions = Topology.load(process.env['MERIDIAN_TOPOLOGY'] ?? defaultTopologyPath()).regionNames();
          if (values.home !== undefined && !regions.includes(values.home)) throw new UsageError(`--home: no region ${values.home} (regions: ${regions.join(', ')})`);
          const asked = values.home ? [values.home] : regions;
          const answers = await Promise.all(
            asked.map((r) =>
              clients!
                .service<authV1.AuthServiceClient>('auth', r)
                .listApps({})
                .then(
                  (l) => ({ region: r, apps: l.apps.filter((a) => a.homeRegion === r), error: '' }),
                  (err: Error) => ({ region: r, apps: [] as authV1.App[], error: err.message }),
                ),
            ),
          );
          const apps = answers.flatMap((a) => a.apps).sort((x, y) => x.sdkAppId - y.sdkAppId);
          const failed = answers.filter((a) => a.error);
          for (const f of failed) process.stderr.write(`${f.region} did not answer, so its apps are missing from this list: ${f.error}\n`);
          print(apps, () =>
            apps.length
              ? ['SDKAppID\thome region\tstatus\tname', ...apps.map((a) => `${a.sdkAppId}\t${a.homeRegion}\t${statusOf(a.status)}\t${a.name}`)].join('\n')
              : `(no apps in ${asked.join(', ')})`,
          );
          return failed.length ? 1 : 0;
        }
        case 'show': {
          const res = await auth().getApp({ sdkAppId: id(), revealSecrets: values.reveal, revealCallbackToken: false });
          print(res.app, () => describeApp(res.app!));
          return 0;
        }
        case 'delete': {
          const sdkAppId = id();
          if (!values.yes) {
            if (!process.stdin.isTTY) throw new UsageError('deleting an app cannot be undone: add --yes to delete it without being asked');
            const typed = await ask(`Delete app ${sdkAppId} and all of its data (messages, groups, relationships, media)? This cannot be undone.\nType its SDKAppID to confirm: `);
            if (typed.trim() !== String(sdkAppId)) {
              process.stderr.write('not confirmed: nothing was deleted\n');
              return 1;
            }
          }
          let d = (await auth().deleteApp({ sdkAppId })).deletion!;
          if (!values.json) out(`app ${sdkAppId} (${d.name}) deleted: its UserSigs, logins and REST calls are refused from now on (70020); purging its data in ${d.homeRegion}…`);
          // Progress until every service has purged, or --wait seconds (default 60; 0 = do not wait).
          const waitS = values.wait === undefined ? 60 : Number(values.wait);
          if (!Number.isInteger(waitS) || waitS < 0) throw new UsageError('--wait is a whole number of seconds');
          const home = clients!.service<authV1.AuthServiceClient>('auth', d.homeRegion);
          let shown = '';
          for (const deadline = Date.now() + waitS * 1000; ; ) {
            const line = describePurge(d);
            if (!values.json && line !== shown) out(`  ${(shown = line)}`);
            if (d.complete || Date.now() >= deadline) break;
            await new Promise((r) => setTimeout(r, 500));
            d = (await home.getAppDeletion({ sdkAppId, localOnly: true })).deletion!;
          }
          if (values.json) out(JSON.stringify(d, null, 2));
          else out(d.complete ? 'purge complete' : `purge still running: see \`meridian app deletion ${sdkAppId}\``);
          return d.complete ? 0 : 1;
        }
        case 'deletion': {
          const res = await auth().getAppDeletion({ sdkAppId: id(), localOnly: false });
          print(res.deletion, () => `app ${res.deletion!.sdkAppId} (${res.deletion!.name}), deleted ${new Date(Number(res.deletion!.requestedAtMs)).toISOString()} in ${res.deletion!.homeRegion}:\n  ${describePurge(res.deletion!)}`);
          return 0;
        }
        case 'rotate-key': {
          const res = await auth().rotateAppKey({ sdkAppId: id() });
          print(res.app, () => `key rotated:\n${describeApp(res.app!)}`);
          return 0;
        }
        case 'disable':
        case 'enable': {
          const status = action === 'disable' ? authV1.AppStatus.APP_STATUS_DISABLED : authV1.AppStatus.APP_STATUS_ACTIVE;
          const res = await auth().setAppStatus({ sdkAppId: id(), status });
          print(res.app, () => describeApp(res.app!));
          return 0;
        }
        case 'set': {
          const key = values['ecdsa-public-key'];
          const callback = await callbackPatch(auth(), id(), values);
          const privateTargets = values['private-callback-targets'];
          if (privateTargets !== undefined && privateTargets !== 'allow' && privateTargets !== 'deny') throw new UsageError('--private-callback-targets is allow or deny');
          const recallWindow = values['recall-window'];
          if (recallWindow !== undefined && !/^\d+$/.test(recallWindow)) throw new UsageError('--recall-window is a whole number of seconds (0 = default, 120)');
          const res = await auth().updateApp({
            sdkAppId: id(),
            hasName: values.name !== undefined,
            name: values.name ?? '',
            hasAdmins: values.admin !== undefined,
            admins: values.admin ?? [],
            hasMultiDevice: values.policy !== undefined,
            multiDevicePolicy: policyOf(values.policy ?? 'single'),
            maxPerPlatform: Number(values['max-per-platform'] ?? 1),
            maxWeb: Number(values['max-web'] ?? 1),
            hasEcdsaPublicKey: key !== undefined,
            ecdsaPublicKey: key && key !== 'none' ? readInputFile('--ecdsa-public-key', key, 'a PEM public key') : '',
            hasCallback: callback !== undefined,
            callback,
            hasRestLimits: values['rest-qps'] !== undefined || values['rest-app-qps'] !== undefined,
            restCommandQps: Number(values['rest-qps'] ?? 0),
            restAppQps: Number(values['rest-app-qps'] ?? 0),
            hasRoaming: values['roaming-days'] !== undefined,
            roamingDays: Number(values['roaming-days'] ?? 0),
            hasPrivateCallbackTargets: privateTargets !== undefined,
            allowPrivateCallbackTargets: privateTargets === 'allow',
            hasRecallWindow: recallWindow !== undefined,
            recallWindowS: Number(recallWindow ?? 0),
          });
          print(res.app, () => describeApp(res.app!));
          return 0;
        }
      }
    }
    if (area === 'callback' && action === 'replay') {
      // Dead-lettered after-callbacks go back into the retry queue of the app's home region.
      const sdkAppId = parseSdkAppId(values.app ?? idArg);
      if (sdkAppId === undefined) throw new UsageError('--app ID is required');
      const home = (await auth().locateApp({ sdkAppId, localOnly: false })).homeRegion;
      if (!home) throw new MeridianError(70020, 'SDKAppID not found');
      const res = await clients!.service<callbackV1.CallbackServiceClient>('callback', home).replayDeadLetters({ sdkAppId, limit: Number(values.limit ?? 0) });
      print(res, () => `${res.replayed} dead-lettered callback(s) of ${sdkAppId} queued for delivery`);
      return 0;
    }
    if (area === 'group' && action === 'settings') {
      // Declared custom group/member fields (added to those declared already) and member limits.
      const sdkAppId = id();
      const home = (await auth().locateApp({ sdkAppId, localOnly: false })).homeRegion;
      if (!home) throw new MeridianError(70020, 'SDKAppID not found');
      const group = clients!.service<groupV1.GroupServiceClient>('group', home);
      const current = (await group.getAppSettings({ sdkAppId })).settings!;
      const parseField = (spec: string): groupV1.GroupField => {
        const [key, maxLength, readLevel, writeLevel] = spec.split(':');
        if (!key || !maxLength || !readLevel || !writeLevel) throw new UsageError(`field ${spec}: KEY:MAXLEN:READ:WRITE`);
        return { key, maxLength: Number(maxLength), readLevel, writeLevel };
      };
      const merge = (have: groupV1.GroupField[], add: string[] | undefined) => {
        const byKey = new Map(have.map((f) => [f.key, f]));
        for (const f of (add ?? []).map(parseField)) byKey.set(f.key, f);
        return [...byKey.values()];
      };
      const limits = Object.fromEntries((values['max-members'] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
      const changed = values['group-field'] || values['member-field'] || values['max-members'];
      const settings = changed
        ? (
            await group.setAppSettings({
              sdkAppId,
              settings: {
                groupFields: merge(current.groupFields, values['group-field']),
                memberFields: merge(current.memberFields, values['member-field']),
                maxMembersWork: Number(limits['Work'] ?? current.maxMembersWork),
                maxMembersPublic: Number(limits['Public'] ?? current.maxMembersPublic),
                maxMembersMeeting: Number(limits['Meeting'] ?? current.maxMembersMeeting),
              },
            })
          ).settings!
        : current;
      const fields = (fs: groupV1.GroupField[]) => fs.map((f) => `${f.key} (≤${f.maxLength} B, read ${f.readLevel}, write ${f.writeLevel})`).join(', ') || 'none';
      print(settings, () =>
        [
          `Group fields   ${fields(settings.groupFields)}`,
          `Member fields  ${fields(settings.memberFields)}`,
          `Member limits  Work ${settings.maxMembersWork || 'default'}, Public ${settings.maxMembersPublic || 'default'}, Meeting ${settings.maxMembersMeeting || 'default'}`,
        ].join('\n'),
      );
      return 0;
    }
    if (area === 'push' && action === 'provider') {
      // Offline push credentials of an app: APNs (.p8 token auth), FCM (service account) or a webhook.
      if (!values.kind) throw new UsageError('--kind apns|fcm|webhook is required');
      if (!values.remove && !values.config) throw new UsageError('--config FILE.json (or --remove) is required');
      const config = values.remove ? '' : readInputFile('--config', values.config!, 'the provider settings (JSON)');
      const sdkAppId = id();
      const home = (await auth().locateApp({ sdkAppId, localOnly: false })).homeRegion;
      if (!home) throw new MeridianError(70020, 'SDKAppID not found');
      await clients!.service<pushV1.PushServiceClient>('push', home).setProviderConfig({ sdkAppId, provider: values.kind, config: Buffer.from(config) });
      print({ ok: true }, () => `${values.kind} ${values.remove ? 'removed' : 'configured'} for ${sdkAppId}`);
      return 0;
    }
    if (area === 'usersig') {
      if (!values.user) throw new UsageError('--user is required');
      const sdkAppId = id();
      if (action === 'gen') {
        const expire = Number(values.expire ?? 15_552_000);
        if (values.key) {
          print({ userSig: genUserSig({ sdkAppId, key: values.key, identifier: values.user, expireSeconds: expire }) }, () =>
            genUserSig({ sdkAppId, key: values.key!, identifier: values.user!, expireSeconds: expire }),
          );
        } else {
          const res = await auth().genUserSig({ sdkAppId, identifier: values.user, expireSeconds: expire });
          print(res, () => res.userSig);
        }
        return 0;
      }
      if (action === 'verify') {
        if (!values.sig) throw new UsageError('--sig is required');
        if (values.key || values['public-key']) {
          const pem = values['public-key'] ? readInputFile('--public-key', values['public-key'], 'a PEM public key') : undefined;
          const claims = verifyUserSig(values.sig, { sdkAppId, identifier: values.user }, { hmacKey: values.key, ecdsaPublicKeyPem: pem });
          print({ ok: true, ...claims, userbuf: claims.userbuf?.toString('base64') }, () => `valid ${claims.version} UserSig, expires ${new Date(claims.expiresAt * 1000).toISOString()}`);
        } else {
          const res = await auth().verifyUserSig({ sdkAppId, identifier: values.user, userSig: values.sig, requireAdmin: false, adminErrorCode: 0, clientIp: '' });
          print({ ok: true, ...res }, () => `valid ${res.version} UserSig, expires ${new Date(Number(res.expiresAt) * 1000).toISOString()}${res.isAdmin ? ' (app admin)' : ''}`);
        }
        return 0;
      }
    }
    throw new UsageError(`unknown command: meridian ${positionals.join(' ')}`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${usageOf()}\n`);
      return 2;
    }
    if (err instanceof InputFileError) {
      print({ ok: false, error: err.message }, () => err.message);
      return 2;
    }
    if (err instanceof UserSigError || MeridianError.is(err)) {
      print({ ok: false, code: err.code, error: err.message }, () => `error ${err.code}: ${err.message}`);
      return 1;
    }
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  } finally {
    clients?.onModuleDestroy();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      name: { type: 'string' },
      home: { type: 'string' },
      sdkappid: { type: 'string' },
      admin: { type: 'string', multiple: true },
      policy: { type: 'string' },
      'max-per-platform': { type: 'string' },
      'max-web': { type: 'string' },
      'ecdsa-public-key': { type: 'string' },
      'if-not-exists': { type: 'boolean', default: false },
      'rest-qps': { type: 'string' },
      'roaming-days': { type: 'string' },
      'recall-window': { type: 'string' },
      'rest-app-qps': { type: 'string' },
      reveal: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      wait: { type: 'string' },
      user: { type: 'string' },
      expire: { type: 'string' },
      key: { type: 'string' },
      'public-key': { type: 'string' },
      sig: { type: 'string' },
      kind: { type: 'string' },
      config: { type: 'string' },
      remove: { type: 'boolean', default: false },
      'callback-url': { type: 'string' },
      'callback-commands': { type: 'string' },
      'callback-token': { type: 'string' },
      'callback-timeout-ms': { type: 'string' },
      'callback-policy': { type: 'string' },
      'private-callback-targets': { type: 'string' },
      app: { type: 'string' },
      limit: { type: 'string' },
      'group-field': { type: 'string', multiple: true },
      'member-field': { type: 'string', multiple: true },
      'max-members': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** Help for what was typed: one command, one area, or everything. */
function helpFor(words: string[]): string {
  const [area, action] = words;
  const command = findCommand(area, action);
  if (command) return commandHelp(command);
  return (area && areaHelp(area)) || overview();
}

function policyOf(name: string): authV1.MultiDevicePolicy {
  const map: Record<string, authV1.MultiDevicePolicy> = {
    single: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_SINGLE,
    dual: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_DUAL,
    triple: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_TRIPLE,
    multi: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_MULTI,
  };
  const p = map[name];
  if (!p) throw new UsageError(`--policy must be one of ${Object.keys(map).join(', ')}`);
  return p;
}

function statusOf(s: authV1.AppStatus): string {
  return s === authV1.AppStatus.APP_STATUS_ACTIVE ? 'active' : s === authV1.AppStatus.APP_STATUS_DISABLED ? 'disabled' : 'unknown';
}

function describePurge(d: authV1.AppDeletion): string {
  const done = d.services.filter((s) => s.done);
  return `purged by ${done.length}/${d.services.length} services: ${d.services.map((s) => (s.done ? `${s.service} ${s.removed}` : `${s.service} …`)).join(', ')}`;
}

/** One line from the terminal (the confirmation of a deletion). */
function ask(question: string): Promise<string> {
  process.stdout.write(question);
  return new Promise((resolve) => {
    process.stdin.setEncoding('utf8');
    process.stdin.once('data', (chunk: string) => {
      process.stdin.pause();
      resolve(chunk.split('\n')[0] ?? '');
    });
  });
}

function describeApp(a: authV1.App): string {
  return [
    `  SDKAppID      ${a.sdkAppId}`,
    `  name          ${a.name}`,
    `  home region   ${a.homeRegion}`,
    `  status        ${statusOf(a.status)}`,
    `  admins        ${a.admins.join(', ')}`,
    `  multi-device  ${a.multiDevicePolicy.replace('MULTI_DEVICE_POLICY_', '').toLowerCase()} (per platform ${a.maxPerPlatform}, web ${a.maxWeb})`,
    `  key version   ${a.keyVersion}`,
    `  secret key    ${a.secretKey || '(hidden; show --reveal)'}`,
    `  ECDSA key     ${a.ecdsaPublicKey ? 'configured' : 'none'}`,
    `  REST limits   ${a.restCommandQps || 'default'}/s per command, ${a.restAppQps || 'default'}/s per app`,
    `  Roaming       ${a.roamingDays ? `${a.roamingDays} days` : 'default (7 days)'}`,
    `  Recall window ${a.recallWindowS ? `${a.recallWindowS} s` : 'default (120 s)'}`,
    `  Callbacks     ${
      a.callback?.url
        ? `${a.callback.url}, ${a.callback.commands.length} command(s), timeout ${a.callback.timeoutMs} ms, ${a.callback.failurePolicy === authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK ? 'block' : 'deliver'} on failure, token ${a.callback.token || (a.secretKey ? 'none' : '(hidden; show --reveal)')}`
        : 'none'
    }`,
    `  Private callback targets ${a.allowPrivateCallbackTargets ? 'allowed' : 'denied'}`,
  ].join('\n');
}


type CliValues = Record<string, string | boolean | string[] | undefined>;

/**
 * The app's callback settings with the --callback-* flags applied, or undefined when none is
 * given. UpdateApp replaces the settings as a whole, so the current ones (token included) are read first.
 */
async function callbackPatch(auth: Auth, sdkAppId: number, values: CliValues): Promise<authV1.CallbackSettings | undefined> {
  const flag = (name: string) => values[`callback-${name}`] as string | undefined;
  if (['url', 'commands', 'token', 'timeout-ms', 'policy'].every((n) => flag(n) === undefined)) return undefined;
  const current = (await auth.getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: true })).app?.callback;
  const url = flag('url');
  const commands = flag('commands');
  const token = flag('token');
  const policy = flag('policy');
  if (policy !== undefined && policy !== 'deliver' && policy !== 'block') throw new UsageError('--callback-policy is deliver or block');
  const timeout = flag('timeout-ms');
  if (timeout !== undefined && !/^\d+$/.test(timeout)) throw new UsageError('--callback-timeout-ms is a number of milliseconds');
  return {
    url: url === undefined ? (current?.url ?? '') : url === 'none' ? '' : url,
    commands:
      commands === undefined
        ? (current?.commands ?? [])
        : commands === 'none'
          ? []
          : commands === 'all'
            ? [...CALLBACK_COMMANDS]
            : commands.split(',').map((c) => c.trim()).filter(Boolean),
    token: token === undefined ? (current?.token ?? '') : token === 'none' ? '' : token,
    timeoutMs: timeout === undefined ? current?.timeoutMs || 2000 : Number(timeout),
    failurePolicy:
      (policy ?? (current?.failurePolicy === authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK ? 'block' : 'deliver')) === 'block'
        ? authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK
        : authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_DELIVER,
  };
}
