import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TOPICS } from '@meridian/contracts';
import { AppCountReporter, PlatformModule, appDataPurge, type PlatformConfig } from '@meridian/platform';
import { AfterConsumer } from './after/after.consumer';
import { AfterService } from './after/after.service';
import { AppCallbacksCache } from './apps/app-callbacks.cache';
import { BeforeService } from './before/before.service';
import { CALLBACK_CONFIG, loadCallbackConfig } from './callback.config';
import { CallbackGrpcController } from './callback.grpc.controller';
import { ReplayService } from './retries/replay.service';
import { RetryDispatcher } from './retries/retry.dispatcher';
import { RetryRepository } from './retries/retry.repository';
import { DeadLetterDoc, DeadLetterSchema, RetryDoc, RetrySchema } from './retries/retry.schema';
import { MediaRecalls } from './media/media-recalls';
import { MediaWorker } from './media/media.worker';
import { HttpSender } from './sender/http-sender';

/**
 * Root module of the callback service: before-callbacks over gRPC, after-callbacks from Kafka with
 * a durable retry queue and dead letters, one HTTP sender for both; and the media worker.
 */
@Module({})
export class CallbackModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: CallbackModule,
      imports: [
        PlatformModule.register(config, {
          topics: [TOPICS.userState, TOPICS.c2cMessages, TOPICS.relationshipChanges, TOPICS.groupEvents, TOPICS.callbackDlq, TOPICS.mediaObjects, TOPICS.accountsDeleted, TOPICS.c2cRecalls, TOPICS.groupRecalls, TOPICS.appChanges],
        }),
        MongooseModule.forFeature([
          { name: RetryDoc.name, schema: RetrySchema },
          { name: DeadLetterDoc.name, schema: DeadLetterSchema },
        ]),
      ],
      controllers: [CallbackGrpcController],
      providers: [
        { provide: CALLBACK_CONFIG, useValue: loadCallbackConfig(env) },
        // A deleted app's data: its documents (retries, dead letters) and its media objects.
        ...appDataPurge({ useFactory: (media: MediaWorker) => ({ keyFamilies: [], extra: (sdkAppId) => media.forgetApp(sdkAppId) }), inject: [MediaWorker] }),
        AppCallbacksCache,
        HttpSender,
        AppCountReporter,
        RetryRepository,
        AfterService,
        AfterConsumer,
        RetryDispatcher,
        BeforeService,
        ReplayService,
        MediaWorker,
        MediaRecalls,
      ],
    };
  }
}
