import type { LookupAddress } from 'node:dns';
import { CallbackTargetError, checkCallbackTarget, guardedLookup, isPrivateAddress } from './callback-target';

describe('callback target policy', () => {
  describe(isPrivateAddress.name, () => {
    it.each([
      '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
      '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '224.0.0.1', '255.255.255.255', '198.18.0.1',
      '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
      '64:ff9b::7f00:1', '64:ff9b::a00:1', '2002:7f00:1::1', '2002:c0a8:101::1', '::127.0.0.1',
      'not an address', '',
    ])('%s is not public', (ip) => expect(isPrivateAddress(ip)).toBe(true));

    it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '169.253.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
      '%s is public',
      (ip) => expect(isPrivateAddress(ip)).toBe(false),
    );
  });

  describe(checkCallbackTarget.name, () => {
    const resolver = (addresses: string[]) => async (): Promise<LookupAddress[]> => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

    it('accepts a public literal and a name whose every address is public', async () => {
      await expect(checkCallbackTarget('https://8.8.8.8/cb', false)).resolves.toBeUndefined();
      await expect(checkCallbackTarget('https://backend.example/cb', false, resolver(['93.184.216.34', '2606:2800:220:1::1']))).resolves.toBeUndefined();
    });

    it('refuses a name when any one of its addresses is private', async () => {
      await expect(checkCallbackTarget('https://backend.example/cb', false, resolver(['93.184.216.34', '10.0.0.7']))).rejects.toThrow(
        'callback host backend.example (resolves to 10.0.0.7) is a loopback, private, link-local or otherwise non-public address',
      );
    });

    it.each(['http://127.0.0.1:9/cb', 'http://[::1]/cb', 'http://[::ffff:127.0.0.1]/cb', 'http://2130706433/cb', 'http://0x7f.1/cb', 'http://169.254.169.254/'])(
      'refuses the literal %s (whatever its spelling)',
      async (url) => {
        await expect(checkCallbackTarget(url, false)).rejects.toBeInstanceOf(CallbackTargetError);
      },
    );

    it('allows anything resolvable when the app allows private targets, but still only http(s)', async () => {
      await expect(checkCallbackTarget('http://127.0.0.1:9/cb', true)).resolves.toBeUndefined();
      await expect(checkCallbackTarget('ftp://127.0.0.1/cb', true)).rejects.toThrow('http:// or https://');
    });

    it('refuses a name that does not resolve', async () => {
      const failing = async (): Promise<LookupAddress[]> => {
        throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      };
      await expect(checkCallbackTarget('https://nowhere.invalid/cb', false, failing)).rejects.toThrow('does not resolve (ENOTFOUND)');
    });
  });

  describe(guardedLookup.name, () => {
    const lookup = (allow: boolean, addresses: string[], all: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        guardedLookup(allow, async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))('backend.example', { all }, (err, address) =>
          resolve({ err, address }),
        ),
      );

    it('checks at connect time: a name that now resolves to loopback (DNS rebinding) is refused', async () => {
      expect((await lookup(false, ['93.184.216.34'], false)).address).toBe('93.184.216.34');
      const rebound = await lookup(false, ['127.0.0.1'], false);
      expect(rebound.err?.code).toBe('EPRIVATETARGET');
      expect((await lookup(false, ['93.184.216.34', 'fe80::1'], true)).err?.code).toBe('EPRIVATETARGET');
    });

    it('answers in the form asked for when allowed', async () => {
      expect((await lookup(true, ['127.0.0.1', '::1'], true)).address).toEqual([
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]);
      expect((await lookup(true, ['127.0.0.1'], false)).address).toBe('127.0.0.1');
    });
  });
});
