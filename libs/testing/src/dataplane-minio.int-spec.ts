import { readFileSync } from 'node:fs';
import { ObjectStorage } from '@meridian/platform';
import { minioCredentialsFile } from './dataplane-minio';
import { testTopology } from './test-platform';

/** Beside another checkout's data plane, its MinIO's credentials are found and work (slice of #21). */
describe('minioCredentialsFile against the running data plane', () => {
  const endpoint = testTopology().dataPlane.s3Url!;
  const store = (accessKeyId: string, secretAccessKey: string) =>
    new ObjectStorage({ endpoint, publicEndpoint: endpoint, bucket: 'meridian-media', region: 'us-east-1', accessKeyId, secretAccessKey, forcePathStyle: true, keyPrefix: 'credentials-check/', cdnBaseUrl: undefined, createBucket: true, lifecycle: false });

  it("names the credentials of the MinIO that answers on the S3 port, whichever checkout started it, and the store takes them (and refuses others')", async () => {
    const file = minioCredentialsFile(Number(new URL(endpoint).port));
    expect(file).toMatch(/\/minio\/credentials\.json$/);
    const { accessKeyId, secretAccessKey } = JSON.parse(readFileSync(file!, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
    const good = store(accessKeyId, secretAccessKey);
    const bad = store(accessKeyId, `${secretAccessKey}x`);
    try {
      await good.prepareBucket(7);
      expect(await good.head('no-such-object')).toBeUndefined();
      await expect(bad.head('no-such-object')).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      good.destroy();
      bad.destroy();
    }
  });
});
