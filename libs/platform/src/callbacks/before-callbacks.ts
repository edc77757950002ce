import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { callbackV1, type authV1 } from '@meridian/proto';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { GrpcClients } from '../grpc/clients';

/** What a producer does after asking the app's backend before an event. */
export interface BeforeOutcome {
  action: 'allow' | 'reject' | 'drop' | 'modify';
  code: number;
  info: string;
  /** The app's answer (parsed), when it answered. */
  answer?: Record<string, unknown>;
}

interface Enabled {
  url: boolean;
  commands: Set<string>;
  timeoutMs: number;
}

/** Time the callback service needs around the app's own timeout (gRPC hop, queueing). */
const DEADLINE_MARGIN_MS = 500;

/**
 * The producers' side of before-callbacks: knows (from auth, cached for
 * MERIDIAN_CALLBACK_SETTINGS_CACHE_S) whether an app wants a command at all, so that apps without
 * callbacks pay no RPC, and otherwise asks the callback service with a deadline just above the
 * app's timeout. A failure of the callback service itself is treated like the app's failure
 * under Tencent's default policy: the event goes on.
 */
@Injectable()
export class BeforeCallbacks {
  private readonly logger = new Logger(BeforeCallbacks.name);
  private readonly entries = new Map<number, { at: number; value: Promise<Enabled> }>();

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  /** Whether the app has a callback URL and enabled `command`. */
  async enabled(sdkAppId: number, command: string): Promise<boolean> {
    const s = await this.settings(sdkAppId);
    return s.url && s.commands.has(command);
  }

  /**
   * Runs the before-callback `command` with `body` (Tencent fields, without CallbackCommand), or
   * answers null without any call when the app has not enabled it.
   */
  async run(sdkAppId: number, command: string, body: Record<string, unknown>, opts: { optPlatform: string; clientIp?: string }): Promise<BeforeOutcome | null> {
    const s = await this.settings(sdkAppId);
    if (!s.url || !s.commands.has(command)) return null;
    try {
      const res = await this.clients.service<callbackV1.CallbackServiceClient>('callback').before(
        { sdkAppId, command, bodyJson: Buffer.from(JSON.stringify(body)), clientIp: opts.clientIp ?? '', optPlatform: opts.optPlatform },
        { deadlineMs: s.timeoutMs + DEADLINE_MARGIN_MS },
      );
      const text = Buffer.from(res.bodyJson).toString('utf8');
      return { action: actionOf(res.action), code: res.code, info: res.info, answer: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    } catch (err) {
      this.logger.warn({ sdkAppId, command, error: (err as Error).message }, 'callback service unavailable; event goes on');
      return { action: 'allow', code: 0, info: '' };
    }
  }

  /** Throws the outcome's error for a reject; answers whether to go on (false for a drop). */
  static proceed(outcome: BeforeOutcome | null): boolean {
    if (!outcome) return true;
    if (outcome.action === 'reject') throw new MeridianError(outcome.code || ErrorCode.CALLBACK_BLOCKED, outcome.info || 'refused by the app backend');
    return outcome.action !== 'drop';
  }

  private settings(sdkAppId: number): Promise<Enabled> {
    const hit = this.entries.get(sdkAppId);
    if (hit && Date.now() - hit.at < this.config.callbackSettingsCacheS * 1000) return hit.value;
    const value = this.load(sdkAppId);
    this.entries.set(sdkAppId, { at: Date.now(), value });
    value.catch(() => this.entries.delete(sdkAppId));
    if (this.entries.size > 100_000) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  private async load(sdkAppId: number): Promise<Enabled> {
    const { app } = await this.clients.service<authV1.AuthServiceClient>('auth').getApp({ sdkAppId, revealSecrets: false, revealCallbackToken: false });
    const c = app?.callback;
    return { url: Boolean(c?.url), commands: new Set(c?.commands ?? []), timeoutMs: c?.timeoutMs || 2000 };
  }
}

function actionOf(a: callbackV1.BeforeAction): BeforeOutcome['action'] {
  switch (a) {
    case callbackV1.BeforeAction.BEFORE_ACTION_REJECT:
      return 'reject';
    case callbackV1.BeforeAction.BEFORE_ACTION_DROP:
      return 'drop';
    case callbackV1.BeforeAction.BEFORE_ACTION_MODIFY:
      return 'modify';
    default:
      return 'allow';
  }
}
