import type { JsonObject } from '@meridian/contracts';
import { accountField } from '../../rest/body';
import { checkedByHandler } from '../legacy-body';
import { runRow, type EdgeCall, type EdgeRow } from '../edge-command';
import type { RoutedCaller } from '../../media/media-router';

/**
 * Uploads (docs/media.md). WebSocket, for clients, as the logged-in user: `media.upload`,
 * `media.confirm`, `media.info`. REST, for app backends (Tencent has no such API; the service name
 * is ours): `meridian_media/upload`, `…/confirm`, `…/info`, on behalf of `From_Account` (default:
 * the calling admin). The media service checks every field (type, size, content type, names).
 * Both run where the app's objects live, its home region (MediaRouter): REST is there already
 * (the REST face forwards), a WebSocket command of a client connected elsewhere is handed over.
 */
const caller = (c: EdgeCall, b: JsonObject): RoutedCaller => ({
  sdkAppId: c.sdkAppId,
  userId: c.face === 'ws' || b['From_Account'] === undefined ? c.operator : accountField(b, ['From_Account']),
  homeRegion: c.homeRegion,
  // Download URLs point at the gateways of the region the call entered through.
  urlRegion: c.face === 'ws' ? c.deps.platform.region : c.entryRegion,
});

export const MEDIA_COMMANDS: EdgeRow[] = [
  runRow({
    ws: 'media.upload',
    service: 'gateway',
    schema: checkedByHandler,
    doc: '`type`, `size`, `contentType`, `fileName?` → a presigned PUT (or multipart parts) for one object key of the user',
    run: (c, b) => c.deps.media.run(caller(c, b), 'upload', { type: b['type'], size: b['size'], contentType: b['contentType'], fileName: b['fileName'] }),
  }),
  runRow({
    ws: 'media.confirm',
    service: 'gateway',
    schema: checkedByHandler,
    doc: '`uploadId`, `second?` → the Tencent element of the stored, checked object',
    run: (c, b) => c.deps.media.run(caller(c, b), 'confirm', { uploadId: b['uploadId'], second: b['second'] }),
  }),
  runRow({
    ws: 'media.info',
    service: 'gateway',
    schema: checkedByHandler,
    doc: "`uuid`, `fileName?`, `second?` → the object's status and element",
    run: (c, b) => c.deps.media.run(caller(c, b), 'info', { uuid: b['uuid'], fileName: b['fileName'], second: b['second'] }),
  }),
  runRow({
    rest: 'meridian_media/upload',
    service: 'gateway',
    schema: checkedByHandler,
    doc: "Meridian's own (Tencent has none): `From_Account?`, `Type`, `Size`, `ContentType`, `FileName?` → a presigned PUT (multipart above 16 MiB) valid for minutes",
    run: (c, b) => c.deps.media.run(caller(c, b), 'upload', { type: b['Type'], size: b['Size'], contentType: b['ContentType'], fileName: b['FileName'] }),
  }),
  runRow({
    rest: 'meridian_media/confirm',
    service: 'gateway',
    schema: checkedByHandler,
    doc: "Meridian's own: `From_Account?`, `UploadId`, `Second?` → `Element` (size and leading bytes checked; variants made asynchronously)",
    run: async (c, b) => ({ Element: (await c.deps.media.run(caller(c, b), 'confirm', { uploadId: b['UploadId'], second: b['Second'] }))['element'] }) as JsonObject,
  }),
  runRow({
    rest: 'meridian_media/info',
    service: 'gateway',
    schema: checkedByHandler,
    doc: "Meridian's own: `From_Account?`, `UUID`, `FileName?`, `Second?` → `Status`, `Element`",
    run: async (c, b) => {
      const res = await c.deps.media.run(caller(c, b), 'info', { uuid: b['UUID'], fileName: b['FileName'], second: b['Second'] });
      return { Status: res['status'], Element: res['element'] } as JsonObject;
    },
  }),
];
