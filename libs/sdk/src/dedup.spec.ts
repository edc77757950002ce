import { BoundedSet, Deduplicator } from './dedup';

describe(Deduplicator.name, () => {
  it('passes a delivery id once', () => {
    const d = new Deduplicator();
    expect(d.firstDelivery('a')).toBe(true);
    expect(d.firstDelivery('a')).toBe(false);
    expect(d.firstDelivery('b')).toBe(true);
  });

  it('passes a (conversation, seq) once, whatever path it came by', () => {
    const d = new Deduplicator();
    expect(d.firstMessage('C2Cbob', 1)).toBe(true);
    expect(d.firstMessage('C2Cbob', 1)).toBe(false);
    expect(d.firstMessage('C2Ccarol', 1)).toBe(true);
  });

  it('moves the sync cursor only over contiguous pushes', () => {
    const d = new Deduplicator();
    d.baseline('C2Cbob', 4);
    for (const s of [5, 7]) {
      d.firstMessage('C2Cbob', s);
      d.advance('C2Cbob', s);
    }
    expect(d.cursor('C2Cbob')).toBe(5); // 6 is missing: a catch-up sync starts after 5
    d.firstMessage('C2Cbob', 6);
    d.advance('C2Cbob', 6);
    expect(d.cursor('C2Cbob')).toBe(7); // 6 closes the gap, 7 was held already
  });

  it('trusts a sync answer (storage has no gaps) and never moves the cursor back', () => {
    const d = new Deduplicator();
    d.baseline('C2Cbob', 3);
    d.advance('C2Cbob', 9, true);
    expect(d.cursor('C2Cbob')).toBe(9);
    d.baseline('C2Cbob', 2);
    d.advance('C2Cbob', 4, true);
    expect(d.cursor('C2Cbob')).toBe(9);
  });

  it('starts an unknown conversation at its first push', () => {
    const d = new Deduplicator();
    d.advance('C2Cnew', 12);
    expect(d.cursor('C2Cnew')).toBe(12);
    expect([...d.syncCursors()]).toEqual([['C2Cnew', 12]]);
  });
});

describe(BoundedSet.name, () => {
  it('forgets the oldest keys past its capacity', () => {
    const s = new BoundedSet(2);
    s.add('a');
    s.add('b');
    s.add('c');
    expect([s.has('a'), s.has('b'), s.has('c'), s.size]).toEqual([false, true, true, 2]);
    expect(s.add('c')).toBe(false);
  });
});
