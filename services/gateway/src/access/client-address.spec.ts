import { ClientAddresses } from './client-address';

describe(ClientAddresses.name, () => {
  const proxies = new ClientAddresses('10.0.0.0/8, 192.168.1.5, fd00::/8');

  it('believes X-Forwarded-For only from a trusted proxy, read from the right', () => {
    expect(proxies.resolve('10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
    expect(proxies.resolve('::ffff:10.1.2.3', '6.6.6.6, 203.0.113.9, 10.9.9.9')).toBe('203.0.113.9');
    expect(proxies.resolve('fd00::1', ['198.51.100.1'])).toBe('198.51.100.1');
    // A client writing the header itself is not believed.
    expect(proxies.resolve('203.0.113.9', '1.1.1.1')).toBe('203.0.113.9');
    expect(new ClientAddresses('').resolve('127.0.0.1', '1.1.1.1')).toBe('127.0.0.1');
  });

  it('ignores what is not an address and refuses a bad configuration', () => {
    expect(proxies.resolve('10.1.2.3', 'garbage, ')).toBe('10.1.2.3');
    expect(() => new ClientAddresses('not-an-ip')).toThrow(/MERIDIAN_TRUSTED_PROXIES/);
  });
});
