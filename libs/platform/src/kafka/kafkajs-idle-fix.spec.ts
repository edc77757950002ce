import { createRequire } from 'node:module';
import { KAFKAJS_PATCHED_VERSION, applyKafkajsIdleFix } from './kafkajs-idle-fix';

const load = createRequire(__filename);

type Queue = {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  destroy(): void;
};

function queue(maxInFlightRequests: number | null = null): Queue {
  const RequestQueue = load('kafkajs/src/network/requestQueue') as new (o: object) => Queue;
  const logger = { debug: () => undefined, warn: () => undefined, info: () => undefined, error: () => undefined };
  return new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger, isConnected: () => true });
}

describe('kafkajs idle fix', () => {
  it('is written against the installed kafkajs (an upgrade must look at it again)', () => {
    expect((load('kafkajs/package.json') as { version: string }).version).toBe(KAFKAJS_PATCHED_VERSION);
    expect(applyKafkajsIdleFix()).toBe(true);
  });

  it('an empty, unthrottled queue schedules no timer after a check (2.2.4 re-armed a 1 ms one for ever)', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('a throttled queue checks again when the throttle ends, pending requests or not', () => {
    jest.useFakeTimers();
    try {
      const q = queue();
      q.throttledUntil = Date.now() + 500;
      const check = jest.spyOn(q, 'checkPendingRequests');
      q.checkPendingRequests();
      expect(q.throttleCheckTimeoutId).not.toBeNull();
      jest.advanceTimersByTime(499);
      expect(check).toHaveBeenCalledTimes(1);
      jest.advanceTimersByTime(1);
      expect(check).toHaveBeenCalledTimes(2);
      // The throttle is over and nothing is pending: no further timer.
      expect(q.throttleCheckTimeoutId).toBeNull();
      q.destroy();
    } finally {
      jest.useRealTimers();
    }
  });

  it('pending requests over the in-flight limit are checked every 10 ms until they can go', () => {
    jest.useFakeTimers();
    try {
      const q = queue(1);
      q.inflight.set(1, {});
      const sent: unknown[] = [];
      const request = { correlationId: 2, expectResponse: true, send: () => sent.push(2) };
      q.pending.push(request);
      q.checkPendingRequests();
      expect(q.throttleCheckTimeoutId).not.toBeNull();
      jest.advanceTimersByTime(30);
      expect(sent).toEqual([]);
      q.inflight.clear();
      jest.advanceTimersByTime(10);
      expect(q.pending).toEqual([]);
      expect(sent).toEqual([2]);
      q.destroy();
    } finally {
      jest.useRealTimers();
    }
  });
});
