import { randomUUID } from 'node:crypto';
import mongoose, { type Connection, type Model } from 'mongoose';
import { testTopology } from '@meridian/testing';
import { type ConversationDoc, ConversationSchema, conversationKey } from './conversation.schema';
import { ConversationsRepository, type ConversationRef } from './conversations.repository';

/** The projection's conditional upsert on the real MongoDB-wire server (FerretDB here). */
describe('ConversationsRepository.projectAt', () => {
  let conn: Connection;
  let model: Model<ConversationDoc>;
  let repo: ConversationsRepository;
  const ref = (): ConversationRef => ({ sdkAppId: 1400000099, owner: `o-${randomUUID().slice(0, 8)}`, type: 1, peer: 'peer' });
  const read = (r: ConversationRef) => model.findById(conversationKey(r.sdkAppId, r.owner, r.type, r.peer)).lean<ConversationDoc>().exec();

  beforeAll(async () => {
    conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region('ap-singapore').mongoDatabase}_projecttest` }).asPromise();
    model = conn.model<ConversationDoc>('ProjectTest', ConversationSchema, 'conversations');
    repo = new ConversationsRepository(model);
  });

  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it('projectAllAt: both sides in one command, each side ending where projectAt would have left it when one is ahead', async () => {
    const [a, b] = [ref(), ref()];
    await repo.projectAllAt([{ ref: a, seq: 5, set: { projectedSeq: 5, lastSeq: 5 } }, { ref: b, seq: 5, set: { projectedSeq: 5, lastSeq: 5 } }]);
    expect(await read(a)).toMatchObject({ sdkAppId: a.sdkAppId, owner: a.owner, type: 1, peer: 'peer', projectedSeq: 5 });
    expect(await read(b)).toMatchObject({ owner: b.owner, projectedSeq: 5 });
    // A replay of both: nothing changes.
    await repo.projectAllAt([{ ref: a, seq: 5, set: { projectedSeq: 5, lastSeq: 50 } }, { ref: b, seq: 5, set: { projectedSeq: 5, lastSeq: 50 } }]);
    expect(await read(a)).toMatchObject({ projectedSeq: 5, lastSeq: 5 });
    expect(await read(b)).toMatchObject({ projectedSeq: 5, lastSeq: 5 });
    // The first ahead, the second behind (the duplicate key at index 0 stops the ordered write; the rest is written after).
    await repo.projectAt(a, 9, { projectedSeq: 9, lastSeq: 9 });
    await repo.projectAllAt([{ ref: a, seq: 7, set: { projectedSeq: 7, lastSeq: 7 } }, { ref: b, seq: 7, set: { projectedSeq: 7, lastSeq: 7 } }]);
    expect(await read(a)).toMatchObject({ projectedSeq: 9, lastSeq: 9 });
    expect(await read(b)).toMatchObject({ projectedSeq: 7, lastSeq: 7 });
    // The first behind, the second ahead; and a third missing one after the failure is created.
    const c = ref();
    await repo.projectAllAt([{ ref: a, seq: 10, set: { projectedSeq: 10 } }, { ref: b, seq: 6, set: { projectedSeq: 6 } }, { ref: c, seq: 6, set: { projectedSeq: 6 } }]);
    expect(await read(a)).toMatchObject({ projectedSeq: 10 });
    expect(await read(b)).toMatchObject({ projectedSeq: 7 });
    expect(await read(c)).toMatchObject({ owner: c.owner, projectedSeq: 6 });
  });

  it('creates a missing entry, moves it forward, and leaves it alone for a replayed or older seq', async () => {
    const r = ref();
    expect(await repo.projectAt(r, 5, { projectedSeq: 5, lastSeq: 5 })).toBe(true);
    expect(await read(r)).toMatchObject({ sdkAppId: r.sdkAppId, owner: r.owner, type: 1, peer: 'peer', projectedSeq: 5, lastSeq: 5 });
    expect(await repo.projectAt(r, 5, { projectedSeq: 5, lastSeq: 99 })).toBe(false);
    expect(await repo.projectAt(r, 3, { projectedSeq: 3, lastSeq: 3 })).toBe(false);
    expect(await read(r)).toMatchObject({ projectedSeq: 5, lastSeq: 5 });
    expect(await repo.projectAt(r, 6, { projectedSeq: 6, lastSeq: 6 })).toBe(true);
    expect(await read(r)).toMatchObject({ projectedSeq: 6, lastSeq: 6 });
  });

  it('an entry another writer created without a projection (a read report) is projected, keeping its fields', async () => {
    const r = ref();
    await model.create({ _id: conversationKey(r.sdkAppId, r.owner, r.type, r.peer), sdkAppId: r.sdkAppId, owner: r.owner, type: r.type, peer: r.peer, readSeq: 4 });
    expect(await repo.projectAt(r, 7, { projectedSeq: 7, lastPeerSeq: 7 })).toBe(true);
    expect(await read(r)).toMatchObject({ readSeq: 4, projectedSeq: 7, lastPeerSeq: 7 });
  });

  it('replayed and out-of-order events, one at a time (the topic is keyed by conversation: one writer per entry), end at the highest seq', async () => {
    // Not concurrently: FerretDB 1.24 applies two concurrent updates of one document as
    // read-modify-write without isolation (a concurrent run here once ended at seq 3), and the
    // projection never does that (one consumer per conversation, records in order).
    const r = ref();
    const results: boolean[] = [];
    for (const seq of [3, 1, 4, 2, 5, 5]) results.push(await repo.projectAt(r, seq, { projectedSeq: seq, lastSeq: seq }));
    expect(results).toEqual([true, false, true, false, true, false]);
    expect(await read(r)).toMatchObject({ projectedSeq: 5, lastSeq: 5 });
  });
});
