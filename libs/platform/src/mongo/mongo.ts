import type { DynamicModule } from '@nestjs/common';
import { MongooseModule, getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
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
