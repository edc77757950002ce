import mongoose, { type Connection } from 'mongoose';
import { APP_DATA_SERVICES } from '@meridian/platform';
import { testTopology } from '@meridian/testing';
import { type AppDeletionDoc, AppDeletionSchema, type AppPurgeReportDoc, AppPurgeReportSchema } from './app-deletion.schema';
import { AppDeletionsRepository } from './app-deletions.repository';
import { type AppDoc, AppSchema } from './app.schema';

/** Purge reports on the real MongoDB-wire server (FerretDB here), where concurrent updates of one document can lose one. */
describe('AppDeletionsRepository.report', () => {
  let conn: Connection;
  let repo: AppDeletionsRepository;

  beforeAll(async () => {
    conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region('ap-singapore').mongoDatabase}_purgereporttest` }).asPromise();
    const reports = conn.model<AppPurgeReportDoc>('PurgeReportTest', AppPurgeReportSchema, 'app_purge_reports');
    await reports.init();
    repo = new AppDeletionsRepository(conn.model<AppDeletionDoc>('DeletionTest', AppDeletionSchema, 'app_deletions'), reports, conn.model<AppDoc>('AppTest', AppSchema, 'apps'), conn);
  });

  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it('every service reporting at the same moment is recorded (the first report of each stands), and nothing for an unknown deletion', async () => {
    for (const sdkAppId of [1400000301, 1400000302, 1400000303]) {
      expect(await repo.insert({ _id: sdkAppId, name: 'x', homeRegion: 'ap-singapore', requestedAt: new Date(), purged: {} })).toBe(true);
      await Promise.all(APP_DATA_SERVICES.map((s, i) => repo.report(sdkAppId, s, i + 1)));
      // Replays, concurrently, with other counts: the first report stands.
      await Promise.all(APP_DATA_SERVICES.map((s) => repo.report(sdkAppId, s, 99)));
      const d = await repo.find(sdkAppId);
      expect(Object.fromEntries(APP_DATA_SERVICES.map((s) => [s, d!.purged[s]?.removed]))).toEqual(Object.fromEntries(APP_DATA_SERVICES.map((s, i) => [s, i + 1])));
    }
    expect(await repo.report(1400000399, 'chat', 1)).toBeNull();
    expect(await repo.find(1400000399)).toBeNull();
  });
});
