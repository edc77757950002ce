import { randomUUID } from 'node:crypto';
import mongoose, { type Connection, type Model } from 'mongoose';
import type { EventBus, GrpcClients } from '@meridian/platform';
import type { chatEventsV1 } from '@meridian/proto';
import { testTopology } from '@meridian/testing';
import type { ChatConfig } from '../chat.config';
import type { MessagesRepository } from '../messages/messages.repository';
import { type ConversationDoc, ConversationSchema, ConversationType, conversationKey } from './conversation.schema';
import { ConversationsRepository, type ConversationRef } from './conversations.repository';
import { ConversationsService } from './conversations.service';

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

/** The projection of a consumed batch (one write per list entry) on the real MongoDB-wire server. */
describe('ConversationsService.applyStoredBatch', () => {
  let conn: Connection;
  let model: Model<ConversationDoc>;
  let service: ConversationsService;
  const APP = 1400000097;
  const read = (owner: string, peer: string) => model.findById(conversationKey(APP, owner, ConversationType.C2C, peer)).lean<ConversationDoc>().exec();
  const stored = (from: string, to: string, seq: number, extra: Partial<chatEventsV1.C2cMessageStoredEvent> = {}) => ({
    sdkAppId: APP,
    event: {
      conversationId: `c2c:${[from, to].sort().join(':')}`,
      msgSeq: String(seq),
      fromAccount: from,
      toAccount: to,
      msgRandom: seq,
      msgTime: String(1_790_000_000 + seq),
      msgKey: `${seq}_${seq}_${1_790_000_000 + seq}`,
      msgBody: Buffer.from('[]'),
      cloudCustomData: '',
      onlineOnly: false,
      noUnread: false,
      noLastMsg: false,
      senderSync: true,
      expiresAt: String(1_800_000_000),
      imported: 0,
      noCallbacks: false,
      origin: undefined,
      ...extra,
    } as chatEventsV1.C2cMessageStoredEvent,
  });

  beforeAll(async () => {
    conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region('ap-singapore').mongoDatabase}_batchprojecttest` }).asPromise();
    model = conn.model<ConversationDoc>('BatchProjectTest', ConversationSchema, 'conversations');
    service = new ConversationsService({} as ChatConfig, new ConversationsRepository(model), {} as MessagesRepository, {} as EventBus, {} as GrpcClients);
  });

  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it('folds each entry\'s messages into one write at its highest seq; a replayed batch changes nothing', async () => {
    const u = randomUUID().slice(0, 6);
    const [a, b, c] = [`a${u}`, `b${u}`, `c${u}`];
    // a↔b: 1 a→b, 2 b→a, 3 a→b (NoLastMsg), 4 a→b (NoUnread); a→c: 1. Seq 2 arrives after 3 (produced out of seq order).
    const batch = [stored(a, b, 1), stored(a, b, 3, { noLastMsg: true }), stored(b, a, 2), stored(a, b, 4, { noUnread: true }), stored(a, c, 1)];
    await service.applyStoredBatch(batch);
    const expected = async () => {
      // b's entry: the last counted incoming message is 3 (4 is NoUnread), the last message 4.
      expect(await read(b, a)).toMatchObject({ projectedSeq: 4, lastSeq: 4, lastPeerSeq: 3, lastTime: 1_790_000_004, deleted: false });
      // a's entry: incoming 2 (folded in although it came after 3), last message 4.
      expect(await read(a, b)).toMatchObject({ projectedSeq: 4, lastSeq: 4, lastPeerSeq: 2 });
      expect(await read(c, a)).toMatchObject({ projectedSeq: 1, lastSeq: 1, lastPeerSeq: 1 });
      expect(await read(a, c)).toMatchObject({ projectedSeq: 1, lastSeq: 1 });
    };
    await expected();
    await service.applyStoredBatch(batch);
    await service.applyStoredBatch([batch[0]!]);
    await expected();
    // Out of seq order with nothing after to hide it: 2 (incoming for a) after 3 (NoLastMsg) ends
    // where 1, 2, 3 one by one would: last message 2.
    const d = `d${u}`;
    await service.applyStoredBatch([stored(a, d, 1), stored(a, d, 3, { noLastMsg: true }), stored(d, a, 2)]);
    expect(await read(a, d)).toMatchObject({ projectedSeq: 3, lastSeq: 2, lastPeerSeq: 2, lastTime: 1_790_000_002 });
  });

  it('an entry already ahead keeps its fields; one behind takes the batch', async () => {
    const u = randomUUID().slice(0, 6);
    const [a, b] = [`a${u}`, `b${u}`];
    await service.applyStoredBatch([stored(a, b, 5)]);
    await service.applyStoredBatch([stored(a, b, 3), stored(a, b, 4), stored(a, b, 6, { senderSync: false })]);
    // b (recipient) moves to 6; a (sender, not synced for 6) stays at 5, ahead of 3 and 4.
    expect(await read(b, a)).toMatchObject({ projectedSeq: 6, lastSeq: 6, lastPeerSeq: 6 });
    expect(await read(a, b)).toMatchObject({ projectedSeq: 5, lastSeq: 5 });
  });

  it('large batches of four partitions at once: commands of at most 16 writes, every entry projected', async () => {
    const u = randomUUID().slice(0, 6);
    const batches = [0, 1, 2, 3].map((p) => Array.from({ length: 30 }, (_, i) => stored(`s${p}x${i}${u}`, `r${p}x${i}${u}`, 1)));
    await Promise.all(batches.map((b) => service.applyStoredBatch(b)));
    expect(await model.countDocuments({ sdkAppId: APP, owner: { $regex: `${u}$` } })).toBe(4 * 30 * 2);
  }, 60_000);
});
