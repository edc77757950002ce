import { Module } from '@nestjs/common';

/** Profiles: standard Tag_Profile_IM_* fields and app-declared Tag_Profile_Custom_* fields. */
@Module({})
export class ProfilesModule {}
