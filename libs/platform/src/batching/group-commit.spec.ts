import { GroupCommit } from './group-commit';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('GroupCommit', () => {
  it('writes the items of one turn as one batch, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, string>(async (items) => (batches.push([...items]), items.map((i) => `r${i}`)));
    await expect(Promise.all([g.run(1), g.run(2), g.run(3)])).resolves.toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('queues what arrives while a batch is in flight for the next one, in order', async () => {
    const batches: number[][] = [];
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const g = new GroupCommit<number, number>(async (items) => {
      batches.push([...items]);
      const gate = deferred<void>();
      gates.push(gate);
      await gate.promise;
      return items;
    });
    const first = g.run(1);
    await new Promise((r) => setImmediate(r));
    const later = [g.run(2), g.run(3), g.run(4)];
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    expect(g.waiting).toBe(3);
    gates[0]!.resolve();
    await expect(first).resolves.toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates[1]!.resolve();
    await expect(Promise.all(later)).resolves.toEqual([2, 3, 4]);
  });

  it('splits at maxItems', async () => {
    const sizes: number[] = [];
    const g = new GroupCommit<number, number>(async (items) => (sizes.push(items.length), items), 2, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => g.run(i)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('rejects every item of a failed batch (also a wrong result count, a synchronous throw), and the next batch is tried afresh', async () => {
    let mode: 'fail' | 'short' | 'throw' | 'ok' = 'fail';
    const g = new GroupCommit<number, number>((items) => {
      if (mode === 'throw') throw new Error('sync');
      if (mode === 'fail') return Promise.reject(new Error('down'));
      return Promise.resolve(mode === 'short' ? items.slice(1) : items);
    });
    const failed = await Promise.allSettled([g.run(1), g.run(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    mode = 'short';
    await expect(Promise.all([g.run(1), g.run(2)])).rejects.toThrow('2 items');
    mode = 'throw';
    await expect(g.run(1)).rejects.toThrow('sync');
    mode = 'ok';
    await expect(g.run(7)).resolves.toBe(7);
  });
});
