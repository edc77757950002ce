import { randomUUID } from 'node:crypto';
import mongoose, { type Connection, type Model } from 'mongoose';
import { testTopology } from '@meridian/testing';
import { type C2cMessageDoc, C2cMessageSchema, type ImportKeyDoc, ImportKeySchema, type SeqFloorDoc, SeqFloorSchema, messageId } from './message.schema';
import { MessagesRepository } from './messages.repository';

/** The group-committed message insert on the real MongoDB-wire server (FerretDB here). */
describe('MessagesRepository.insert (group commit)', () => {
  let conn: Connection;
  let model: Model<C2cMessageDoc>;
  let repo: MessagesRepository;
  const APP = 1400000098;
  const doc = (conv: string, seq: number, random = seq, from = 'a'): C2cMessageDoc => ({
    _id: messageId(APP, conv, seq),
    sdkAppId: APP,
    conversationId: conv,
    seq,
    from,
    to: 'b',
    random,
    time: 1_790_000_000,
    key: `${seq}_${random}_1790000000`,
    body: '[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]',
    cloudCustomData: '',
    recalled: false,
    expiresAt: new Date(Date.now() + 86_400_000),
  });

  beforeAll(async () => {
    conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region('ap-singapore').mongoDatabase}_inserttest` }).asPromise();
    model = conn.model<C2cMessageDoc>('InsertTest', C2cMessageSchema, 'c2c_messages');
    repo = new MessagesRepository(model, conn.model<SeqFloorDoc>('FloorTest', SeqFloorSchema, 'c2c_seq_floors'), conn.model<ImportKeyDoc>('ImportKeyTest', ImportKeySchema, 'c2c_import_keys'), conn);
    await model.init();
  });

  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it('stores concurrent inserts (one batch) with every field a read expects, the schema defaults written out', async () => {
    const conv = `c2c:${randomUUID().slice(0, 8)}`;
    const results = await Promise.all([1, 2, 3, 4, 5].map((s) => repo.insert(doc(conv, s))));
    expect(results).toEqual([true, true, true, true, true]);
    const stored = await model.find({ sdkAppId: APP, conversationId: conv }).sort({ _id: 1 }).lean<C2cMessageDoc[]>().exec();
    expect(stored.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(stored[0]).toMatchObject({ from: 'a', to: 'b', recalled: false, noUnread: false, hiddenFromSender: false, cloudCustomData: '', minute: `${APP}:${Math.floor(1_790_000_000 / 60)}` });
    expect(stored[0]!.expiresAt).toBeInstanceOf(Date);
  });

  it('a seq taken by another message is false for that insert only; the rest of its batch is stored', async () => {
    const conv = `c2c:${randomUUID().slice(0, 8)}`;
    expect(await repo.insert(doc(conv, 2, 900, 'other'))).toBe(true);
    const results = await Promise.all([1, 2, 3].map((s) => repo.insert(doc(conv, s))));
    expect(results).toEqual([true, false, true]);
    const stored = await model.find({ sdkAppId: APP, conversationId: conv }).sort({ _id: 1 }).lean<C2cMessageDoc[]>().exec();
    expect(stored.map((d) => [d.seq, d.from])).toEqual([
      [1, 'a'],
      [2, 'other'],
      [3, 'a'],
    ]);
  });

  it('an insert of a message already stored as itself (a replayed batch) is true, not a clash', async () => {
    const conv = `c2c:${randomUUID().slice(0, 8)}`;
    expect(await repo.insert(doc(conv, 1))).toBe(true);
    // The same message again beside a new one: the batch fails on the duplicate, which is recognised as ours.
    expect(await Promise.all([repo.insert(doc(conv, 1)), repo.insert(doc(conv, 2))])).toEqual([true, true]);
    expect(await model.countDocuments({ sdkAppId: APP, conversationId: conv })).toBe(2);
  });
});
