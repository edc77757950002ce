import { Counter, type Registry } from 'prom-client';

export interface LoadingCacheOptions {
  /** Names the cache in metrics (meridian_cache_requests_total{cache}). */
  name: string;
  /** Entries kept at most; the least recently used goes first. */
  maxEntries: number;
  /** How long an entry is trusted at most: the bound when no invalidation arrives. */
  ttlMs: number;
  /** How long after an invalidation a key's answers are not cached (the owner may still be writing). */
  holdMs?: number;
  registry?: Registry;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  at: number;
}

const counters = new WeakMap<Registry, Counter<'cache' | 'result'>>();

function requestsCounter(registry: Registry): Counter<'cache' | 'result'> {
  let c = counters.get(registry);
  if (!c) {
    c = new Counter({ name: 'meridian_cache_requests_total', help: 'Local cache lookups of other services\' answers, by cache and hit/miss', labelNames: ['cache', 'result'], registers: [registry] });
    counters.set(registry, c);
  }
  return c;
}

/**
 * A bounded, expiring, single-flight cache of another service's answers (the one copy every
 * service uses). Invalidated by the owning service's events; the TTL is the safety net when an
 * event is late or lost.
 *
 * - Concurrent misses of one key share one load.
 * - A load that was in flight when any invalidation arrived answers its callers but is not kept:
 *   it may have read the old value.
 * - After an invalidation a key is held uncached for `holdMs`, for owners that announce a change
 *   before they finish writing it (account deletion does).
 * - A failed load is not kept.
 */
export class LoadingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V>>();
  private readonly held = new Map<string, number>();
  private generation = 0;
  private readonly now: () => number;
  private readonly requests?: Counter<'cache' | 'result'>;

  constructor(private readonly options: LoadingCacheOptions) {
    this.now = options.now ?? Date.now;
    if (options.registry) this.requests = requestsCounter(options.registry);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, or undefined (without loading). */
  peek(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() - e.at >= this.options.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** The cached value or undefined, counted as a hit or a miss (for callers that load several keys at once). */
  lookup(key: string): V | undefined {
    const hit = this.peek(key);
    if (hit !== undefined) {
      // Most recently used last.
      const e = this.entries.get(key)!;
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    this.requests?.inc({ cache: this.options.name, result: hit !== undefined ? 'hit' : 'miss' });
    return hit;
  }

  async get(key: string, load: () => Promise<V>, keep: (v: V) => boolean = () => true): Promise<V> {
    const hit = this.lookup(key);
    if (hit !== undefined) return hit;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const started = this.now();
    const p = load().then((v) => {
      if (this.generation === generation && keep(v) && !this.isHeld(key)) this.put(key, v, started);
      return v;
    });
    this.loading.set(key, p);
    const clear = () => {
      if (this.loading.get(key) === p) this.loading.delete(key);
    };
    p.then(clear, clear);
    return p;
  }

  /** A mark to pass to `set` for a value read from now on. */
  mark(): number {
    return this.generation;
  }

  /**
   * Stores a value learnt otherwise (one answer covering several keys), read after `mark()`
   * answered `since`: if any invalidation came in between, the value is not kept.
   */
  set(key: string, value: V, since: number): void {
    if (since === this.generation && !this.isHeld(key)) this.put(key, value, this.now());
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
    if (this.options.holdMs) this.held.set(key, this.now() + this.options.holdMs);
  }

  /** Drops every entry whose key matches (rare events: an app's accounts deleted). */
  invalidateWhere(match: (key: string) => boolean): void {
    this.generation++;
    for (const key of [...this.entries.keys()]) if (match(key)) this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  private isHeld(key: string): boolean {
    const until = this.held.get(key);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.held.delete(key);
    return false;
  }

  private put(key: string, value: V, at: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at });
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // Holds are few and short; keep their map from growing without bound all the same.
    if (this.held.size > this.options.maxEntries) for (const [k, until] of this.held) if (until <= this.now()) this.held.delete(k);
  }
}
