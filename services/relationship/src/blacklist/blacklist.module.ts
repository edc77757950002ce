import { Module } from '@nestjs/common';

/** Blacklists: add, delete, list, check, and the send check chat asks for. */
@Module({})
export class BlacklistModule {}
