/** Reconnect policy: exponential growth with jitter and a cap (house rule 14). */
export interface BackoffOptions {
  /** First delay, ms (default 500). */
  baseMs?: number;
  /** Largest delay, ms (default 30 000). */
  maxMs?: number;
  /** Fraction of each delay that is random, 0–1 (default 0.5: delay × [0.5, 1]). */
  jitter?: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): `min(max, base·2^attempt)`,
 * of which the `jitter` fraction is random, so that a gateway that drops many clients at once is
 * not hit by all of them at the same moment.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling * (1 - jitter) + ceiling * jitter * random());
}
