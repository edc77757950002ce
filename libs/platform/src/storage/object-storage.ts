import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { StorageConfig } from './storage-config';

/** What a HEAD of a stored object says. */
export interface StoredObject {
  size: number;
  contentType: string | undefined;
}

/** A presigned request: the client sends exactly these headers (they are part of the signature). */
export interface PresignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  headers: Record<string, string>;
}

const notFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};

/**
 * The one adapter to the S3 API (MinIO locally; AWS S3, Ceph, Tencent COS or Alibaba OSS through
 * their S3 faces in production). Every key handed in is relative: the adapter puts the
 * region/namespace prefix in front, so two regions or test runs sharing a bucket never meet.
 * Presigned URLs are signed for the public endpoint (what clients reach), requests made here go to
 * the internal one.
 */
export class ObjectStorage {
  private readonly client: S3Client;
  private readonly signer: S3Client;

  constructor(readonly config: StorageConfig) {
    const base: S3ClientConfig = {
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // The SDK's default checksums (CRC32 on every PUT) would be part of presigned URLs, which
      // browsers cannot compute ahead; S3-compatible stores do not all accept them either.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    };
    this.client = new S3Client({ ...base, endpoint: config.endpoint });
    this.signer = config.publicEndpoint === config.endpoint ? this.client : new S3Client({ ...base, endpoint: config.publicEndpoint });
  }

  /** The full object key of a relative one. */
  fullKey(key: string): string {
    return `${this.config.keyPrefix}${key}`;
  }

  /**
   * A PUT for one key, valid `expiresInS` seconds, for exactly `size` bytes of `contentType`, and
   * only while nothing is stored at the key (`If-None-Match: *`): a second PUT with the same URL
   * is refused by the store (412), so a presign cannot overwrite what was confirmed.
   */
  async presignPut(key: string, contentType: string, size: number, expiresInS: number): Promise<PresignedRequest> {
    const command = new PutObjectCommand({ Bucket: this.config.bucket, Key: this.fullKey(key), ContentType: contentType, ContentLength: size, IfNoneMatch: '*' });
    const url = await getSignedUrl(this.signer, command, { expiresIn: expiresInS, signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']) });
    return { method: 'PUT', url, headers: { 'Content-Type': contentType, 'If-None-Match': '*' } };
  }

  /**
   * A GET of one key, valid `expiresInS` seconds; `fileName` becomes the download's name. `internal`
   * signs for the internal endpoint (a tool of ours, such as ffmpeg, reading the object).
   */
  async presignGet(key: string, expiresInS: number, fileName?: string, internal = false): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: this.fullKey(key),
      ...(fileName ? { ResponseContentDisposition: `inline; filename*=UTF-8''${encodeURIComponent(fileName)}` } : {}),
    });
    return getSignedUrl(internal ? this.client : this.signer, command, { expiresIn: expiresInS });
  }

  async createMultipart(key: string, contentType: string): Promise<string> {
    const res = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.config.bucket, Key: this.fullKey(key), ContentType: contentType }));
    if (!res.UploadId) throw new Error('the object store returned no UploadId');
    return res.UploadId;
  }

  /** A PUT of part `partNumber` (1-based) of a multipart upload, for exactly `size` bytes. */
  async presignPart(key: string, uploadId: string, partNumber: number, size: number, expiresInS: number): Promise<PresignedRequest> {
    const command = new UploadPartCommand({ Bucket: this.config.bucket, Key: this.fullKey(key), UploadId: uploadId, PartNumber: partNumber, ContentLength: size });
    const url = await getSignedUrl(this.signer, command, { expiresIn: expiresInS, signableHeaders: new Set(['content-length']) });
    return { method: 'PUT', url, headers: {} };
  }

  /** Completes a multipart upload from the parts the store holds; false if any part is missing. */
  async completeMultipart(key: string, uploadId: string, partCount: number): Promise<boolean> {
    const res = await this.client.send(new ListPartsCommand({ Bucket: this.config.bucket, Key: this.fullKey(key), UploadId: uploadId, MaxParts: 10_000 }));
    const parts = (res.Parts ?? []).filter((p) => p.PartNumber !== undefined && p.ETag !== undefined);
    if (parts.length !== partCount) return false;
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.config.bucket,
        Key: this.fullKey(key),
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber!, ETag: p.ETag! })) },
      }),
    );
    return true;
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.config.bucket, Key: this.fullKey(key), UploadId: uploadId })).catch((err: unknown) => {
      if (!notFound(err)) throw err;
    });
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.fullKey(key) }));
      return { size: res.ContentLength ?? 0, contentType: res.ContentType };
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  /** Bytes [start, end] (inclusive) of an object, or the whole object without a range. */
  async read(key: string, range?: { start: number; end: number }): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.fullKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      if (!res.Body) return Buffer.alloc(0);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      if (notFound(err) || (err as { name?: string }).name === 'InvalidRange') return undefined;
      throw err;
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.config.bucket, Key: this.fullKey(key), Body: body, ContentType: contentType }));
  }

  /** Deletes the keys (missing ones are no error). */
  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      if (!chunk.length) continue;
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.config.bucket, Delete: { Objects: chunk.map((k) => ({ Key: this.fullKey(k) })), Quiet: true } }));
    }
  }

  /**
   * Deletes every object under a prefix, relative (ours) or `absolute` (another region's objects in
   * the same bucket); returns how many.
   */
  async deletePrefix(prefix: string, absolute = false): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: absolute ? prefix : this.fullKey(prefix), ContinuationToken: token }));
      const keys = (res.Contents ?? []).map((o) => o.Key!).filter(Boolean);
      if (keys.length) {
        await this.client.send(new DeleteObjectsCommand({ Bucket: this.config.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
        deleted += keys.length;
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  /**
   * Creates the bucket when allowed and missing, and sets the lifecycle rule that expires this
   * prefix's objects after `expireDays` (the roaming period) and aborts multipart uploads left
   * unfinished for a day. Production buckets are made by the operator (MERIDIAN_S3_CREATE_BUCKET
   * off); the rule is still ours to keep.
   */
  async prepareBucket(expireDays: number): Promise<void> {
    const Bucket = this.config.bucket;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }));
    } catch (err) {
      if (!notFound(err) || !this.config.createBucket) throw err;
      await this.client.send(new CreateBucketCommand({ Bucket })).catch((e: unknown) => {
        const name = (e as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw e;
      });
    }
    if (!this.config.lifecycle) return;
    await this.client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              // One rule per bucket: a rule per region/namespace prefix would replace the others'
              // (PUT replaces the whole configuration), so the roaming period is the bucket's.
              ID: 'meridian-roaming-period',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              Expiration: { Days: expireDays },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      }),
    );
  }

  destroy(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }
}
