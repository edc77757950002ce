/**
 * kafkajs 2.2.4 spins at rest: after any response, RequestQueue.scheduleCheckPendingRequests sets
 * a timer of `throttledUntil - now` ms — negative when nothing is throttled, so 1 ms — whose
 * callback schedules the next one, even with nothing pending: ~1,000 timers a second per broker
 * connection, for ever (kafkajs issues #1556 and #1704, unreleased upstream). Measured here it was
 * the largest cost of an idle Meridian process (`npm run bench -- idle`, docs/benchmarks.md).
 *
 * This replaces that one method, keeping its contract: with requests pending, a check is always
 * scheduled (when the throttle ends, or in 10 ms when merely over the in-flight limit — the
 * marginal-throttle case kafkajs fixed in 2.2.4 stays fixed); with nothing pending, a check is
 * scheduled only while throttled. Nothing is lost by not polling an empty queue: `push` schedules a
 * check when it queues a request, and every response or timeout checks the queue again.
 *
 * Applied only to the kafkajs version it was written against; another version keeps its own
 * method and the test of this file fails, so the upgrade is looked at.
 */
import { createRequire } from 'node:module';

export const KAFKAJS_PATCHED_VERSION = '2.2.4';
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const load = createRequire(__filename);

function scheduleCheckPendingRequests(this: RequestQueueLike): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && untilUnthrottled <= 0) return;
  const wait = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, wait);
}

/** True when the fix is in place (idempotent). */
export function applyKafkajsIdleFix(): boolean {
  const version = (load('kafkajs/package.json') as { version: string }).version;
  if (version !== KAFKAJS_PATCHED_VERSION) return false;
  const RequestQueue = load('kafkajs/src/network/requestQueue') as { prototype: RequestQueueLike };
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return true;
}

applyKafkajsIdleFix();
