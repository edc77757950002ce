import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, appDataPurge, type PlatformConfig } from '@meridian/platform';
import { GROUP_KEY_FAMILIES } from './group.keys';
import { GROUP_CONFIG, loadGroupConfig } from './group.config';
import { GroupGrpcController } from './group.grpc.controller';
import { AuthAppSettings } from './apps/auth-app-settings';
import {
  ApplicationDoc,
  ApplicationSchema,
  GroupAppSettingsDoc,
  GroupAppSettingsSchema,
  GroupDoc,
  GroupMessageDoc,
  GroupMessageSchema,
  GroupSchema,
  MemberDoc,
  MemberSchema,
  MuteDoc,
  MuteSchema,
  UserGroupDoc,
  UserGroupSchema,
} from './groups/group.schema';
import { GroupsRepository } from './groups/groups.repository';
import { GroupCore } from './groups/group-core';
import { GroupMembersService } from './groups/group-members.service';
import { GroupMessagesService } from './groups/group-messages.service';
import { GroupsService } from './groups/groups.service';
import { LiveRoomsService } from './groups/live-rooms.service';
import { LiveRoomsRepository } from './groups/live-rooms.repository';
import { GroupSequencesRepository } from './groups/group-sequences.repository';
import { SendControlRepository } from './groups/send-control.repository';
import { GroupBeforeCallbacks } from './groups/group-callbacks';
import { GroupSendExceptions } from './groups/group-origin';
import { GroupRetentionService } from './groups/group-retention.service';

/** Root module of the group service: groups, members, roles, mutes and group messages. */
@Module({})
export class GroupModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: GroupModule,
      imports: [
        PlatformModule.register(config, { topics: [TOPICS.groupEvents, TOPICS.groupRecalls, TOPICS.deliveries, TOPICS.appChanges] }),
        MongooseModule.forFeature([
          { name: GroupDoc.name, schema: GroupSchema },
          { name: MemberDoc.name, schema: MemberSchema },
          { name: UserGroupDoc.name, schema: UserGroupSchema },
          { name: MuteDoc.name, schema: MuteSchema },
          { name: ApplicationDoc.name, schema: ApplicationSchema },
          { name: GroupMessageDoc.name, schema: GroupMessageSchema },
          { name: GroupAppSettingsDoc.name, schema: GroupAppSettingsSchema },
        ]),
      ],
      controllers: [GroupGrpcController],
      providers: [{ provide: GROUP_CONFIG, useValue: loadGroupConfig(env) }, AuthAppSettings, ...appDataPurge({ keyFamilies: GROUP_KEY_FAMILIES }), GroupsRepository, LiveRoomsRepository, GroupSequencesRepository, SendControlRepository, GroupBeforeCallbacks, GroupSendExceptions, LiveRoomsService, GroupCore, GroupMembersService, GroupMessagesService, GroupsService, GroupRetentionService],
    };
  }
}
