import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import type { MediaType } from '@meridian/contracts';
import { GatewayKeys } from '../gateway.keys';

/** One granted upload, kept until it is confirmed or its presign has long expired. */
export interface UploadGrant {
  sdkAppId: number;
  userId: string;
  type: MediaType;
  /** Relative object key. */
  key: string;
  size: number;
  contentType: string;
  fileName?: string;
  /** Multipart uploads: the store's upload id and the number of parts. */
  multipart?: { uploadId: string; parts: number };
}

@Injectable()
export class MediaUploads {
  constructor(@Inject(RedisClient) private readonly client: RedisClient) {}

  async save(id: string, grant: UploadGrant, ttlS: number): Promise<void> {
    await this.client.redis.set(GatewayKeys.mediaUpload(id), JSON.stringify(grant), 'EX', ttlS);
  }

  async find(id: string): Promise<UploadGrant | undefined> {
    const v = await this.client.redis.get(GatewayKeys.mediaUpload(id));
    return v ? (JSON.parse(v) as UploadGrant) : undefined;
  }

  /** Takes the grant: true for exactly one caller, so one upload is confirmed once. */
  async take(id: string): Promise<boolean> {
    return (await this.client.redis.del(GatewayKeys.mediaUpload(id))) === 1;
  }
}
