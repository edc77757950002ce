import { createHmac, generateKeyPairSync } from 'node:crypto';
import { deflateRawSync, deflateSync, gzipSync, inflateSync } from 'node:zlib';
import {
  UserSigError,
  VerifiedSigCache,
  decodeUserSig,
  genUserSig,
  genUserSigV1,
  signedContent,
  verifyUserSig,
  type UserSigClaims,
  type UserSigErrorCode,
} from './index';

// ---------------------------------------------------------------------------------------------
// Independent helpers (plain node:crypto / node:zlib, not the code under test).

function encode(json: string | object, level?: number): string {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  const z = deflateSync(Buffer.from(text, 'utf8'), level === undefined ? {} : { level });
  return z.toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

function rawDecode(userSig: string): Record<string, unknown> {
  const b64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(b64, 'base64')).toString('utf8')) as Record<string, unknown>;
}

function hmac(key: string, content: string): string {
  return createHmac('sha256', key).update(content).digest('base64');
}

function codeOf(fn: () => unknown): UserSigErrorCode | 'no error' | 'not a UserSigError' {
  try {
    fn();
    return 'no error';
  } catch (err: unknown) {
    return err instanceof UserSigError ? err.code : 'not a UserSigError';
  }
}

/** Flips one base64 character inside TLS.sig (to another valid base64 character). */
function flipSigChar(sig: string, index: number): string {
  const c = sig[index];
  return sig.slice(0, index) + (c === 'A' ? 'B' : 'A') + sig.slice(index + 1);
}

// ---------------------------------------------------------------------------------------------
// Reference §1.1 worked example.

const V2 = {
  sdkAppId: 1400000000,
  key: '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e',
  identifier: 'xiaojun',
  time: 1600000000,
  expire: 15552000,
  sig: '1Z5PngDjGaufeSiPoBuxdHY7EK3JTdAjMP93S4KvV3M=',
  sigWithUserbufAbc: '9tvdyuu11RSxrIwX0xC05oW7LdPxVnzkzBpcRT/UqfM=',
  userSig:
    'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamKlkZmqGKplYUZBaBxE1NTY3gosWZ6UpWSoZRpgF56S5Z7omlaanBmQH5TqUVKR6R5q7exl4hKY5ZvgGWxsEm3mVhxr62SrUAnj0xuw__',
  content: 'TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1600000000\nTLS.expire:15552000\n',
};
const V2_EXPECTED = { sdkAppId: V2.sdkAppId, identifier: V2.identifier, now: V2.time };
const V2_KEYS = { hmacKey: V2.key };

// ---------------------------------------------------------------------------------------------
// Reference §1.2 legacy vectors (public test data of tencentyun/tls-sig-api-node, test/test.js).

const PUBLIC_KEY_A =
  '-----BEGIN PUBLIC KEY-----\nMFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEaPVFHhWqRDnKnVlyU5JIzXOUyOJd/pPU\nwhLUovf+PYBm7otRBptnvJ4EoJ4qeSJNG0v4XdiqM3mtChkhUEFT3Q==\n-----END PUBLIC KEY-----\n';
const PUBLIC_KEY_B =
  '-----BEGIN PUBLIC KEY-----\nMFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAED5Ffi4qIe4XUZ5zDGR9pC0Z6UL/gCHf0\nvgoLVestQxqOGJB5mcbaKULeriaevZoq0Sx8gGtfDlSf4fXwzPtGvg==\n-----END PUBLIC KEY-----\n';

interface LegacyVector {
  name: string;
  publicKey: string;
  otherKey: string;
  sdkAppId: number;
  identifier: string;
  userSig: string;
  time: number;
  expireAfter: number;
  content: string;
  userbuf?: string;
}

const LEGACY: LegacyVector[] = [
  {
    name: 'sigwithuser (userbuf "abc")',
    publicKey: PUBLIC_KEY_A,
    otherKey: PUBLIC_KEY_B,
    sdkAppId: 1400001052,
    identifier: 'abc',
    userSig:
      'eAE1jl1vgjAYhf9Lb1lcKxDHEi*YNh2ESZiK86ppS9GKH3y028zifx*Yei6f55y87x9YJctRV1SU1bUqwCtAHuyDoD8GT3epCnnWqlSy7S3jwmKtTnKo*2MUBGjieZbL31q1krJS3weBjbVMiIs5a6qv9bCGDzwcp0xTtx1*eGDTyZabsifbTXyw3U7tevCB17OIVE0a7k38HhHnJU4LPk*Mm2FhMp6S*dfMeb5KlnkIbT9DhUNN4twngawgdJsjz8X3m1iECV7nBwMvG3yKFs6**dktiZiC2z-8z1UA',
    time: 1521991744,
    expireAfter: 99999999,
    content:
      'TLS.appid_at_3rd:0\nTLS.account_type:0\nTLS.identifier:abc\nTLS.sdk_appid:1400001052\nTLS.time:1521991744\nTLS.expire_after:99999999\nTLS.userbuf:YWJj\n',
    userbuf: 'abc',
  },
  {
    name: 'sig (appid_at_3rd, no userbuf)',
    publicKey: PUBLIC_KEY_A,
    otherKey: PUBLIC_KEY_B,
    sdkAppId: 1400001052,
    identifier: 'abc',
    userSig:
      'eAFNjlFvgjAUhf9LX1lGbxFZl-iwWGcUt8jQsflCOlpdJwKBguiy-24lmOw8ft89J-cXrRbhPU*SvM50rE*FRI8Io7sOKyEzrbZKlgbyr6THvCiUiLmOnVL8u67EPu6UYTDAJoBd0ndkW6hSxnyruzF6S68bWVYqz0yTYHjADnGu-V5qdbh*BS4BSgHobbNSO4NfJuvxLGCrd8Ws*ZPX*lEz9vYhnZwHDXx6wfLNXnrpccqzj5bZ6Tk8znbR9w-Poa3hdQgsPwQMnjV2N-bGF9O5X5M0stbEWqhhHYzQ3wVIlVX1',
    time: 1521991192,
    expireAfter: 999999999,
    content:
      'TLS.appid_at_3rd:0\nTLS.account_type:0\nTLS.identifier:abc\nTLS.sdk_appid:1400001052\nTLS.time:1521991192\nTLS.expire_after:999999999\n',
  },
  {
    name: 'without3rd (account_type 116)',
    publicKey: PUBLIC_KEY_B,
    otherKey: PUBLIC_KEY_A,
    sdkAppId: 1400000226,
    identifier: '10001',
    userSig:
      'eJxNz11vgjAYBeB7fkXTW41rKwL1bkMMGnGyidu8IaxUfdehFWpkMfvv8ysL5-Y5yck5WQghPJ*8djIhdoetSc2Plhj1EabUwe1-lrWGUqbZysjyyqzHGSGkUYFcbg2s4F6gZ6UNrnKVZlpDflObXMJYc6SC9RWj4MMfxf57lz0xb8ztcd2aKgrTJYdSh8lsU8dmcnQTFaqdGC48dRxtHp8DL5qLw-fnW*Q8BCJosXj-FfpLx7eLRf2iOUnWVTEgXuI2Jg0U97s9do7LXY6tX*sPGj5LXg__',
    time: 1522227979,
    expireAfter: 2592000,
    content: 'TLS.account_type:116\nTLS.identifier:10001\nTLS.sdk_appid:1400000226\nTLS.time:1522227979\nTLS.expire_after:2592000\n',
  },
];

// ---------------------------------------------------------------------------------------------

describe(genUserSig.name, () => {
  it('reproduces the reference worked example byte for byte', () => {
    const userSig = genUserSig({ sdkAppId: V2.sdkAppId, key: V2.key, identifier: V2.identifier, expireSeconds: V2.expire, now: V2.time });
    expect(userSig).toBe(V2.userSig);
    expect(rawDecode(userSig)['TLS.sig']).toBe(V2.sig);
    expect(signedContent(userSig)).toBe(V2.content);
  });

  it('reproduces the userbuf "abc" signature', () => {
    const userSig = genUserSig({
      sdkAppId: V2.sdkAppId,
      key: V2.key,
      identifier: V2.identifier,
      expireSeconds: V2.expire,
      now: V2.time,
      userbuf: Buffer.from('abc'),
    });
    const doc = rawDecode(userSig);
    expect(doc['TLS.userbuf']).toBe('YWJj');
    expect(doc['TLS.sig']).toBe(V2.sigWithUserbufAbc);
    expect(signedContent(userSig)).toBe(`${V2.content}TLS.userbuf:YWJj\n`);
  });

  it('uses the key string as UTF-8 bytes, never hex-decoded', () => {
    const doc = rawDecode(genUserSig({ sdkAppId: 1, key: 'abcd', identifier: 'u', expireSeconds: 4, now: 5 }));
    expect(doc['TLS.sig']).toBe(hmac('abcd', 'TLS.identifier:u\nTLS.sdkappid:1\nTLS.time:5\nTLS.expire:4\n'));
    expect(doc['TLS.sig']).not.toBe(createHmac('sha256', Buffer.from('abcd', 'hex')).update('TLS.identifier:u\nTLS.sdkappid:1\nTLS.time:5\nTLS.expire:4\n').digest('base64'));
  });

  it('rejects unusable inputs', () => {
    const base = { sdkAppId: 1, key: 'k', identifier: 'u', expireSeconds: 60, now: 1 };
    expect(() => genUserSig({ ...base, sdkAppId: -1 })).toThrow(RangeError);
    expect(() => genUserSig({ ...base, sdkAppId: 2 ** 32 })).toThrow(RangeError);
    expect(() => genUserSig({ ...base, identifier: '' })).toThrow(RangeError);
    expect(() => genUserSig({ ...base, identifier: 'a\nTLS.sdkappid:2' })).toThrow(RangeError);
    expect(() => genUserSig({ ...base, expireSeconds: 1.5 })).toThrow(RangeError);
    expect(() => genUserSig({ ...base, key: '' })).toThrow(RangeError);
  });
});

describe(decodeUserSig.name, () => {
  it('dispatches on TLS.ver', () => {
    expect(decodeUserSig(V2.userSig).version).toBe('v2');
    for (const v of LEGACY) expect(decodeUserSig(v.userSig).version).toBe('v1');
    expect(decodeUserSig(encode({ 'TLS.ver': '3.0' })).version).toBe('v1');
    expect(decodeUserSig(encode({ 'TLS.ver': 2 })).version).toBe('v1');
  });

  it('returns the parsed document', () => {
    expect(decodeUserSig(V2.userSig).doc).toEqual({
      'TLS.ver': '2.0',
      'TLS.identifier': 'xiaojun',
      'TLS.sdkappid': 1400000000,
      'TLS.time': 1600000000,
      'TLS.expire': 15552000,
      'TLS.sig': V2.sig,
    });
  });

  it.each([
    ['empty string', ''],
    ['garbage', '!!!not a usersig!!!'],
    ['spaces', '    '],
    ['non-zlib base64', Buffer.from('hello world, not compressed').toString('base64')],
    ['gzip-compressed JSON', gzipSync(Buffer.from('{"TLS.ver":"2.0"}')).toString('base64')],
    ['raw deflate JSON', deflateRawSync(Buffer.from('{"TLS.ver":"2.0","TLS.identifier":"x"}')).toString('base64')],
    ['a truncated UserSig', V2.userSig.slice(0, 80)],
    ['a UserSig with a character removed from the middle', V2.userSig.slice(0, 50) + V2.userSig.slice(51)],
    ['the very old plain-JSON format', '{"TLS.account_type":"0","TLS.identifier":"abc","TLS.sdk_appid":"1400001052"}'],
    ['bad percent-encoding', `${V2.userSig.slice(0, 20)}%E0%A4%A${V2.userSig.slice(20)}`],
    ['a base64 length that cannot be', 'eJyrV'],
  ])('rejects %s as 70003', (_label, input) => {
    expect(codeOf(() => decodeUserSig(input))).toBe(70003);
  });

  it('rejects trailing bytes after the zlib stream as 70003', () => {
    const z = Buffer.concat([deflateSync(Buffer.from('{"TLS.ver":"2.0"}')), Buffer.from('junk')]);
    expect(() => decodeUserSig(z.toString('base64'))).toThrow(/trailing bytes/);
    expect(codeOf(() => decodeUserSig(z.toString('base64')))).toBe(70003);
  });

  it('rejects huge input before inflating it', () => {
    const huge = 'eJ' + 'A'.repeat(100 * 1024);
    const started = process.hrtime.bigint();
    let err: unknown;
    try {
      decodeUserSig(huge);
    } catch (e: unknown) {
      err = e;
    }
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(err).toBeInstanceOf(UserSigError);
    expect((err as UserSigError).code).toBe(70003);
    expect((err as UserSigError).reason).toMatch(/longer than/);
    expect(elapsedMs).toBeLessThan(50);
  });

  it('caps the inflated size (zip bomb)', () => {
    const bomb = encode(`{"TLS.ver":"2.0","pad":"${'0'.repeat(1024 * 1024)}"}`, 9);
    expect(bomb.length).toBeLessThan(4096);
    let err: unknown;
    try {
      decodeUserSig(bomb);
    } catch (e: unknown) {
      err = e;
    }
    expect((err as UserSigError).code).toBe(70003);
    expect((err as UserSigError).reason).toMatch(/larger than 8192/);
  });

  it.each([
    ['not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['not JSON', Buffer.from('TLS.ver=2.0')],
    ['a JSON array', Buffer.from('["TLS.ver","2.0"]')],
    ['JSON null', Buffer.from('null')],
    ['a JSON string', Buffer.from('"eJyr"')],
  ])('rejects an inflated document that is %s as 70005', (_label, bytes) => {
    const userSig = deflateSync(bytes).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
    expect(codeOf(() => decodeUserSig(userSig))).toBe(70005);
  });

  it('accepts a URL-percent-encoded sig and the standard base64 alphabet', () => {
    const standard = V2.userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
    expect(decodeUserSig(encodeURIComponent(standard)).doc['TLS.sig']).toBe(V2.sig);
    expect(decodeUserSig(standard).doc['TLS.sig']).toBe(V2.sig);
    expect(decodeUserSig(V2.userSig.replace(/_+$/, '')).doc['TLS.sig']).toBe(V2.sig);
    expect(decodeUserSig(V2.userSig.replace(/_/g, '%5F')).doc['TLS.sig']).toBe(V2.sig);
  });
});

describe(verifyUserSig.name, () => {
  describe('v2 worked example', () => {
    it('is valid at issue time and through the last second', () => {
      const claims = verifyUserSig(V2.userSig, V2_EXPECTED, V2_KEYS);
      expect(claims).toEqual({
        version: 'v2',
        identifier: 'xiaojun',
        sdkAppId: 1400000000,
        issuedAt: 1600000000,
        expireSeconds: 15552000,
        expiresAt: 1615552000,
      });
      expect(verifyUserSig(V2.userSig, { ...V2_EXPECTED, now: V2.time + V2.expire }, V2_KEYS).expiresAt).toBe(V2.time + V2.expire);
    });

    it('is expired one second later (70001)', () => {
      expect(codeOf(() => verifyUserSig(V2.userSig, { ...V2_EXPECTED, now: V2.time + V2.expire + 1 }, V2_KEYS))).toBe(70001);
    });

    it('reports mismatches with Tencent codes', () => {
      expect(codeOf(() => verifyUserSig(V2.userSig, { ...V2_EXPECTED, sdkAppId: 1400000001 }, V2_KEYS))).toBe(70014);
      expect(codeOf(() => verifyUserSig(V2.userSig, { ...V2_EXPECTED, identifier: 'xiaojun2' }, V2_KEYS))).toBe(70013);
      expect(codeOf(() => verifyUserSig(V2.userSig, V2_EXPECTED, { hmacKey: `${V2.key}0` }))).toBe(70009);
      expect(codeOf(() => verifyUserSig(V2.userSig, V2_EXPECTED, {}))).toBe(70016);
      expect(codeOf(() => verifyUserSig(V2.userSig, V2_EXPECTED, { hmacKey: '', ecdsaPublicKeyPem: PUBLIC_KEY_A }))).toBe(70016);
    });

    it('checks the signature before expiry: a forged, expired sig is 70009', () => {
      expect(codeOf(() => verifyUserSig(V2.userSig, { ...V2_EXPECTED, now: 2_000_000_000 }, { hmacKey: 'wrong' }))).toBe(70009);
      expect(codeOf(() => verifyUserSig(V2.userSig, { ...V2_EXPECTED, now: 2_000_000_000 }, V2_KEYS))).toBe(70001);
    });
  });

  describe('v2 round trips', () => {
    const key = 'another-secret-key';

    it('verifies without a userbuf', () => {
      const userSig = genUserSig({ sdkAppId: 1400123456, key, identifier: 'user_1-A', expireSeconds: 86400 });
      const claims = verifyUserSig(userSig, { sdkAppId: 1400123456, identifier: 'user_1-A' }, { hmacKey: key });
      expect(claims.version).toBe('v2');
      expect(claims.userbuf).toBeUndefined();
      expect(claims.expiresAt - claims.issuedAt).toBe(86400);
    });

    it('verifies with a userbuf and returns it', () => {
      const userbuf = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
      const userSig = genUserSig({ sdkAppId: 7, key, identifier: 'u', expireSeconds: 60, now: 100, userbuf });
      const claims = verifyUserSig(userSig, { sdkAppId: 7, identifier: 'u', now: 100 }, { hmacKey: key });
      expect(claims.userbuf?.equals(userbuf)).toBe(true);
    });

    it('verifies an empty userbuf', () => {
      const userSig = genUserSig({ sdkAppId: 7, key, identifier: 'u', expireSeconds: 60, now: 100, userbuf: Buffer.alloc(0) });
      expect(signedContent(userSig)).toBe('TLS.identifier:u\nTLS.sdkappid:7\nTLS.time:100\nTLS.expire:60\nTLS.userbuf:\n');
      expect(verifyUserSig(userSig, { sdkAppId: 7, identifier: 'u', now: 100 }, { hmacKey: key }).userbuf?.length).toBe(0);
    });

    it('verifies a non-ASCII identifier (content is UTF-8)', () => {
      const userSig = genUserSig({ sdkAppId: 7, key, identifier: '小军', expireSeconds: 60, now: 100 });
      expect(verifyUserSig(userSig, { sdkAppId: 7, identifier: '小军', now: 100 }, { hmacKey: key }).identifier).toBe('小军');
    });

    it('rejects a flipped character inside TLS.sig (70009)', () => {
      const doc = rawDecode(V2.userSig);
      for (const index of [0, 10, 42]) {
        const tampered = encode({ ...doc, 'TLS.sig': flipSigChar(V2.sig, index) });
        expect(codeOf(() => verifyUserSig(tampered, V2_EXPECTED, V2_KEYS))).toBe(70009);
      }
      for (const sig of ['', 'short', `${V2.sig}A`, V2.sig.slice(0, -1), V2.sig.replace(/=$/, ''), '!'.repeat(44)]) {
        expect(codeOf(() => verifyUserSig(encode({ ...doc, 'TLS.sig': sig }), V2_EXPECTED, V2_KEYS))).toBe(70009);
      }
    });

    it('rejects a re-encoded document with a changed identifier and the old sig (70009)', () => {
      const tampered = encode({ ...rawDecode(V2.userSig), 'TLS.identifier': 'mallory' });
      expect(codeOf(() => verifyUserSig(tampered, { ...V2_EXPECTED, identifier: 'mallory' }, V2_KEYS))).toBe(70009);
      const extended = encode({ ...rawDecode(V2.userSig), 'TLS.expire': 999999999 });
      expect(codeOf(() => verifyUserSig(extended, V2_EXPECTED, V2_KEYS))).toBe(70009);
      const withUserbuf = encode({ ...rawDecode(V2.userSig), 'TLS.userbuf': 'YWJj' });
      expect(codeOf(() => verifyUserSig(withUserbuf, V2_EXPECTED, V2_KEYS))).toBe(70009);
    });
  });

  describe('v2 documents from other generators', () => {
    const sig = V2.sig;
    // PHP order and PHP's `\/` escaping; the userbuf example's signature contains a `/`.
    const php = `{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1600000000,"TLS.userbuf":"YWJj","TLS.sig":"${V2.sigWithUserbufAbc.replace(/\//g, '\\/')}"}`;

    it('accepts PHP key order with \\/ escapes', () => {
      expect(php).toContain('RT\\/Uq');
      const claims = verifyUserSig(encode(php), V2_EXPECTED, V2_KEYS);
      expect(claims.userbuf?.toString()).toBe('abc');
    });

    it.each([
      ['Go key order with a trailing newline', `{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1600000000,"TLS.sig":"${sig}"}\n`],
      ['C++ key order', `{"TLS.ver":"2.0","TLS.sdkappid":1400000000,"TLS.identifier":"xiaojun","TLS.time":1600000000,"TLS.expire":15552000,"TLS.sig":"${sig}"}`],
      ['pretty-printed JSON with unknown extra keys', JSON.stringify({ 'TLS.sig': sig, extra: [1, 2], 'TLS.expire': 15552000, 'TLS.time': 1600000000, 'TLS.sdkappid': 1400000000, 'TLS.identifier': 'xiaojun', 'TLS.ver': '2.0' }, null, 2)],
      ['numbers as canonical decimal strings', JSON.stringify({ 'TLS.ver': '2.0', 'TLS.identifier': 'xiaojun', 'TLS.sdkappid': '1400000000', 'TLS.time': '1600000000', 'TLS.expire': '15552000', 'TLS.sig': sig })],
      ['\\u escapes in strings', `{"TLS.ver":"2.0","TLS.identifier":"\\u0078iaojun","TLS.sdkappid":1400000000,"TLS.time":1600000000,"TLS.expire":15552000,"TLS.sig":"${sig}"}`],
    ])('accepts %s', (_label, json) => {
      expect(verifyUserSig(encode(json), V2_EXPECTED, V2_KEYS).identifier).toBe('xiaojun');
    });

    it.each([0, 1, 9])('accepts any zlib level (%i)', (level) => {
      expect(verifyUserSig(encode(php, level), V2_EXPECTED, V2_KEYS).sdkAppId).toBe(V2.sdkAppId);
    });
  });

  describe('v2 field validation (70005)', () => {
    const good = rawDecode(V2.userSig);
    const withoutKey = (key: string): Record<string, unknown> => Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));

    it.each(['TLS.identifier', 'TLS.sdkappid', 'TLS.time', 'TLS.expire', 'TLS.sig'])('requires %s', (key) => {
      expect(codeOf(() => verifyUserSig(encode(withoutKey(key)), V2_EXPECTED, V2_KEYS))).toBe(70005);
    });

    it.each([
      ['TLS.sdkappid', 1400000000.5],
      ['TLS.sdkappid', -1],
      ['TLS.sdkappid', 2 ** 32],
      ['TLS.sdkappid', '01400000000'],
      ['TLS.sdkappid', '1.4e9'],
      ['TLS.sdkappid', true],
      ['TLS.time', null],
      ['TLS.time', ' 1600000000'],
      ['TLS.time', [1600000000]],
      ['TLS.expire', '+15552000'],
      ['TLS.expire', 2 ** 41],
      ['TLS.identifier', 42],
      ['TLS.identifier', ''],
      ['TLS.identifier', 'xiaojun\nTLS.sdkappid:1'],
      ['TLS.sig', 123],
      ['TLS.userbuf', 5],
      ['TLS.userbuf', 'not base64!'],
    ])('rejects %s = %j', (key, value) => {
      expect(codeOf(() => verifyUserSig(encode({ ...good, [key]: value }), V2_EXPECTED, V2_KEYS))).toBe(70005);
    });

    it('treats a document without TLS.ver "2.0" as v1 and rejects its missing v1 fields', () => {
      expect(codeOf(() => verifyUserSig(encode(withoutKey('TLS.ver')), V2_EXPECTED, { ...V2_KEYS, ecdsaPublicKeyPem: PUBLIC_KEY_A }))).toBe(70005);
    });
  });

  describe.each(LEGACY)('legacy ECDSA vector $name', (v) => {
    const inside = v.time + 1000;
    const expected = { sdkAppId: v.sdkAppId, identifier: v.identifier, now: inside };
    const keys = { ecdsaPublicKeyPem: v.publicKey };

    it('signs exactly the reference content string', () => {
      expect(signedContent(v.userSig)).toBe(v.content);
    });

    it('verifies with its public key inside its validity', () => {
      const claims = verifyUserSig(v.userSig, expected, keys);
      expect(claims).toMatchObject({
        version: 'v1',
        identifier: v.identifier,
        sdkAppId: v.sdkAppId,
        issuedAt: v.time,
        expireSeconds: v.expireAfter,
        expiresAt: v.time + v.expireAfter,
      });
      expect(claims.userbuf?.toString()).toBe(v.userbuf);
      expect(verifyUserSig(v.userSig, { ...expected, now: v.time + v.expireAfter }, keys).version).toBe('v1');
    });

    it('fails with the wrong key (70009)', () => {
      expect(codeOf(() => verifyUserSig(v.userSig, expected, { ecdsaPublicKeyPem: v.otherKey }))).toBe(70009);
      const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(codeOf(() => verifyUserSig(v.userSig, expected, { ecdsaPublicKeyPem: p256 }))).toBe(70009);
    });

    it('fails with the wrong identifier (70013) and the wrong SDKAppID (70014)', () => {
      expect(codeOf(() => verifyUserSig(v.userSig, { ...expected, identifier: `${v.identifier}x` }, keys))).toBe(70013);
      expect(codeOf(() => verifyUserSig(v.userSig, { ...expected, sdkAppId: v.sdkAppId + 1 }, keys))).toBe(70014);
    });

    it('is expired one second after time + expire_after (70001)', () => {
      expect(codeOf(() => verifyUserSig(v.userSig, { ...expected, now: v.time + v.expireAfter + 1 }, keys))).toBe(70001);
    });

    it('needs an ECDSA public key (70016)', () => {
      expect(codeOf(() => verifyUserSig(v.userSig, expected, { hmacKey: V2.key }))).toBe(70016);
      expect(codeOf(() => verifyUserSig(v.userSig, expected, { ecdsaPublicKeyPem: 'not a pem' }))).toBe(70016);
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(codeOf(() => verifyUserSig(v.userSig, expected, { ecdsaPublicKeyPem: rsa }))).toBe(70016);
    });

    it('rejects a tampered field under the original signature (70009)', () => {
      const doc = rawDecode(v.userSig);
      const tampered = encode({ ...doc, 'TLS.expire_after': '9999999999' });
      expect(codeOf(() => verifyUserSig(tampered, expected, keys))).toBe(70009);
      const sig = String(doc['TLS.sig']);
      expect(codeOf(() => verifyUserSig(encode({ ...doc, 'TLS.sig': flipSigChar(sig, 20) }), expected, keys))).toBe(70009);
      expect(codeOf(() => verifyUserSig(encode({ ...doc, 'TLS.sig': '%%%' }), expected, keys))).toBe(70009);
    });
  });

  describe('v1 rules', () => {
    const [withUserbuf, withAppid, without3rd] = LEGACY;

    it('a userbuf document must carry appid_at_3rd (70005)', () => {
      const doc = rawDecode(withUserbuf.userSig);
      delete doc['TLS.appid_at_3rd'];
      expect(codeOf(() => verifyUserSig(encode(doc), { sdkAppId: 1400001052, identifier: 'abc', now: 1521991744 }, { ecdsaPublicKeyPem: PUBLIC_KEY_A }))).toBe(70005);
    });

    it('adding or removing appid_at_3rd changes the signed content (70009)', () => {
      const removed = rawDecode(withAppid.userSig);
      delete removed['TLS.appid_at_3rd'];
      expect(codeOf(() => verifyUserSig(encode(removed), { sdkAppId: 1400001052, identifier: 'abc', now: 1521991192 }, { ecdsaPublicKeyPem: PUBLIC_KEY_A }))).toBe(70009);
      const added = { ...rawDecode(without3rd.userSig), 'TLS.appid_at_3rd': '0' };
      expect(codeOf(() => verifyUserSig(encode(added), { sdkAppId: 1400000226, identifier: '10001', now: 1522227979 }, { ecdsaPublicKeyPem: PUBLIC_KEY_B }))).toBe(70009);
    });

    it.each([
      ['TLS.sdk_appid', 1400001052],
      ['TLS.sdk_appid', '01400001052'],
      ['TLS.time', 1521991192],
      ['TLS.time', '-1'],
      ['TLS.expire_after', '1e9'],
      ['TLS.account_type', 0],
      ['TLS.identifier', ['abc']],
      ['TLS.appid_at_3rd', 0],
      ['TLS.sig', null],
    ])('requires string fields: rejects %s = %j (70005)', (key, value) => {
      const doc = { ...rawDecode(withAppid.userSig), [key]: value };
      expect(codeOf(() => verifyUserSig(encode(doc), { sdkAppId: 1400001052, identifier: 'abc', now: 1521991192 }, { ecdsaPublicKeyPem: PUBLIC_KEY_A }))).toBe(70005);
    });
  });
});

describe(genUserSigV1.name, () => {
  describe.each(['secp256k1', 'prime256v1'])('with a fresh %s key', (namedCurve) => {
    const pair = generateKeyPairSync('ec', { namedCurve });
    const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const sec1Pem = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const ecdsaPublicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const base = { sdkAppId: 1400000999, identifier: 'legacy_user', expireSeconds: 3600, now: 1700000000 };
    const expected = { sdkAppId: 1400000999, identifier: 'legacy_user', now: 1700000000 };

    it('round-trips with the default appid_at_3rd "0"', () => {
      const userSig = genUserSigV1({ ...base, privateKeyPem });
      expect(decodeUserSig(userSig).version).toBe('v1');
      expect(signedContent(userSig)).toBe(
        'TLS.appid_at_3rd:0\nTLS.account_type:0\nTLS.identifier:legacy_user\nTLS.sdk_appid:1400000999\nTLS.time:1700000000\nTLS.expire_after:3600\n',
      );
      expect(verifyUserSig(userSig, expected, { ecdsaPublicKeyPem }).expiresAt).toBe(1700003600);
      expect(codeOf(() => verifyUserSig(userSig, { ...expected, now: 1700003601 }, { ecdsaPublicKeyPem }))).toBe(70001);
    });

    it('round-trips without appid_at_3rd and with an account type', () => {
      const userSig = genUserSigV1({ ...base, privateKeyPem: sec1Pem, appidAt3rd: null, accountType: '116' });
      expect(Object.keys(decodeUserSig(userSig).doc)).not.toContain('TLS.appid_at_3rd');
      expect(signedContent(userSig).startsWith('TLS.account_type:116\n')).toBe(true);
      expect(verifyUserSig(userSig, expected, { ecdsaPublicKeyPem }).version).toBe('v1');
    });

    it('round-trips with a userbuf', () => {
      const userbuf = Buffer.from('00000b6c65676163795f75736572', 'hex');
      const userSig = genUserSigV1({ ...base, privateKeyPem, appidAt3rd: '1400000999', userbuf });
      expect(signedContent(userSig).endsWith(`TLS.userbuf:${userbuf.toString('base64')}\n`)).toBe(true);
      expect(verifyUserSig(userSig, expected, { ecdsaPublicKeyPem }).userbuf?.equals(userbuf)).toBe(true);
    });

    it('accepts a private key PEM preceded by an EC PARAMETERS block', () => {
      const params = namedCurve === 'secp256k1' ? 'BgUrgQQACg==' : 'BggqhkjOPQMBBw==';
      const userSig = genUserSigV1({ ...base, privateKeyPem: `-----BEGIN EC PARAMETERS-----\n${params}\n-----END EC PARAMETERS-----\n${sec1Pem}` });
      expect(verifyUserSig(userSig, expected, { ecdsaPublicKeyPem }).identifier).toBe('legacy_user');
    });

    it('is not verifiable with the HMAC path or another curve', () => {
      const userSig = genUserSigV1({ ...base, privateKeyPem });
      const otherCurve = namedCurve === 'secp256k1' ? 'prime256v1' : 'secp256k1';
      const other = generateKeyPairSync('ec', { namedCurve: otherCurve }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(codeOf(() => verifyUserSig(userSig, expected, { ecdsaPublicKeyPem: other }))).toBe(70009);
      expect(codeOf(() => verifyUserSig(userSig, expected, { hmacKey: 'k' }))).toBe(70016);
    });
  });

  it('refuses a userbuf without appid_at_3rd (the content rule makes it mandatory)', () => {
    const privateKeyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() =>
      genUserSigV1({ sdkAppId: 1, privateKeyPem, identifier: 'u', expireSeconds: 1, appidAt3rd: null, userbuf: Buffer.from('x') }),
    ).toThrow(RangeError);
  });
});

describe(VerifiedSigCache.name, () => {
  const claimsFor = (identifier: string, expiresAt: number): UserSigClaims => ({
    version: 'v2',
    identifier,
    sdkAppId: 1,
    issuedAt: expiresAt - 100,
    expireSeconds: 100,
    expiresAt,
  });

  function fakeClock(startMs: number): { now: () => number; advance: (ms: number) => void } {
    let t = startMs;
    return { now: () => t, advance: (ms) => (t += ms) };
  }

  it('returns the stored claims on a hit', () => {
    const cache = new VerifiedSigCache({ maxEntries: 10, ttlMs: 60_000 });
    const claims = claimsFor('u', Math.floor(Date.now() / 1000) + 3600);
    cache.set('sig', claims);
    expect(cache.get('sig')).toEqual(claims);
    expect(cache.get('other')).toBeUndefined();
  });

  it('honours the ttl', () => {
    const clock = fakeClock(1_000_000_000_000);
    const cache = new VerifiedSigCache({ maxEntries: 10, ttlMs: 5_000, clock: clock.now });
    cache.set('sig', claimsFor('u', 2_000_000_000));
    clock.advance(4_999);
    expect(cache.get('sig')).toBeDefined();
    clock.advance(1);
    expect(cache.get('sig')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('honours the sig expiry (inclusive of its last second) when it comes before the ttl', () => {
    const clock = fakeClock(1_600_000_000_000);
    const cache = new VerifiedSigCache({ maxEntries: 10, ttlMs: 3_600_000, clock: clock.now });
    cache.set('sig', claimsFor('u', 1_600_000_010));
    clock.advance(10_999);
    expect(cache.get('sig')).toBeDefined();
    clock.advance(1);
    expect(cache.get('sig')).toBeUndefined();
    cache.set('stale', claimsFor('u', 1_600_000_000));
    expect(cache.size).toBe(0);
  });

  it('is bounded and evicts the least recently used entry', () => {
    const cache = new VerifiedSigCache({ maxEntries: 3, ttlMs: 60_000, clock: () => 1_000_000_000_000 });
    for (const name of ['a', 'b', 'c']) cache.set(name, claimsFor(name, 2_000_000_000));
    cache.set('d', claimsFor('d', 2_000_000_000));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined(); // b is now the most recently used
    cache.set('e', claimsFor('e', 2_000_000_000));
    expect(cache.get('c')).toBeUndefined();
    expect(['b', 'd', 'e'].map((k) => cache.get(k)?.identifier)).toEqual(['b', 'd', 'e']);
  });

  it('verify(): caches successes only and re-checks app and user on a hit', () => {
    const clock = fakeClock(V2.time * 1000);
    const cache = new VerifiedSigCache({ maxEntries: 10, ttlMs: 60_000, clock: clock.now });
    expect(cache.verify(V2.userSig, { sdkAppId: V2.sdkAppId, identifier: V2.identifier }, V2_KEYS).identifier).toBe('xiaojun');
    expect(cache.size).toBe(1);
    // A hit no longer needs the key...
    expect(cache.verify(V2.userSig, { sdkAppId: V2.sdkAppId, identifier: V2.identifier }, {}).identifier).toBe('xiaojun');
    // ...but never admits another user or app.
    expect(codeOf(() => cache.verify(V2.userSig, { sdkAppId: V2.sdkAppId, identifier: 'mallory' }, V2_KEYS))).toBe(70013);
    expect(codeOf(() => cache.verify(V2.userSig, { sdkAppId: 1, identifier: V2.identifier }, V2_KEYS))).toBe(70014);
    expect(codeOf(() => cache.verify('garbage', { sdkAppId: V2.sdkAppId, identifier: V2.identifier }, V2_KEYS))).toBe(70003);
    expect(cache.size).toBe(1);
  });

  it('verify(): an entry stops at the sig expiry and the full path then reports 70001', () => {
    const clock = fakeClock((V2.time + V2.expire) * 1000);
    const cache = new VerifiedSigCache({ maxEntries: 10, ttlMs: 3_600_000, clock: clock.now });
    expect(cache.verify(V2.userSig, { sdkAppId: V2.sdkAppId, identifier: V2.identifier }, V2_KEYS).version).toBe('v2');
    clock.advance(1_000);
    expect(codeOf(() => cache.verify(V2.userSig, { sdkAppId: V2.sdkAppId, identifier: V2.identifier }, V2_KEYS))).toBe(70001);
  });

  it('stores frozen copies', () => {
    const cache = new VerifiedSigCache({ maxEntries: 1, ttlMs: 1_000, clock: () => 0 });
    const claims = claimsFor('u', 10);
    cache.set('sig', claims);
    claims.identifier = 'changed';
    expect(cache.get('sig')?.identifier).toBe('u');
    expect(Object.isFrozen(cache.get('sig'))).toBe(true);
  });
});
