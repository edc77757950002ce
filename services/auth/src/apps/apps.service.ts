import { createPublicKey, randomBytes, randomInt } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CALLBACK_COMMANDS, ErrorCode, MeridianError, TOPICS, isValidSdkAppId, isValidUserId } from '@meridian/contracts';
import { authV1 } from '@meridian/proto';
import { CallbackTargetError, EventBus, GrpcClients, PLATFORM_CONFIG, checkCallbackTarget, type PlatformConfig, type PromiseClient } from '@meridian/platform';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import type { CallbackFailurePolicyName, MultiDevicePolicyName } from './app.schema';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AppsRepository, type AppRecord } from './apps.repository';
import { AppDeletionsRepository } from './app-deletions.repository';

type AuthClient = authV1.AuthServiceClient;

export const MAX_ADMINS = 10;
const SDKAPPID_RANGE = { min: 1_400_000_000, max: 1_499_999_999 };
const EC_CURVES = new Set(['secp256k1', 'prime256v1']);
/** Recall window bounds in seconds (0 = the platform default, Tencent's 2 minutes). */
export const MAX_RECALL_WINDOW_S = 30 * 86_400;

export interface CreateAppInput {
  name: string;
  homeRegion?: string;
  sdkAppId?: number;
  admins?: string[];
  multiDevicePolicy?: MultiDevicePolicyName;
  ecdsaPublicKey?: string;
  secretKey?: string;
  ifNotExists?: boolean;
  allowPrivateCallbackTargets?: boolean;
}

export interface AppPatch {
  name?: string;
  admins?: string[];
  multiDevice?: { policy: MultiDevicePolicyName; maxPerPlatform: number; maxWeb: number };
  ecdsaPublicKey?: string;
  callback?: { url: string; commands: string[]; token: string; timeoutMs: number; failurePolicy: CallbackFailurePolicyName };
  restLimits?: { commandQps: number; appQps: number };
  roamingDays?: number;
  recallWindowS?: number;
  allowPrivateCallbackTargets?: boolean;
}

export interface Location {
  found: boolean;
  homeRegion: string;
  status: AppRecord['status'] | undefined;
}

/**
 * Apps: creation, configuration, key rotation, status. An app is written only in its home region;
 * calls made elsewhere are forwarded there. A short-lived cache serves the hot path (UserSig
 * verification). Every change is announced as an AppChangedEvent: each auth instance drops its
 * copy on it (the cache TTL is the bound when events cannot flow), and so do chat's and group's
 * app settings.
 */
@Injectable()
export class AppsService implements OnModuleInit {
  private readonly logger = new Logger(AppsService.name);
  private readonly cache = new Map<number, { app: AppRecord | null; until: number }>();
  private readonly locations = new Map<number, { location: Location; until: number }>();

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(AppsRepository) private readonly repo: AppsRepository,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(AppDeletionsRepository) private readonly deletions: AppDeletionsRepository,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'apps-cache',
      topics: [TOPICS.appChanges],
      perInstance: true,
      handler: async ({ envelope }) => {
        if (envelope.appChanged) this.forget(envelope.sdkAppId);
      },
    });
  }

  get region(): string {
    return this.platform.region;
  }

  /** Another region's auth service. */
  authIn(region: string): PromiseClient<AuthClient> {
    return this.clients.service<AuthClient>('auth', region);
  }

  /** The home-region auth service, when the app lives elsewhere; undefined when it lives here. */
  async remoteHome(sdkAppId: number): Promise<PromiseClient<AuthClient> | undefined> {
    const where = await this.locate(sdkAppId, false);
    if (!where.found) throw new MeridianError(ErrorCode.APP_NOT_FOUND);
    if (where.homeRegion === this.region) return undefined;
    return this.clients.service<AuthClient>('auth', where.homeRegion);
  }

  async create(input: CreateAppInput): Promise<{ app: AppRecord; created: boolean }> {
    const homeRegion = input.homeRegion || this.region;
    if (!this.platform.topology.regionNames().includes(homeRegion)) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, `unknown home region ${homeRegion}`);
    }
    const name = input.name.trim();
    if (!name || Buffer.byteLength(name) > 64) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'name must be 1-64 bytes');
    const admins = validateAdmins(input.admins?.length ? input.admins : ['administrator']);
    if (input.sdkAppId !== undefined && input.sdkAppId !== 0 && !isValidSdkAppId(input.sdkAppId)) {
      throw new MeridianError(ErrorCode.SDKAPPID_INVALID, 'SDKAppID must be an unsigned 32-bit integer');
    }
    if (input.secretKey && !/^[0-9a-f]{64}$/.test(input.secretKey)) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'secret key must be 64 lowercase hex characters');
    }
    const ecdsaPublicKey = input.ecdsaPublicKey ? validateEcdsaKey(input.ecdsaPublicKey) : '';
    if (homeRegion !== this.region) {
      const remote = this.clients.service<AuthClient>('auth', homeRegion);
      const res = await remote.createApp({
        name,
        homeRegion,
        sdkAppId: input.sdkAppId ?? 0,
        admins,
        multiDevicePolicy: toProtoPolicy(input.multiDevicePolicy ?? 'single'),
        ecdsaPublicKey,
        secretKey: input.secretKey ?? '',
        ifNotExists: input.ifNotExists ?? false,
        allowPrivateCallbackTargets: input.allowPrivateCallbackTargets ?? false,
      });
      return { app: fromProtoApp(res.app!), created: res.created };
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const sdkAppId = input.sdkAppId || randomInt(SDKAPPID_RANGE.min, SDKAPPID_RANGE.max + 1);
      const existing = await this.locate(sdkAppId, false);
      if (existing.found) {
        if (input.sdkAppId) {
          if (input.ifNotExists && existing.homeRegion === this.region) {
            const app = await this.repo.find(sdkAppId);
            if (app) return { app, created: false };
          }
          throw new MeridianError(ErrorCode.INVALID_PARAMETER, `SDKAppID ${sdkAppId} exists already (home ${existing.homeRegion})`);
        }
        continue;
      }
      // A deleted app's SDKAppID is never given out again (its data may still be being purged).
      if (await this.deletions.find(sdkAppId)) {
        if (input.sdkAppId) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `SDKAppID ${sdkAppId} belonged to a deleted app`);
        continue;
      }
      const now = new Date();
      const app: AppRecord = {
        _id: sdkAppId,
        name,
        homeRegion,
        status: 'active',
        admins,
        multiDevicePolicy: input.multiDevicePolicy ?? 'single',
        maxPerPlatform: 1,
        maxWeb: 1,
        secretKey: input.secretKey || randomBytes(32).toString('hex'),
        keyVersion: 1,
        ecdsaPublicKey,
        callback: { url: '', commands: [], token: '', timeoutMs: 2000, failurePolicy: 'deliver' },
        restCommandQps: 0,
        restAppQps: 0,
        allowPrivateCallbackTargets: input.allowPrivateCallbackTargets ?? false,
        createdAt: now,
        updatedAt: now,
      };
      if (await this.repo.insert(app)) {
        this.forget(sdkAppId);
        await this.importAdmins(sdkAppId, admins);
        this.logger.log({ sdkAppId, homeRegion, admins: admins.length }, 'app created');
        return { app, created: true };
      }
      if (input.sdkAppId) {
        const raced = await this.repo.find(sdkAppId);
        if (input.ifNotExists && raced) return { app: raced, created: false };
        throw new MeridianError(ErrorCode.INVALID_PARAMETER, `SDKAppID ${sdkAppId} exists already`);
      }
    }
    throw new MeridianError(ErrorCode.INTERNAL, 'could not allocate a free SDKAppID');
  }

  /** The app from this region's store (home region only), through the short-lived cache. */
  async getLocal(sdkAppId: number): Promise<AppRecord | null> {
    const hit = this.cache.get(sdkAppId);
    if (hit && hit.until > Date.now()) return hit.app;
    const app = await this.repo.find(sdkAppId);
    this.cache.set(sdkAppId, { app, until: Date.now() + this.config.MERIDIAN_AUTH_APP_CACHE_TTL_MS });
    return app;
  }

  /** Like getLocal, but fails with Tencent's codes for a missing (70020) or disabled (60016) app. */
  async requireActive(sdkAppId: number): Promise<AppRecord> {
    const app = await this.getLocal(sdkAppId);
    if (!app) throw new MeridianError(ErrorCode.APP_NOT_FOUND);
    if (app.status !== 'active') throw new MeridianError(ErrorCode.SDKAPPID_DISABLED);
    return app;
  }

  async list(): Promise<AppRecord[]> {
    return this.repo.list();
  }

  async update(sdkAppId: number, patch: AppPatch): Promise<AppRecord> {
    const set: Partial<AppRecord> = {};
    if (patch.name !== undefined) {
      const name = patch.name.trim();
      if (!name || Buffer.byteLength(name) > 64) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'name must be 1-64 bytes');
      set.name = name;
    }
    if (patch.admins !== undefined) {
      set.admins = validateAdmins(patch.admins);
      await this.importAdmins(sdkAppId, set.admins);
    }
    if (patch.multiDevice) {
      const { policy, maxPerPlatform, maxWeb } = patch.multiDevice;
      if (!['single', 'dual', 'triple', 'multi'].includes(policy)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'unknown policy');
      if (maxPerPlatform < 1 || maxPerPlatform > 3 || maxWeb < 1 || maxWeb > 10) {
        throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'max per platform is 1-3 and max Web 1-10');
      }
      Object.assign(set, { multiDevicePolicy: policy, maxPerPlatform, maxWeb });
    }
    if (patch.ecdsaPublicKey !== undefined) set.ecdsaPublicKey = patch.ecdsaPublicKey ? validateEcdsaKey(patch.ecdsaPublicKey) : '';
    if (patch.callback) {
      const c = patch.callback;
      if (c.url && !validCallbackUrl(c.url)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'callback url must be an absolute http(s) URL with a host');
      if (c.timeoutMs < 100 || c.timeoutMs > 10_000) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'callback timeout is 100-10000 ms');
      const unknown = c.commands.filter((cmd) => !CALLBACK_COMMANDS.includes(cmd));
      if (unknown.length) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `unknown callback command(s): ${unknown.join(', ')}`);
      if (c.commands.length && !c.url) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'callback commands need a callback url');
      if (c.token.length > 256 || /\s/.test(c.token)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'callback token is at most 256 characters, no spaces');
      set.callback = c;
    }
    if (patch.allowPrivateCallbackTargets !== undefined) set.allowPrivateCallbackTargets = patch.allowPrivateCallbackTargets;
    if (patch.callback || patch.allowPrivateCallbackTargets === false) {
      // Checked when saved (and again by every sender when it connects: DNS can change): a new URL,
      // or the current one when private targets are switched off.
      const current = patch.callback && patch.allowPrivateCallbackTargets !== undefined ? undefined : await this.repo.find(sdkAppId);
      const url = patch.callback?.url ?? current?.callback.url ?? '';
      const allow = patch.allowPrivateCallbackTargets ?? current?.allowPrivateCallbackTargets ?? false;
      if (url) {
        try {
          await checkCallbackTarget(url, allow);
        } catch (err) {
          if (err instanceof CallbackTargetError) throw new MeridianError(ErrorCode.INVALID_PARAMETER, err.message);
          throw err;
        }
      }
    }
    if (patch.restLimits) {
      const { commandQps, appQps } = patch.restLimits;
      if (commandQps > 100_000 || appQps > 1_000_000) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'REST limits too high');
      Object.assign(set, { restCommandQps: commandQps, restAppQps: appQps });
    }
    if (patch.roamingDays !== undefined) {
      if (!Number.isInteger(patch.roamingDays) || patch.roamingDays < 0 || patch.roamingDays > 360) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'roaming is 1-360 days (0 = default)');
      set.roamingDays = patch.roamingDays;
    }
    if (patch.recallWindowS !== undefined) {
      const w = patch.recallWindowS;
      if (!Number.isInteger(w) || w < 0 || w > MAX_RECALL_WINDOW_S) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `recall window is 1-${MAX_RECALL_WINDOW_S} s (0 = default, 120 s)`);
      set.recallWindowS = w;
    }
    return this.mutate(sdkAppId, set, 'settings');
  }

  async rotateKey(sdkAppId: number): Promise<AppRecord> {
    const app = await this.repo.find(sdkAppId);
    if (!app) throw new MeridianError(ErrorCode.APP_NOT_FOUND);
    const rotated = await this.mutate(sdkAppId, { secretKey: randomBytes(32).toString('hex'), keyVersion: app.keyVersion + 1 }, 'key');
    this.logger.log({ sdkAppId, keyVersion: rotated.keyVersion }, 'app key rotated');
    return rotated;
  }

  async setStatus(sdkAppId: number, status: AppRecord['status']): Promise<AppRecord> {
    const app = await this.mutate(sdkAppId, { status }, 'status');
    this.logger.log({ sdkAppId, status }, 'app status changed');
    return app;
  }

  /**
   * Where an app lives. This region's store answers first; otherwise (unless localOnly) every
   * other region is asked. Answers are cached briefly, misses more briefly still.
   */
  async locate(sdkAppId: number, localOnly: boolean): Promise<Location> {
    const local = await this.getLocal(sdkAppId);
    if (local) return { found: true, homeRegion: local.homeRegion, status: local.status };
    if (localOnly) return { found: false, homeRegion: '', status: undefined };
    const hit = this.locations.get(sdkAppId);
    if (hit && hit.until > Date.now()) return hit.location;
    const others = this.platform.topology.regionNames().filter((r) => r !== this.region);
    const answers = await Promise.all(
      others.map(async (region) => {
        try {
          const client = this.clients.service<AuthClient>('auth', region);
          return await client.locateApp({ sdkAppId, localOnly: true });
        } catch (err) {
          this.logger.warn({ region, error: (err as Error).message }, 'region did not answer LocateApp');
          return undefined;
        }
      }),
    );
    const found = answers.find((a) => a?.found);
    const location: Location = found
      ? { found: true, homeRegion: found.homeRegion, status: fromProtoStatus(found.status) }
      : { found: false, homeRegion: '', status: undefined };
    // A region that failed to answer must not produce a cached "not found".
    if (found || answers.every((a) => a !== undefined)) {
      const ttl = found ? this.config.MERIDIAN_AUTH_LOCATE_CACHE_TTL_MS : Math.min(5000, this.config.MERIDIAN_AUTH_LOCATE_CACHE_TTL_MS);
      this.locations.set(sdkAppId, { location, until: Date.now() + ttl });
    }
    return location;
  }

  /** App admins are accounts too (they send messages as themselves, as in Tencent's console). */
  private async importAdmins(sdkAppId: number, admins: string[]): Promise<void> {
    for (const admin of admins) await this.accounts.ensure(sdkAppId, admin);
  }

  private async mutate(sdkAppId: number, set: Partial<AppRecord>, what: 'settings' | 'status' | 'key'): Promise<AppRecord> {
    const app = await this.repo.update(sdkAppId, set);
    this.forget(sdkAppId);
    if (!app) throw new MeridianError(ErrorCode.APP_NOT_FOUND);
    await this.bus.publish(TOPICS.appChanges, String(sdkAppId), { appChanged: { what } }, { sdkAppId });
    return app;
  }

  /** Drops the cached copy of a deleted app (its record is gone already). */
  forgetApp(sdkAppId: number): void {
    this.forget(sdkAppId);
  }

  private forget(sdkAppId: number): void {
    this.cache.delete(sdkAppId);
    this.locations.delete(sdkAppId);
  }
}

function validateAdmins(admins: string[]): string[] {
  const unique = [...new Set(admins)];
  if (unique.length < 1 || unique.length > MAX_ADMINS) {
    throw new MeridianError(ErrorCode.INVALID_PARAMETER, `an app has 1-${MAX_ADMINS} admins`);
  }
  const bad = unique.find((a) => !isValidUserId(a));
  if (bad !== undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `invalid admin identifier ${JSON.stringify(bad)}`);
  return unique;
}

function validateEcdsaKey(pem: string): string {
  try {
    const key = createPublicKey(pem);
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (key.asymmetricKeyType !== 'ec' || !curve || !EC_CURVES.has(curve)) {
      throw new Error(`curve ${curve ?? key.asymmetricKeyType} not supported`);
    }
    return pem.trim() + '\n';
  } catch (err) {
    throw new MeridianError(ErrorCode.INVALID_PARAMETER, `ECDSA public key must be a PEM EC key on secp256k1 or prime256v1: ${(err as Error).message}`);
  }
}

export function toProtoPolicy(p: MultiDevicePolicyName): authV1.MultiDevicePolicy {
  return {
    single: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_SINGLE,
    dual: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_DUAL,
    triple: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_TRIPLE,
    multi: authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_MULTI,
  }[p];
}

export function fromProtoPolicy(p: authV1.MultiDevicePolicy): MultiDevicePolicyName | undefined {
  switch (p) {
    case authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_SINGLE:
      return 'single';
    case authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_DUAL:
      return 'dual';
    case authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_TRIPLE:
      return 'triple';
    case authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_MULTI:
      return 'multi';
    default:
      return undefined;
  }
}

export function toProtoStatus(s: AppRecord['status']): authV1.AppStatus {
  return s === 'active' ? authV1.AppStatus.APP_STATUS_ACTIVE : authV1.AppStatus.APP_STATUS_DISABLED;
}

function fromProtoStatus(s: authV1.AppStatus): AppRecord['status'] | undefined {
  if (s === authV1.AppStatus.APP_STATUS_ACTIVE) return 'active';
  if (s === authV1.AppStatus.APP_STATUS_DISABLED) return 'disabled';
  return undefined;
}

/** `reveal`: the secret key (and token); `revealToken`: the callback token alone. */
export function toProtoApp(app: AppRecord, reveal: boolean, revealToken = reveal): authV1.App {
  return {
    sdkAppId: app._id,
    name: app.name,
    homeRegion: app.homeRegion,
    status: toProtoStatus(app.status),
    admins: app.admins,
    multiDevicePolicy: toProtoPolicy(app.multiDevicePolicy),
    maxPerPlatform: app.maxPerPlatform,
    maxWeb: app.maxWeb,
    secretKey: reveal ? app.secretKey : '',
    keyVersion: app.keyVersion,
    ecdsaPublicKey: app.ecdsaPublicKey,
    callback: {
      url: app.callback.url,
      commands: app.callback.commands,
      token: revealToken ? app.callback.token : '',
      timeoutMs: app.callback.timeoutMs,
      failurePolicy:
        app.callback.failurePolicy === 'block'
          ? authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK
          : authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_DELIVER,
    },
    createdAtMs: String(app.createdAt.getTime()),
    updatedAtMs: String(app.updatedAt.getTime()),
    restCommandQps: app.restCommandQps ?? 0,
    restAppQps: app.restAppQps ?? 0,
    roamingDays: app.roamingDays ?? 0,
    recallWindowS: app.recallWindowS ?? 0,
    allowPrivateCallbackTargets: app.allowPrivateCallbackTargets ?? false,
  };
}

export function fromProtoApp(app: authV1.App): AppRecord {
  return {
    _id: app.sdkAppId,
    name: app.name,
    homeRegion: app.homeRegion,
    status: fromProtoStatus(app.status) ?? 'active',
    admins: app.admins,
    multiDevicePolicy: fromProtoPolicy(app.multiDevicePolicy) ?? 'single',
    maxPerPlatform: app.maxPerPlatform,
    maxWeb: app.maxWeb,
    secretKey: app.secretKey,
    keyVersion: app.keyVersion,
    ecdsaPublicKey: app.ecdsaPublicKey,
    callback: {
      url: app.callback?.url ?? '',
      commands: app.callback?.commands ?? [],
      token: app.callback?.token ?? '',
      timeoutMs: app.callback?.timeoutMs ?? 2000,
      failurePolicy: app.callback?.failurePolicy === authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK ? 'block' : 'deliver',
    },
    restCommandQps: app.restCommandQps,
    restAppQps: app.restAppQps,
    roamingDays: app.roamingDays,
    recallWindowS: app.recallWindowS,
    allowPrivateCallbackTargets: app.allowPrivateCallbackTargets,
    createdAt: new Date(Number(app.createdAtMs)),
    updatedAt: new Date(Number(app.updatedAtMs)),
  };
}

function validCallbackUrl(url: string): boolean {
  if (!/^https?:\/\/[^\s]+$/.test(url)) return false;
  try {
    return Boolean(new URL(url).hostname);
  } catch {
    return false;
  }
}
