import { Logger, type DynamicModule } from '@nestjs/common';
import { MongooseModule, getConnectionToken } from '@nestjs/mongoose';
import type { Connection, QueryFilter, Model } from 'mongoose';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { HealthRegistry } from '../health/health';

/** How long the driver may go without a successful heartbeat before the watchdog reopens it. */
const STALL_MS = 30_000;

/**
 * The service's MongoDB connection: one database per service per region. Only features that both
 * MongoDB and FerretDB support are used (no transactions, no change streams).
 *
 * `bufferCommands: false`: while the server is away an operation fails at once (the driver's own
 * server selection, 5 s) instead of waiting in mongoose's queue; callers already retry or answer
 * with a code. And a watchdog: in the chaos test, after a MongoDB-wire server restart, a service
 * sometimes never heard from the driver's monitor again (no socket, no heartbeat, every operation
 * "server selection" failing for minutes) although the server was back. When no heartbeat has
 * succeeded for STALL_MS the connection is closed and opened anew, which recovers it.
 */
export function mongoRootModule(): DynamicModule {
  return MongooseModule.forRootAsync({
    inject: [PLATFORM_CONFIG, HealthRegistry],
    useFactory: (config: PlatformConfig, health: HealthRegistry) => {
      const options = {
        dbName: config.mongo.database,
        appName: config.instanceId,
        serverSelectionTimeoutMS: 5000,
        heartbeatFrequencyMS: 5000,
        bufferCommands: false,
        autoIndex: true,
      };
      return {
        uri: config.mongo.url,
        ...options,
        connectionFactory: (connection: Connection) => {
          health.register('mongo', async () => {
            if (connection.readyState !== 1) throw new Error(`connection state ${connection.readyState}`);
            await connection.db?.admin().ping();
          });
          watchStalls(connection, () => connection.openUri(config.mongo.url, options));
          return connection;
        },
      };
    },
  });
}

/** Reopens `connection` when it has been without a heartbeat for STALL_MS (see mongoRootModule). */
function watchStalls(connection: Connection, reopen: () => Promise<unknown>): void {
  const logger = new Logger('Mongo');
  let lastHealthy = Date.now();
  let reopening = false;
  const timer = setInterval(() => {
    if (connection.readyState === 1) {
      lastHealthy = Date.now();
      return;
    }
    // 3 = closing; 99 = uninitialized: our own shutdown, or a reopen already under way.
    if (reopening || connection.readyState === 3 || Date.now() - lastHealthy < STALL_MS) return;
    reopening = true;
    logger.warn({ msg: 'MongoDB connection without a heartbeat; reopening it', stalledMs: Date.now() - lastHealthy });
    void connection
      .close()
      .then(reopen)
      .then(
        () => logger.log('MongoDB connection reopened'),
        (err: unknown) => logger.warn({ msg: 'reopening the MongoDB connection failed; will try again', err }),
      )
      .finally(() => {
        lastHealthy = Date.now();
        reopening = false;
      });
  }, 5000);
  timer.unref();
  connection.on('close', () => {
    if (!reopening) clearInterval(timer);
  });
}

export const MONGO_CONNECTION = getConnectionToken();

/** A duplicate-key error (11000): the unique index, usually `_id`, decided a race. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}

/**
 * Documents by `_id`, one lookup per id, in parallel. FerretDB 1.24 does not push `{_id: {$in}}`
 * down and reads the whole collection (1.2-1.6 s for two ids among 70,000 accounts), but answers
 * a single `_id` equality from an index (~1 ms, deploy/dataplane/README.md); on MongoDB both are
 * index lookups. Missing ids are left out.
 */
export async function findByIds<T>(model: Model<T>, ids: readonly string[], projection?: Record<string, 0 | 1>): Promise<T[]> {
  const docs = await Promise.all([...new Set(ids)].map((id) => model.findById(id, projection).lean<T>().exec()));
  return docs.filter((d): d is NonNullable<typeof d> => d !== null) as T[];
}

/**
 * deleteMany in rounds of at most `batch` documents: FerretDB on PostgreSQL fails a single
 * delete matching more than 65,535 (one bind parameter per document). `filter` should name an
 * indexed equality, since each round reads the remaining matches again. Returns the count deleted.
 */
export async function deleteInBatches<T>(model: Model<T>, filter: QueryFilter<T>, batch = 10_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const ids = (await model.find(filter, { _id: 1 }).limit(batch).lean<{ _id: unknown }[]>().exec()).map((d) => d._id);
    if (ids.length === 0) return deleted;
    deleted += (await model.deleteMany({ $and: [filter, { _id: { $in: ids } }] } as QueryFilter<T>).exec()).deletedCount;
  }
}
