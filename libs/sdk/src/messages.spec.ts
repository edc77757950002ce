import { MeridianError } from './errors';
import { TYPES, c2cConversationID, draft, elements, fromWire, payloadOf, peerOf, randomU32 } from './messages';

describe('message factories', () => {
  it('builds the wire elements Tencent defines', () => {
    expect(elements.text({ text: 'hi' })).toEqual({ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } });
    expect(elements.face({ index: 3, data: 'smile' })).toEqual({ MsgType: 'TIMFaceElem', MsgContent: { Index: 3, Data: 'smile' } });
    expect(elements.location({ description: 'SG', latitude: 1.29, longitude: 103.85 })).toEqual({
      MsgType: 'TIMLocationElem',
      MsgContent: { Desc: 'SG', Latitude: 1.29, Longitude: 103.85 },
    });
    expect(elements.custom({ data: '{"x":1}', description: 'card' })).toEqual({ MsgType: 'TIMCustomElem', MsgContent: { Data: '{"x":1}', Desc: 'card', Ext: '' } });
    const img = elements.image({ url: 'https://img.example/p.png', width: 10, height: 20 });
    expect(img.MsgType).toBe(TYPES.MSG_IMAGE);
    expect((img.MsgContent['ImageInfoArray'] as { Type: number; URL: string }[]).map((i) => [i.Type, i.URL])).toEqual([
      [1, 'https://img.example/p.png'],
      [2, 'https://img.example/p.png'],
      [3, 'https://img.example/p.png'],
    ]);
    expect(elements.sound({ url: 'u', second: 3 }).MsgContent).toMatchObject({ Url: 'u', Second: 3, Download_Flag: 2 });
    expect(elements.file({ url: 'u', fileName: 'a.pdf', fileSize: 9 }).MsgContent).toMatchObject({ Url: 'u', FileName: 'a.pdf', FileSize: 9, Download_Flag: 2 });
    expect(elements.video({ videoUrl: 'v', second: 5 }).MsgContent).toMatchObject({ VideoUrl: 'v', VideoSecond: 5, VideoDownloadFlag: 2 });
  });

  it('refuses bad payloads with a typed error (2000)', () => {
    for (const bad of [() => elements.text({ text: '' }), () => elements.face({} as { index: number }), () => elements.image({ url: '' })]) {
      expect(bad).toThrow(MeridianError);
      try {
        bad();
      } catch (err) {
        expect((err as MeridianError).code).toBe(2000);
      }
    }
    expect(() => draft('alice', { to: '', payload: {} }, elements.text({ text: 'x' }))).toThrow('to (the receiver userID) is required');
  });

  it('drafts an unsent message whose ID both sides compute alike', () => {
    const m = draft('alice', { to: 'bob', payload: { text: 'hi' } }, elements.text({ text: 'hi' }), () => 0.5);
    expect(m).toMatchObject({ conversationID: 'C2Cbob', from: 'alice', to: 'bob', flow: 'out', status: 'unSend', type: 'TIMTextElem', payload: { text: 'hi' }, sequence: 0 });
    expect(m.random).toBe(randomU32(() => 0.5));
    const seenByBob = fromWire('bob', { MsgSeq: 7, From_Account: 'alice', To_Account: 'bob', MsgRandom: m.random, MsgTime: 1, MsgKey: 'k', MsgBody: m.elements });
    expect(seenByBob).toMatchObject({ conversationID: 'C2Calice', flow: 'in', sequence: 7, payload: { text: 'hi' } });
    expect(seenByBob.ID).toBe(`alice-bob-${m.random}`);
    expect(fromWire('alice', { MsgSeq: 7, From_Account: 'alice', To_Account: 'bob', MsgRandom: m.random, MsgTime: 1, MsgKey: 'k', MsgBody: m.elements }).ID).toBe(m.ID);
  });

  it('reads recalled and peer-read flags from stored messages', () => {
    const m = fromWire('alice', { MsgSeq: 2, From_Account: 'alice', To_Account: 'bob', MsgRandom: 1, MsgTime: 1, MsgKey: 'k', MsgBody: [], MsgFlagBits: 8, IsPeerRead: 1 });
    expect([m.isRevoked, m.isPeerRead, m.type]).toEqual([true, true, '']);
  });

  it('names conversations C2C<userID> like the web SDK', () => {
    expect(c2cConversationID('bob')).toBe('C2Cbob');
    expect(peerOf('C2Cbob')).toBe('bob');
    expect(() => peerOf('GROUPx')).toThrow(MeridianError);
    expect(payloadOf({ MsgType: 'TIMFaceElem', MsgContent: { Index: 1, Data: 'd' } })).toEqual({ index: 1, data: 'd' });
  });
});
