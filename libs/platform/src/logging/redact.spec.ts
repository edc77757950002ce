import { Writable } from 'node:stream';
import { genUserSig } from '@meridian/usersig';
import { createRootLogger } from './logger';
import { REDACTED, redactText, redactValue } from './redact';

const SIG = genUserSig({ sdkAppId: 1400000001, key: 'k'.repeat(64), identifier: 'administrator', expireSeconds: 3600 });

describe(redactText.name, () => {
  it('removes UserSigs, tokens and keys from URLs and free text', () => {
    const url = `/v4/openim/sendmsg?sdkappid=1&identifier=administrator&usersig=${SIG}&random=5&contenttype=json`;
    expect(redactText(url)).toBe(`/v4/openim/sendmsg?sdkappid=1&identifier=administrator&usersig=${REDACTED}&random=5&contenttype=json`);
    expect(redactText(`verification of ${SIG} failed`)).toBe(`verification of ${REDACTED} failed`);
    expect(redactText('/v1/msg_history/v1.abc.def/1400000001-C2C.gz')).toBe(`/v1/msg_history/${REDACTED}/1400000001-C2C.gz`);
    expect(redactText('GET /x?token=abc&password=hunter2 Authorization: Bearer abc.def')).not.toMatch(/abc|hunter2/);
  });

  it('keeps ordinary text', () => {
    expect(redactText('request completed in 3 ms for c2c:alice:bob')).toBe('request completed in 3 ms for c2c:alice:bob');
  });
});

describe(redactValue.name, () => {
  it('censors credential and content fields at any depth and keeps the rest', () => {
    const out = redactValue({ app: 1, nested: { deeper: { secretKey: 'abc', userSig: SIG, MsgBody: [{ Text: 'hi' }], user: 'alice' } }, list: [{ token: 't' }] });
    expect(out).toEqual({ app: 1, nested: { deeper: { secretKey: REDACTED, userSig: REDACTED, MsgBody: REDACTED, user: 'alice' } }, list: [{ token: REDACTED }] });
  });

  it('redacts error messages and stacks', () => {
    const out = redactValue(new Error(`bad sig ${SIG}`)) as { message: string; stack: string };
    expect(out.message).toBe(`bad sig ${REDACTED}`);
    expect(out.stack).not.toContain(SIG);
  });
});

describe(createRootLogger.name, () => {
  it('writes no credential whatever the call looks like', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) });
    const root = createRootLogger({ service: 'gateway', region: 'r', instanceId: 'i', logLevel: 'info' }, sink);
    root.info(`url /v4/x?usersig=${SIG}`);
    root.info({ req: { method: 'POST', url: `/v4/x?usersig=${SIG}` } }, 'request completed');
    root.error({ err: new Error(`token=${SIG}`) }, 'failed');
    root.info({ deep: { a: { b: { password: 'hunter2' } } } }, 'x');
    const all = lines.join('');
    expect(all).toContain('request completed');
    expect(all).not.toContain(SIG);
    expect(all).not.toContain('hunter2');
  });
});
