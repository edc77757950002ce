import { Admission } from './grpc-endpoint';

describe(Admission.name, () => {
  it('runs at most `limit` at once and admits waiters in order as slots free up', async () => {
    const a = new Admission(2);
    const order: number[] = [];
    await a.acquire();
    await a.acquire();
    const third = a.acquire().then(() => order.push(3));
    const fourth = a.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(a.queued).toBe(2);
    a.release();
    await third;
    expect(order).toEqual([3]);
    a.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    // Two still hold slots; releasing both frees them, and the next acquire runs at once.
    a.release();
    a.release();
    let ran = false;
    await a.acquire().then(() => (ran = true));
    expect(ran).toBe(true);
    expect(a.queued).toBe(0);
  });
});
