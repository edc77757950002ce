import { createHmac } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Notification } from '../offline-push-info';
import { transportError } from './transport-error';
import type { DeviceTarget, PushProvider, SendResult, WebhookConfig } from './provider';

export interface WebhookProviderOptions {
  timeoutMs?: number;
}

export const WEBHOOK_PROVIDER_OPTIONS = Symbol('WEBHOOK_PROVIDER_OPTIONS');

export const WEBHOOK_SIGNATURE_HEADER = 'X-Meridian-Signature';

/** Body POSTed to an app's push webhook. */
export interface WebhookPushBody {
  sdkAppId: number;
  userId: string;
  platform: string;
  token: string;
  notification: Notification;
}

/** Hex HMAC-SHA256 of the exact body bytes, as receivers must recompute it. */
export function webhookSignature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Hands the notification to the app's own HTTP endpoint, for apps that deliver pushes themselves. */
@Injectable()
export class WebhookProvider implements PushProvider<'webhook'> {
  readonly kind = 'webhook' as const;
  private readonly timeoutMs: number;

  constructor(@Optional() @Inject(WEBHOOK_PROVIDER_OPTIONS) options?: WebhookProviderOptions) {
    this.timeoutMs = options?.timeoutMs ?? 5_000;
  }

  async send(target: DeviceTarget, n: Notification, config: WebhookConfig): Promise<SendResult> {
    const payload: WebhookPushBody = { sdkAppId: target.sdkAppId, userId: target.userId, platform: target.platform, token: target.token, notification: n };
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (config.secret) headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(config.secret, body);
    let res: Response;
    try {
      res = await fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err: unknown) {
      return { ok: false, retryable: true, detail: transportError(err) };
    }
    // The receiver's answer body is not ours to log or interpret; free the connection.
    await res.body?.cancel().catch(() => undefined);
    const status = res.status;
    if (res.ok) return { ok: true, status };
    if (status === 410) return { ok: false, invalidToken: true, status };
    // 429 is the receiver asking us to slow down, not refusing the notification.
    return { ok: false, retryable: status === 429 || status >= 500, status, detail: `HTTP ${status}` };
  }
}
