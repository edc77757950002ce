import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';
import { AUTH_CONFIG, loadAuthConfig } from './auth.config';
import { AuthGrpcController } from './auth.grpc.controller';
import { AccountDoc, AccountSchema } from './accounts/account.schema';
import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import { AppDoc, AppSchema } from './apps/app.schema';
import { AppsRepository } from './apps/apps.repository';
import { AppsService } from './apps/apps.service';
import { AppDeletionDoc, AppDeletionSchema, AppPurgeReportDoc, AppPurgeReportSchema } from './apps/app-deletion.schema';
import { AppDeletionsRepository } from './apps/app-deletions.repository';
import { AppDeletionsService } from './apps/app-deletions.service';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { FailureThrottle } from './usersig/failure-throttle.repository';
import { SigRevocationDoc, SigRevocationSchema } from './usersig/revocation.schema';
import { RevocationsRepository } from './usersig/revocations.repository';
import { UserSigService } from './usersig/usersig.service';
import { StatsAggregator } from './stats/stats.aggregator';

/** Root module of the auth service: apps, UserSig, accounts and login sessions. */
@Module({})
export class AuthModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        PlatformModule.register(config, { topics: [TOPICS.userState, TOPICS.sessionKicked, TOPICS.accountsDeleted, TOPICS.accountChanges, TOPICS.appChanges, TOPICS.groupEvents] }),
        MongooseModule.forFeature([
          { name: AppDoc.name, schema: AppSchema },
          { name: AccountDoc.name, schema: AccountSchema },
          { name: SigRevocationDoc.name, schema: SigRevocationSchema },
          { name: AppDeletionDoc.name, schema: AppDeletionSchema },
          { name: AppPurgeReportDoc.name, schema: AppPurgeReportSchema },
        ]),
      ],
      controllers: [AuthGrpcController],
      providers: [
        { provide: AUTH_CONFIG, useValue: loadAuthConfig(env) },
        AppsRepository,
        AppsService,
        FailureThrottle,
        RevocationsRepository,
        UserSigService,
        AccountsRepository,
        SessionsRepository,
        SessionsService,
        AccountsService,
        StatsAggregator,
        AppDeletionsRepository,
        AppDeletionsService,
      ],
    };
  }
}
