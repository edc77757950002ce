import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { BlacklistGrpcController } from './blacklist.grpc.controller';
import { BlacklistRepository } from './blacklist.repository';
import { BlacklistDoc, BlacklistSchema, BlacklistVersionDoc, BlacklistVersionSchema } from './blacklist.schema';
import { BlacklistService } from './blacklist.service';

/** Blacklists: add, delete, list, check, and the send check chat asks for. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: BlacklistDoc.name, schema: BlacklistSchema },
      { name: BlacklistVersionDoc.name, schema: BlacklistVersionSchema },
    ]),
  ],
  controllers: [BlacklistGrpcController],
  providers: [BlacklistRepository, BlacklistService],
})
export class BlacklistModule {}
