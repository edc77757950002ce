import { ErrorCode } from './errors';
import { validateMsgBody } from './messages';

const codeOf = (body: unknown, tooLong?: number): number => {
  try {
    validateMsgBody(body, tooLong);
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
};

describe(validateMsgBody.name, () => {
  it('accepts every element type in its documented shape', () => {
    const all = [
      { MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } },
      { MsgType: 'TIMFaceElem', MsgContent: { Index: 1, Data: 'smile' } },
      { MsgType: 'TIMLocationElem', MsgContent: { Desc: 'here', Latitude: 1.3, Longitude: 103.8 } },
      { MsgType: 'TIMCustomElem', MsgContent: { Data: '{"redPacket":1}', Desc: 'red packet' } },
      { MsgType: 'TIMSoundElem', MsgContent: { Url: 'https://x/a.mp3', Size: 10, Second: 2, Download_Flag: 2 } },
      { MsgType: 'TIMImageElem', MsgContent: { UUID: 'u', ImageFormat: 1, ImageInfoArray: [{ Type: 1, Size: 1, Width: 1, Height: 1, URL: 'https://x/i.jpg' }] } },
      { MsgType: 'TIMFileElem', MsgContent: { Url: 'https://x/f', FileSize: 3, FileName: 'f.txt', Download_Flag: 2 } },
      { MsgType: 'TIMVideoFileElem', MsgContent: { VideoUrl: 'https://x/v.mp4', VideoSize: 9, VideoSecond: 3, VideoFormat: 'mp4', ThumbUrl: 'https://x/t.jpg' } },
      { MsgType: 'TIMRelayElem', MsgContent: { Title: 'chat', MsgNum: 1, CompatibleText: 'upgrade', AbstractList: ['a: hi'], MsgList: [] } },
    ];
    expect(codeOf(all)).toBe(0);
  });

  it('refuses bodies and elements with Tencent codes', () => {
    expect(codeOf('hi')).toBe(ErrorCode.MSG_BODY_NOT_ARRAY);
    expect(codeOf([])).toBe(ErrorCode.MSG_BODY_NOT_ARRAY);
    expect(codeOf([{ MsgType: 'TIMTextElem' }])).toBe(ErrorCode.MSG_ELEMENT_INVALID);
    expect(codeOf([{ MsgType: 'TIMTextElem', MsgContent: { Text: 5 } }])).toBe(ErrorCode.MSG_ELEMENT_INVALID);
    expect(codeOf([{ MsgType: 'TIMHologramElem', MsgContent: {} }])).toBe(ErrorCode.MSG_ELEMENT_INVALID);
    expect(codeOf([{ MsgType: 'TIMLocationElem', MsgContent: { Latitude: 'north', Longitude: 1 } }])).toBe(ErrorCode.MSG_ELEMENT_INVALID);
    const custom = { MsgType: 'TIMCustomElem', MsgContent: { Data: 'x' } };
    expect(codeOf([custom, custom])).toBe(ErrorCode.MSG_ELEMENT_INVALID);
  });

  it('refuses a body over 12 KB with the code the caller names', () => {
    const big = [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(13 * 1024) } }];
    expect(codeOf(big)).toBe(ErrorCode.MSG_BODY_TOO_LONG);
    expect(codeOf(big, ErrorCode.MSG_TOO_LONG_REST)).toBe(93000);
    expect(codeOf([{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(11 * 1024) } }])).toBe(0);
  });

  it('knows only its own element types: inherited names such as constructor are unknown', () => {
    for (const MsgType of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect({ MsgType, code: codeOf([{ MsgType, MsgContent: {} }]) }).toEqual({ MsgType, code: ErrorCode.MSG_ELEMENT_INVALID });
    }
  });
});
