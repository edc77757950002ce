import { randomUUID } from 'node:crypto';
import mongoose, { Schema } from 'mongoose';
import { testTopology } from '@meridian/testing';

/**
 * The MongoDB primitives Meridian relies on, checked against the MongoDB-wire server the data
 * plane runs (FerretDB 1.24 locally, MongoDB in production). Only what both implement is used:
 * FerretDB 1.24 has no TTL indexes and does not make concurrent $inc or findAndModify
 * atomic, so counters live in Redis and a unique index is the arbiter of every "first writer wins".
 */
describe('mongoose against the MongoDB-wire server', () => {
  let conn: mongoose.Connection;
  const Doc = new Schema({ conv: String, seq: Number, body: String });
  Doc.index({ conv: 1, seq: 1 }, { unique: true });
  const HighWater = new Schema({ _id: String, value: Number }, { versionKey: false });

  beforeAll(async () => {
    conn = await mongoose
      .createConnection(testTopology().dataPlane.mongoUrl, { dbName: `test_compat_${randomUUID().slice(0, 8)}` })
      .asPromise();
  });

  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('enforces a unique compound index with duplicate-key error 11000 and keeps the first write', async () => {
    const M = conn.model('Doc', Doc);
    await M.init();
    await M.create({ conv: 'c2c:a:b', seq: 1, body: 'first' });
    await expect(M.create({ conv: 'c2c:a:b', seq: 1, body: 'second' })).rejects.toMatchObject({ code: 11000 });
    const docs = await M.find({ conv: 'c2c:a:b' }).lean();
    expect(docs.map((d) => d.body)).toEqual(['first']);
  });

  it('lets exactly one of many concurrent inserts of the same key win', async () => {
    const M = conn.model('Doc', Doc);
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) => M.create({ conv: 'c2c:race', seq: 7, body: `writer-${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await M.countDocuments({ conv: 'c2c:race', seq: 7 })).toBe(1);
  });

  it('adds to and removes from set-like arrays with $addToSet/$each and $pullAll', async () => {
    const T = conn.model('Tags', new Schema({ user: String, tags: [String] }));
    await T.create({ user: 'u', tags: [] });
    await T.updateOne({ user: 'u' }, { $addToSet: { tags: { $each: ['a', 'b', 'a'] } } });
    await T.updateOne({ user: 'u' }, { $addToSet: { tags: { $each: ['b', 'c'] } } });
    expect((await T.findOne({ user: 'u' }).lean())!.tags).toEqual(['a', 'b', 'c']);
    await T.updateOne({ user: 'u' }, { $pullAll: { tags: ['a', 'c'] } });
    expect((await T.findOne({ user: 'u' }).lean())!.tags).toEqual(['b']);
    expect(await T.countDocuments({ tags: { $all: ['b'] } })).toBe(1);
    expect(await T.countDocuments({ tags: { $in: ['x', 'b'] } })).toBe(1);
  });

  it('raises a high-water mark with $max and never lowers it', async () => {
    const H = conn.model('HighWater', HighWater);
    await H.updateOne({ _id: 'conv' }, { $max: { value: 10 } }, { upsert: true });
    await H.updateOne({ _id: 'conv' }, { $max: { value: 5 } });
    expect((await H.findById('conv').lean())!.value).toBe(10);
    await H.updateOne({ _id: 'conv' }, { $max: { value: 100 } });
    expect((await H.findById('conv').lean())!.value).toBe(100);
  });
});
