import { purgeExpired } from './purge-expired';

interface Msg {
  _id: string;
  stream: string;
  seq: number;
}

describe('purgeExpired', () => {
  it('deletes every expired message batch by batch, raising each stream\'s floor to its highest seq first', async () => {
    const expired: Msg[] = [];
    for (let seq = 1; seq <= 7; seq++) expired.push({ _id: `a:${seq}`, stream: 'a', seq });
    for (let seq = 3; seq >= 1; seq--) expired.push({ _id: `b:${seq}`, stream: 'b', seq });
    const floors = new Map<string, number>();
    const events: string[] = [];
    const deleted = await purgeExpired<Msg>(
      {
        expired: async (limit) => expired.slice(0, limit),
        streamOf: (m) => m.stream,
        raiseFloor: async (m) => {
          events.push(`floor ${m.stream}=${m.seq}`);
          floors.set(m.stream, Math.max(floors.get(m.stream) ?? 0, m.seq));
        },
        deleteIds: async (ids) => {
          events.push(`delete ${ids.length}`);
          for (const id of ids) expired.splice(expired.findIndex((m) => m._id === id), 1);
          return ids.length;
        },
      },
      4,
    );
    expect(deleted).toBe(10);
    expect(expired).toEqual([]);
    expect(Object.fromEntries(floors)).toEqual({ a: 7, b: 3 });
    // Three batches (4 + 4 + 2); each batch's floors are raised before its delete.
    expect(events).toEqual(['floor a=4', 'delete 4', 'floor a=7', 'floor b=3', 'delete 4', 'floor b=2', 'delete 2']);
  });
});
