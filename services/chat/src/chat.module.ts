import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TOPICS } from '@meridian/contracts';
import { AppCountReporter, PlatformModule, appDataPurge, type PlatformConfig } from '@meridian/platform';
import { AppSettingsCache } from './apps/app-settings.cache';
import { CHAT_CONFIG, loadChatConfig } from './chat.config';
import { ChatGrpcController } from './chat.grpc.controller';
import { ConversationDoc, ConversationSchema } from './conversations/conversation.schema';
import { ConversationsProjector } from './conversations/conversations.projector';
import { ConversationsRepository } from './conversations/conversations.repository';
import { ConversationsService } from './conversations/conversations.service';
import { DedupeRepository } from './messages/dedupe.repository';
import { C2cMessageDoc, C2cMessageSchema, ImportKeyDoc, ImportKeySchema, SeqFloorDoc, SeqFloorSchema } from './messages/message.schema';
import { MessagesRepository } from './messages/messages.repository';
import { MessagesService } from './messages/messages.service';
import { RetentionService } from './messages/retention.service';
import { SendChecks } from './messages/send-checks';
import { SequenceRepository } from './messages/sequence.repository';

/** Root module of the chat service: the 1:1 send path, storage, history, conversations and read receipts. */
@Module({})
export class ChatModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: ChatModule,
      imports: [
        PlatformModule.register(config, { topics: [TOPICS.c2cMessages, TOPICS.c2cRecalls, TOPICS.deliveries, TOPICS.accountsDeleted, TOPICS.accountChanges, TOPICS.appChanges, TOPICS.relationshipChanges] }),
        MongooseModule.forFeature([
          { name: C2cMessageDoc.name, schema: C2cMessageSchema },
          { name: SeqFloorDoc.name, schema: SeqFloorSchema },
          { name: ImportKeyDoc.name, schema: ImportKeySchema },
          { name: ConversationDoc.name, schema: ConversationSchema },
        ]),
      ],
      controllers: [ChatGrpcController],
      providers: [
        { provide: CHAT_CONFIG, useValue: loadChatConfig(env) },
        // A deleted app's data: its documents, and the Redis families of chat.keys.ts.
        ...appDataPurge({ keyFamilies: ['seq', 'dedupe'] }),
        AppSettingsCache,
        AppCountReporter,
        MessagesRepository,
        SequenceRepository,
        DedupeRepository,
        ConversationsRepository,
        ConversationsService,
        ConversationsProjector,
        SendChecks,
        MessagesService,
        RetentionService,
      ],
    };
  }
}
