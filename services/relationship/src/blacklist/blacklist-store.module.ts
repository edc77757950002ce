import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { BlacklistRepository } from './blacklist.repository';
import { BlacklistDoc, BlacklistSchema, BlacklistVersionDoc, BlacklistVersionSchema } from './blacklist.schema';

/** Blacklist storage alone, read by the friends feature (a blacklist refuses friend requests). */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: BlacklistDoc.name, schema: BlacklistSchema },
      { name: BlacklistVersionDoc.name, schema: BlacklistVersionSchema },
    ]),
  ],
  providers: [BlacklistRepository],
  exports: [BlacklistRepository],
})
export class BlacklistStoreModule {}
