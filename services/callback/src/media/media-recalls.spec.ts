import { mediaUuids } from './media-recalls';

describe('mediaUuids', () => {
  it('finds the UUIDs of image, file, sound and video elements and ignores everything else', () => {
    const body = JSON.stringify([
      { MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } },
      { MsgType: 'TIMImageElem', MsgContent: { UUID: 'i', ImageInfoArray: [] } },
      { MsgType: 'TIMFileElem', MsgContent: { UUID: 'f' } },
      { MsgType: 'TIMSoundElem', MsgContent: { UUID: 's' } },
      { MsgType: 'TIMVideoFileElem', MsgContent: { VideoUUID: 'v', ThumbUUID: 'v.thumb' } },
      { MsgType: 'TIMFileElem', MsgContent: { UUID: 7 } },
      null,
    ]);
    expect(mediaUuids(body)).toEqual(['i', 'f', 's', 'v']);
    expect(mediaUuids('not json')).toEqual([]);
    expect(mediaUuids('{"a":1}')).toEqual([]);
  });
});
