import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';
import { CHAT_CONFIG, loadChatConfig } from './chat.config';
import { ChatGrpcController } from './chat.grpc.controller';
import { DedupeRepository } from './messages/dedupe.repository';
import { C2cMessageDoc, C2cMessageSchema } from './messages/message.schema';
import { MessagesRepository } from './messages/messages.repository';
import { MessagesService } from './messages/messages.service';
import { SequenceRepository } from './messages/sequence.repository';

/** Root module of the chat service: the 1:1 send path, storage and history. */
@Module({})
export class ChatModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: ChatModule,
      imports: [
        PlatformModule.register(config, { topics: [TOPICS.c2cMessages, TOPICS.deliveries] }),
        MongooseModule.forFeature([{ name: C2cMessageDoc.name, schema: C2cMessageSchema }]),
      ],
      controllers: [ChatGrpcController],
      providers: [{ provide: CHAT_CONFIG, useValue: loadChatConfig(env) }, MessagesRepository, SequenceRepository, DedupeRepository, MessagesService],
    };
  }
}
