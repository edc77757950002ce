import { Registry } from 'prom-client';
import { LoadingCache } from './loading-cache';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('LoadingCache', () => {
  let now = 1_000;
  const make = (over: Partial<ConstructorParameters<typeof LoadingCache>[0]> = {}) => new LoadingCache<string>({ name: 't', maxEntries: 3, ttlMs: 1000, now: () => now, ...over });
  beforeEach(() => (now = 1_000));

  it('loads once for concurrent misses and answers hits from memory until the TTL', async () => {
    const c = make();
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await Promise.all([c.get('k', load), c.get('k', load)])).toEqual(['v1', 'v1']);
    now += 999;
    expect(await c.get('k', load)).toBe('v1');
    now += 1;
    expect(await c.get('k', load)).toBe('v2');
  });

  it('an invalidation drops the entry, and a load in flight at that moment is not kept', async () => {
    const c = make();
    await c.get('k', async () => 'old');
    c.invalidate('k');
    const slow = deferred<string>();
    const p = c.get('k', () => slow.promise);
    c.invalidate('other');
    slow.resolve('maybe-stale');
    expect(await p).toBe('maybe-stale');
    expect(c.peek('k')).toBeUndefined();
    expect(await c.get('k', async () => 'fresh')).toBe('fresh');
    expect(c.peek('k')).toBe('fresh');
  });

  it('holds an invalidated key uncached for holdMs', async () => {
    const c = make({ holdMs: 500 });
    c.invalidate('k');
    await c.get('k', async () => 'during-hold');
    expect(c.peek('k')).toBeUndefined();
    now += 500;
    await c.get('k', async () => 'after');
    expect(c.peek('k')).toBe('after');
  });

  it('keeps only what `keep` accepts, and never a failed load', async () => {
    const c = make();
    await c.get('missing', async () => 'absent', (v) => v !== 'absent');
    expect(c.peek('missing')).toBeUndefined();
    await expect(c.get('bad', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(c.peek('bad')).toBeUndefined();
    expect(await c.get('bad', async () => 'ok')).toBe('ok');
  });

  it('evicts the least recently used beyond maxEntries', async () => {
    const c = make();
    for (const k of ['a', 'b', 'c']) await c.get(k, async () => k);
    await c.get('a', async () => 'reloaded');
    await c.get('d', async () => 'd');
    expect(c.size).toBe(3);
    expect(c.peek('b')).toBeUndefined();
    expect(c.peek('a')).toBe('a');
  });

  it('set() keeps a value only if nothing was invalidated since its mark', () => {
    const c = make();
    const m = c.mark();
    c.set('x', '1', m);
    expect(c.peek('x')).toBe('1');
    const m2 = c.mark();
    c.invalidateWhere((k) => k.startsWith('z'));
    c.set('y', '2', m2);
    expect(c.peek('y')).toBeUndefined();
  });

  it('counts hits and misses per cache in the registry', async () => {
    const registry = new Registry();
    const c = make({ registry, name: 'accounts' });
    await c.get('k', async () => 'v');
    await c.get('k', async () => 'v');
    const text = await registry.metrics();
    expect(text).toContain('meridian_cache_requests_total{cache="accounts",result="miss"} 1');
    expect(text).toContain('meridian_cache_requests_total{cache="accounts",result="hit"} 1');
  });
});
