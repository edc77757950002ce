import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('makes one call per key for the lookups of one event-loop turn, each caller getting the answer', async () => {
    const calls: { key: string; items: string[] }[] = [];
    const c = new Coalescer<string, string[]>(async (key, items) => {
      calls.push({ key, items: [...items] });
      return items.map((i) => `${key}:${i}`);
    });
    const [a, b, other] = await Promise.all([c.run('1', ['u1', 'u2']), c.run('1', ['u2', 'u3']), c.run('2', ['u1'])]);
    expect(calls).toEqual([
      { key: '1', items: ['u1', 'u2', 'u3'] },
      { key: '2', items: ['u1'] },
    ]);
    expect(a).toEqual(['1:u1', '1:u2', '1:u3']);
    expect(b).toBe(a);
    expect(other).toEqual(['2:u1']);
    // The next turn is a new call.
    await c.run('1', ['u9']);
    expect(calls).toHaveLength(3);
  });

  it('sends a batch at once when the next items would take it over the limit', async () => {
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(async (_key, items) => (sizes.push(items.length), items.length), 3);
    const answers = await Promise.all([c.run('k', [1, 2]), c.run('k', [3, 4]), c.run('k', [5])]);
    expect(sizes).toEqual([2, 3]);
    expect(answers).toEqual([2, 3, 3]);
  });

  it('rejects every caller of a failed call, and the next turn calls again', async () => {
    let fail = true;
    const c = new Coalescer<string, string>(async () => {
      if (fail) throw new Error('down');
      return 'ok';
    });
    const results = await Promise.allSettled([c.run('k', ['a']), c.run('k', ['b'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(c.run('k', ['a'])).resolves.toBe('ok');
  });

  it('rejects when the call throws before returning a promise', async () => {
    const c = new Coalescer<string, string>(() => {
      throw new Error('sync');
    });
    await expect(c.run('k', ['a'])).rejects.toThrow('sync');
  });
});
