import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import mongoose, { Schema } from 'mongoose';
import { testTopology } from '@meridian/testing';
import { backfillOnce } from './backfill';
import { deleteInBatches } from './mongo';

interface ItemDoc {
  _id: string;
  owner?: string;
  n: number;
}

describe('backfillOnce and deleteInBatches against the MongoDB-wire server', () => {
  let conn: mongoose.Connection;
  const logger = new Logger('backfill-test');
  const Item = new Schema<ItemDoc>({ _id: String, owner: String, n: Number }, { versionKey: false });

  beforeAll(async () => {
    conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `test_backfill_${randomUUID().slice(0, 8)}` }).asPromise();
  });

  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('sets a derived field on every old document, over several batches, once per database', async () => {
    const M = conn.model<ItemDoc>('Item', Item);
    await M.insertMany(Array.from({ length: 1203 }, (_, i) => ({ _id: `u${i % 3}:item${i}`, n: i })));
    await M.create({ _id: 'u9:new', owner: 'already', n: -1 });
    const job = { name: 'items.owner', model: M, missing: { owner: { $exists: false } }, fields: (d: ItemDoc) => ({ owner: d._id.split(':')[0] }) };
    await backfillOnce(conn, logger, job);
    expect(await M.countDocuments({ owner: { $exists: false } })).toBe(0);
    expect(await M.countDocuments({ owner: 'u1' })).toBe(401);
    // A document that had the field keeps its value.
    expect((await M.findById('u9:new').lean())!.owner).toBe('already');
    // Recorded as done: a later run does not touch documents again.
    await M.create({ _id: 'u2:late', n: 0 });
    await backfillOnce(conn, logger, job);
    expect((await M.findById('u2:late').lean())!.owner).toBeUndefined();
  });

  it('refuses fields that leave documents matching `missing` instead of looping', async () => {
    const M = conn.model<ItemDoc>('Loop', Item);
    await M.create({ _id: 'a:1', n: 1 });
    await expect(backfillOnce(conn, logger, { name: 'loop', model: M, missing: { owner: { $exists: false } }, fields: () => ({ n: 1 }) })).rejects.toThrow('changed nothing');
  });

  it('deletes every match in rounds and nothing else', async () => {
    const M = conn.model<ItemDoc>('Del', Item);
    await M.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, owner: i < 37 ? 'gone' : 'kept', n: i })));
    expect(await deleteInBatches(M, { owner: 'gone' }, 8)).toBe(37);
    expect(await M.countDocuments({ owner: 'gone' })).toBe(0);
    expect(await M.countDocuments({ owner: 'kept' })).toBe(13);
    expect(await deleteInBatches(M, { owner: 'gone' }, 8)).toBe(0);
  });
});
