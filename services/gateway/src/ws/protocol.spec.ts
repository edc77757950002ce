import { ErrorCode } from '@meridian/contracts';
import { FrameError, encode, parseFrame, pushFrame } from './protocol';

const codeOf = (text: string): number => {
  try {
    parseFrame(text);
  } catch (err) {
    if (err instanceof FrameError) return err.code;
    throw err;
  }
  throw new Error('expected a FrameError');
};

describe(parseFrame.name, () => {
  it('parses each client frame type', () => {
    expect(parseFrame('{"v":1,"t":"ping","id":3}')).toEqual({ t: 'ping', id: 3 });
    expect(parseFrame('{"v":1,"t":"ack","dids":["a","b"]}')).toEqual({ t: 'ack', dids: ['a', 'b'] });
    expect(parseFrame('{"v":1,"t":"req","id":7,"cmd":"x.y"}')).toEqual({ t: 'req', id: 7, cmd: 'x.y', body: {} });
    expect(parseFrame('{"v":1,"t":"login","id":1,"body":{"sdkAppId":1,"userId":"u","userSig":"s","platform":"Web"}}')).toMatchObject({
      t: 'login',
      body: { sdkAppId: 1, userId: 'u', platform: 'Web' },
    });
  });

  it('answers malformed frames with codes instead of throwing anything else', () => {
    expect(codeOf('not json')).toBe(ErrorCode.JSON_FORMAT);
    expect(codeOf('[1]')).toBe(ErrorCode.JSON_FORMAT);
    expect(codeOf('{"t":"ping"}')).toBe(ErrorCode.INVALID_PARAMETER);
    expect(codeOf('{"v":2,"t":"ping"}')).toBe(ErrorCode.INVALID_PARAMETER);
    expect(codeOf('{"v":1,"t":"dance"}')).toBe(ErrorCode.BAD_RESOURCE);
    expect(codeOf('{"v":1,"t":"login","id":1,"body":{"sdkAppId":"1"}}')).toBe(ErrorCode.INVALID_PARAMETER);
    expect(codeOf('{"v":1,"t":"req","id":-1,"cmd":"x"}')).toBe(ErrorCode.INVALID_PARAMETER);
    expect(codeOf('{"v":1,"t":"ack","dids":[1]}')).toBe(ErrorCode.INVALID_PARAMETER);
  });
});

describe(pushFrame.name, () => {
  const bytes = (s: string) => Buffer.from(s, 'utf8');

  it('gives the same frame as encoding the parsed body, for any delivery id', () => {
    const body = { ConversationId: 'c2c:a:b', MsgSeq: 7, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hé "quoted" \u2028 😀' } }] };
    const frame = pushFrame('c2c', bytes(JSON.stringify(body)));
    for (const did of ['e1:l1', 'live:g"1:2', '']) {
      const text = frame(did);
      expect(JSON.parse(text)).toEqual({ v: 1, t: 'push', did, kind: 'c2c', body });
      expect(text).toBe(encode({ v: 1, t: 'push', did, kind: 'c2c', body }));
    }
  });

  it('sends null for a body that is not JSON, never its bytes', () => {
    for (const bad of ['{"a":', 'not json', '', '{"a":1}garbage']) {
      expect(JSON.parse(pushFrame('notice', bytes(bad))('d'))).toEqual({ v: 1, t: 'push', did: 'd', kind: 'notice', body: null });
    }
  });
});
