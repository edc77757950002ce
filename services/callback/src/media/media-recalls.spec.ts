import { mediaKeys, userFolder, uuidOfKey } from '@meridian/contracts';
import { recalledObjectKeys } from './media-recalls';

describe('recalledObjectKeys', () => {
  const app = 1400000001;
  const name = 'a'.repeat(32);
  const bobs = mediaKeys(userFolder(app, 'bob'), name);

  it("deletes the sender's own objects with their variants and meta.json, once each", () => {
    const uuid = uuidOfKey(bobs.original);
    expect(recalledObjectKeys(app, { fromAccount: 'bob', mediaUuids: [uuid, uuid] })).toEqual([bobs.original, bobs.large, bobs.thumb, bobs.meta]);
  });

  it("leaves another user's, another app's and malformed UUIDs alone", () => {
    const alices = uuidOfKey(mediaKeys(userFolder(app, 'alice'), name).original);
    const otherApps = uuidOfKey(mediaKeys(userFolder(app + 1, 'bob'), name).original);
    const variant = uuidOfKey(bobs.thumb);
    for (const uuid of [alices, otherApps, variant, '', '../../x', `${app}-..-${name}`, 'not-a-uuid']) {
      expect(recalledObjectKeys(app, { fromAccount: 'bob', mediaUuids: [uuid] })).toEqual([]);
    }
  });
});
