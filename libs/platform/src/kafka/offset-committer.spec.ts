import { OffsetCommitter, type CommitOffset } from './offset-committer';

describe('OffsetCommitter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function make(intervalMs: number, fail = () => false) {
    const commits: CommitOffset[][] = [];
    const errors: unknown[] = [];
    const c = new OffsetCommitter(
      async (offsets) => {
        if (fail()) throw new Error('broker unavailable');
        commits.push(offsets);
      },
      intervalMs,
      (e) => errors.push(e),
    );
    return { c, commits, errors };
  }

  it('commits the newest handled offset of each partition once per interval, as next-to-read', async () => {
    const { c, commits } = make(1000);
    c.handled('t', 0, '5');
    c.handled('t', 0, '6');
    c.handled('t', 1, '41');
    c.handled('u', 0, '9007199254740993'); // beyond 2^53: no float rounding
    expect(commits).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(999);
    expect(commits).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '7' },
        { topic: 't', partition: 1, offset: '42' },
        { topic: 'u', partition: 0, offset: '9007199254740994' },
      ],
    ]);
    expect(c.uncommitted).toBe(0);
    // At rest nothing more is committed, and the next record arms the timer again.
    await jest.advanceTimersByTimeAsync(5000);
    expect(commits).toHaveLength(1);
    c.handled('t', 0, '7');
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits[1]).toEqual([{ topic: 't', partition: 0, offset: '8' }]);
  });

  it('keeps the offsets of a failed commit for the next attempt, unless a newer offset came', async () => {
    let failing = true;
    const { c, commits, errors } = make(1000, () => failing);
    c.handled('t', 0, '1');
    c.handled('t', 1, '1');
    await jest.advanceTimersByTimeAsync(1000);
    expect(errors).toHaveLength(1);
    expect(c.uncommitted).toBe(2);
    c.handled('t', 0, '3');
    failing = false;
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '4' },
        { topic: 't', partition: 1, offset: '2' },
      ],
    ]);
  });

  it('drops pending offsets at a rebalance and commits the rest on close', async () => {
    const { c, commits } = make(60_000);
    c.handled('t', 0, '1');
    c.reset();
    c.handled('t', 2, '10');
    await c.close();
    expect(commits).toEqual([[{ topic: 't', partition: 2, offset: '11' }]]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(commits).toHaveLength(1);
  });

  it('with interval 0 commits after every record, one commit at a time', async () => {
    const { c, commits } = make(0);
    c.handled('t', 0, '1');
    c.handled('t', 0, '2');
    await c.flush();
    expect(commits.flat().at(-1)).toEqual({ topic: 't', partition: 0, offset: '3' });
    expect(c.uncommitted).toBe(0);
  });
});
