import type { Logger } from '@nestjs/common';
import type { Connection, QueryFilter, Model } from 'mongoose';

/** Where finished backfills are recorded, so each runs once per database. */
const BACKFILLS = 'meridian_backfills';
const BATCH = 500;
const PARALLEL = 16;

export interface Backfill<T> {
  /** Unique and stable: the record that it is done. */
  name: string;
  model: Model<T>;
  /** The documents still to fix (for example `{ field: { $exists: false } }`). */
  missing: QueryFilter<T>;
  /** The fields to set on one of them, derived from the document. */
  fields: (doc: T & { _id: string }) => Record<string, unknown>;
}

/**
 * Gives documents written before a field existed that field, once per database: used when a new
 * query needs an indexed field older documents lack. Runs in batches (with progress in the log)
 * until no document matches `missing`, then records itself as done. Idempotent, so instances
 * starting together may both run it; documents written meanwhile already carry the field.
 */
export async function backfillOnce<T>(connection: Connection, logger: Logger, job: Backfill<T>): Promise<void> {
  const done = connection.collection<{ _id: string; at: Date }>(BACKFILLS);
  if (await done.findOne({ _id: job.name })) return;
  let fixed = 0;
  for (;;) {
    const docs = await job.model.find(job.missing).limit(BATCH).lean<(T & { _id: string })[]>().exec();
    if (docs.length === 0) break;
    let modified = 0;
    // One updateOne per document, PARALLEL at a time: FerretDB 1.24 on PostgreSQL hangs for good
    // (every later command too) on one update command carrying more than ~50 updates, which is
    // what bulkWrite sends (deploy/dataplane/README.md).
    for (let i = 0; i < docs.length; i += PARALLEL) {
      const results = await Promise.all(docs.slice(i, i + PARALLEL).map((d) => job.model.updateOne({ _id: d._id } as never, { $set: job.fields(d) }).exec()));
      modified += results.reduce((n, r) => n + r.modifiedCount, 0);
    }
    // Fields that leave a document matching `missing` would loop for ever.
    if (modified === 0) throw new Error(`backfill ${job.name} changed nothing`);
    fixed += docs.length;
    logger.log({ backfill: job.name, fixed }, 'backfill progress');
  }
  await done.updateOne({ _id: job.name }, { $set: { at: new Date() } }, { upsert: true });
  logger.log({ backfill: job.name, fixed }, 'backfill done');
}

/**
 * Runs a one-time data migration once per database (recorded beside the backfills). `run` must be
 * idempotent: instances starting together may both run it, and a crash midway runs it again.
 */
export async function migrateOnce(connection: Connection, logger: Logger, name: string, run: () => Promise<number>): Promise<void> {
  const done = connection.collection<{ _id: string; at: Date }>(BACKFILLS);
  if (await done.findOne({ _id: name })) return;
  const migrated = await run();
  await done.updateOne({ _id: name }, { $set: { at: new Date() } }, { upsert: true });
  logger.log({ migration: name, migrated }, 'migration done');
}
