import { ProduceBatcher, type OutgoingRecord, type SendBatch } from './produce-batcher';

const rec = (topic: string, key: string): OutgoingRecord => ({ topic, key, value: Buffer.from(key), headers: {} });

describe(ProduceBatcher.name, () => {
  it('sends what arrives while a request is in flight together in the next one, in publish order', async () => {
    const requests: string[][] = [];
    let release: (() => void) | undefined;
    const send: SendBatch = (tm) => {
      requests.push(tm.flatMap((t) => t.messages.map((m) => `${t.topic}/${m.key}`)));
      return new Promise<void>((r) => (release = r));
    };
    const b = new ProduceBatcher(send);
    const first = b.enqueue([rec('a', '1')]);
    await new Promise((r) => setImmediate(r));
    const rest = [b.enqueue([rec('a', '2'), rec('b', '3')]), b.enqueue([rec('a', '4')])];
    expect(requests).toEqual([['a/1']]);
    release!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(requests[1]).toEqual(['a/2', 'a/4', 'b/3']);
    release!();
    await Promise.all(rest);
  });

  it('rejects exactly the callers whose request failed', async () => {
    let calls = 0;
    const b = new ProduceBatcher(() => (++calls === 1 ? Promise.reject(new Error('broker down')) : Promise.resolve()));
    await expect(b.enqueue([rec('a', '1')])).rejects.toThrow('broker down');
    await expect(b.enqueue([rec('a', '2')])).resolves.toBeUndefined();
  });

  it('never puts more than maxRecords in one request', async () => {
    const sizes: number[] = [];
    const b = new ProduceBatcher((tm) => (sizes.push(tm.reduce((n, t) => n + t.messages.length, 0)), Promise.resolve()), 3);
    await Promise.all(Array.from({ length: 7 }, (_, i) => b.enqueue([rec('a', String(i))])));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, x) => a + x, 0)).toBe(7);
  });

  it('keeps a request under maxBytes, so no partition batch can outgrow the broker limit', async () => {
    const sizes: number[] = [];
    const b = new ProduceBatcher((tm) => (sizes.push(tm.reduce((n, t) => n + t.messages.reduce((m, x) => m + x.value.length, 0), 0)), Promise.resolve()), 500, 30_000);
    const big = (i: number): OutgoingRecord => ({ topic: 'a', key: 'c2c:x:y', value: Buffer.alloc(12_000, i), headers: {} });
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.enqueue([big(i)])));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(30_000);
    expect(sizes.reduce((a, x) => a + x, 0)).toBe(120_000);
  });
});
