import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FriendsStoreModule } from '../friends/friends-store.module';
import { ProfileDoc, ProfileFieldsDoc, ProfileFieldsSchema, ProfileSchema } from './profile.schema';
import { ProfilesGrpcController } from './profiles.grpc.controller';
import { ProfilesRepository } from './profiles.repository';
import { ProfilesService } from './profiles.service';

/** Profiles: standard Tag_Profile_IM_* fields and app-declared Tag_Profile_Custom_* fields. */
@Module({
  imports: [
    FriendsStoreModule,
    MongooseModule.forFeature([
      { name: ProfileDoc.name, schema: ProfileSchema },
      { name: ProfileFieldsDoc.name, schema: ProfileFieldsSchema },
    ]),
  ],
  controllers: [ProfilesGrpcController],
  providers: [ProfilesRepository, ProfilesService],
  exports: [ProfilesService],
})
export class ProfilesModule {}
