import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@meridian/contracts';
import { callbackV1 } from '@meridian/proto';
import { AppCallbacksCache } from '../apps/app-callbacks.cache';
import { HttpSender } from '../sender/http-sender';

const A = callbackV1.BeforeAction;

/** Commands whose answer 2 drops the message and whose answer may rewrite MsgBody / CloudCustomData. */
const MESSAGE_COMMANDS = new Set(['C2C.CallbackBeforeSendMsg', 'Group.CallbackBeforeSendMsg']);

/** Tencent's reject code per command family, and the range of the app's own codes that reach the client. */
function rejectRules(command: string): { code: number; custom: [number, number] } | null {
  if (command.startsWith('C2C.')) return { code: ErrorCode.C2C_CALLBACK_REJECTED, custom: [120_001, 130_000] };
  if (command.startsWith('Group.')) return { code: ErrorCode.GROUP_CALLBACK_REJECTED, custom: [10_100, 10_200] };
  // Sns answers per item (ResultItem), not with a top-level code.
  return null;
}

/**
 * Before-callbacks: one synchronous call, never retried, within the app's timeout. The app's
 * ErrorCode decides (0 allow or modify, 1 or a custom code reject, 2 drop); a failure or timeout
 * is decided by the app's failure policy (deliver, Tencent's default, or block with 80003).
 */
@Injectable()
export class BeforeService {
  private readonly logger = new Logger(BeforeService.name);

  constructor(
    @Inject(AppCallbacksCache) private readonly apps: AppCallbacksCache,
    @Inject(HttpSender) private readonly sender: HttpSender,
  ) {}

  async before(req: callbackV1.BeforeRequest): Promise<callbackV1.BeforeResponse> {
    const none = { action: A.BEFORE_ACTION_ALLOW, code: 0, info: '', bodyJson: Buffer.alloc(0) };
    const app = await this.apps.get(req.sdkAppId);
    if (!app || !app.commands.has(req.command)) return none;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.from(req.bodyJson).toString('utf8')) as Record<string, unknown>;
    } catch {
      return none;
    }
    const res = await this.sender.send(app, { sdkAppId: req.sdkAppId, command: req.command, body, optPlatform: req.optPlatform || 'Unknown', clientIp: req.clientIp, eventId: '' }, 'before', true);
    const failed = (why: string) => {
      this.logger.warn({ sdkAppId: req.sdkAppId, command: req.command, error: why, policy: app.failurePolicy }, 'before-callback failed');
      return app.failurePolicy === 'block'
        ? { action: A.BEFORE_ACTION_REJECT, code: ErrorCode.CALLBACK_BLOCKED, info: `callback failed: ${why}`, bodyJson: Buffer.alloc(0) }
        : none;
    };
    if (!res.ok) return failed(res.error);
    const answer = res.answer;
    const bodyJson = Buffer.from(JSON.stringify(answer));
    const code = Number(answer['ErrorCode'] ?? 0);
    const info = typeof answer['ErrorInfo'] === 'string' ? answer['ErrorInfo'] : '';
    const rules = rejectRules(req.command);
    if (!Number.isInteger(code)) return failed('ErrorCode is not a number');
    if (code === 0) {
      const modified = MESSAGE_COMMANDS.has(req.command) && (Array.isArray(answer['MsgBody']) || typeof answer['CloudCustomData'] === 'string');
      return { action: modified ? A.BEFORE_ACTION_MODIFY : A.BEFORE_ACTION_ALLOW, code: 0, info: '', bodyJson };
    }
    if (!rules) return failed(`ErrorCode ${code}`);
    if (code === 2 && MESSAGE_COMMANDS.has(req.command)) return { action: A.BEFORE_ACTION_DROP, code: 0, info: '', bodyJson };
    const custom = code >= rules.custom[0] && code <= rules.custom[1];
    return { action: A.BEFORE_ACTION_REJECT, code: custom ? code : rules.code, info: info || 'refused by the app backend', bodyJson };
  }
}
