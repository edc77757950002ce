import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/** The object store (S3 API) the media features use; `undefined` in PlatformConfig when not configured. */
export interface StorageConfig {
  /** Where this process sends its S3 requests. */
  endpoint: string;
  /** What clients reach: presigned URLs are signed for this address (an Ingress or the store's public name). */
  publicEndpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style addressing (`<endpoint>/<bucket>/<key>`), as MinIO and most self-hosted stores need. */
  forcePathStyle: boolean;
  /** Every key this process writes starts with this (the region's, and a test run's namespace). */
  keyPrefix: string;
  /** When set, downloads are `<cdnBaseUrl>/<full key>` instead of presigned GETs (the app's CDN in front of the bucket). */
  cdnBaseUrl: string | undefined;
  /** Create the bucket when it is missing (local data plane); production buckets are the operator's. */
  createBucket: boolean;
  /** Set the bucket's expiry rule (the roaming period) at start. */
  lifecycle: boolean;
}

/** The environment keys of the object store (part of the platform's schema). */
export const storageEnvShape = {
  /** http(s)://host:port of the S3 API; default: the topology's data plane (MinIO locally). */
  MERIDIAN_S3_ENDPOINT: z.string().url().optional(),
  MERIDIAN_S3_PUBLIC_ENDPOINT: z.string().url().optional(),
  MERIDIAN_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'MERIDIAN_S3_BUCKET must be a valid S3 bucket name')
    .default('meridian-media'),
  MERIDIAN_S3_REGION: z.string().min(1).default('us-east-1'),
  MERIDIAN_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  MERIDIAN_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /**
   * A JSON file `{ "accessKeyId", "secretAccessKey" }` (what deploy/dataplane/dataplane.sh writes
   * for MinIO); read when the two keys above are unset.
   */
  MERIDIAN_S3_CREDENTIALS_FILE: z.string().min(1).optional(),
  MERIDIAN_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('true'),
  MERIDIAN_S3_CREATE_BUCKET: z.enum(['true', 'false']).default('false'),
  MERIDIAN_S3_LIFECYCLE: z.enum(['true', 'false']).default('true'),
  MERIDIAN_MEDIA_CDN_BASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
};

type StorageEnv = z.infer<z.ZodObject<typeof storageEnvShape>>;

/**
 * The store's settings, or undefined when it has no credentials (the media commands then answer
 * that uploads are not configured; everything else works). The credentials file is read once.
 */
export function storageConfig(e: StorageEnv, defaults: { endpoint: string | undefined; credentialsFile: string | undefined; keyPrefix: string }): StorageConfig | undefined {
  let accessKeyId = e.MERIDIAN_S3_ACCESS_KEY_ID;
  let secretAccessKey = e.MERIDIAN_S3_SECRET_ACCESS_KEY;
  const file = e.MERIDIAN_S3_CREDENTIALS_FILE ?? defaults.credentialsFile;
  if ((!accessKeyId || !secretAccessKey) && file && existsSync(file)) {
    const parsed = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} must hold {"accessKeyId", "secretAccessKey"}`);
    ({ accessKeyId, secretAccessKey } = parsed.data);
  }
  const endpoint = e.MERIDIAN_S3_ENDPOINT ?? defaults.endpoint;
  if (!accessKeyId || !secretAccessKey || !endpoint) return undefined;
  return {
    endpoint,
    publicEndpoint: e.MERIDIAN_S3_PUBLIC_ENDPOINT ?? endpoint,
    bucket: e.MERIDIAN_S3_BUCKET,
    region: e.MERIDIAN_S3_REGION,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: e.MERIDIAN_S3_FORCE_PATH_STYLE === 'true',
    keyPrefix: defaults.keyPrefix,
    cdnBaseUrl: e.MERIDIAN_MEDIA_CDN_BASE_URL?.replace(/\/+$/, ''),
    createBucket: e.MERIDIAN_S3_CREATE_BUCKET === 'true',
    lifecycle: e.MERIDIAN_S3_LIFECYCLE === 'true',
  };
}
