import type { DynamicModule } from '@nestjs/common';
import { MongooseModule, getConnectionToken } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { HealthRegistry } from '../health/health';

/**
 * The service's MongoDB connection: one database per service per region. Only features that both
 * MongoDB and FerretDB support are used (no transactions, no change streams).
 */
export function mongoRootModule(): DynamicModule {
  return MongooseModule.forRootAsync({
    inject: [PLATFORM_CONFIG, HealthRegistry],
    useFactory: (config: PlatformConfig, health: HealthRegistry) => ({
      uri: config.mongo.url,
      dbName: config.mongo.database,
      appName: config.instanceId,
      serverSelectionTimeoutMS: 5000,
      autoIndex: true,
      connectionFactory: (connection: Connection) => {
        health.register('mongo', async () => {
          if (connection.readyState !== 1) throw new Error(`connection state ${connection.readyState}`);
          await connection.db?.admin().ping();
        });
        return connection;
      },
    }),
  });
}

export const MONGO_CONNECTION = getConnectionToken();

/** A duplicate-key error (11000): the unique index, usually `_id`, decided a race. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}

/**
 * Documents by `_id`, one lookup per id, in parallel. FerretDB on SQLite answers `{_id: {$in}}`
 * by reading the whole collection (1.6 s for two ids among 69,000 accounts) but a single `_id`
 * equality from its index (~1 ms); on MongoDB both are index lookups. Missing ids are left out.
 */
export async function findByIds<T>(model: Model<T>, ids: readonly string[], projection?: Record<string, 0 | 1>): Promise<T[]> {
  const docs = await Promise.all([...new Set(ids)].map((id) => model.findById(id, projection).lean<T>().exec()));
  return docs.filter((d): d is NonNullable<typeof d> => d !== null) as T[];
}
